// What each Dockerfile instruction does to the image config, and the history line BuildKit writes for it
// (`RUN /bin/sh -c npm install # buildkit`, `CMD ["/bin/sh" "-c" "npm start"]`, `EXPOSE map[3000/tcp:{}]`).
import type { ContainerConfig, HealthConfig } from '../oci/oci-types.ts';
import { resolvePath } from '../slash-path.ts';

/** Go's %q of a string (Go and JSON escapes agree for what Dockerfiles hold). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's %q of a []string: `["/bin/sh" "-c" "npm start"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}

/** The shell BuildKit runs shell-form commands with when no SHELL was given. */
export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/**
 * A stage's Env: config.Env's entries in order (a key set again keeps its place, as BuildKit's ENV replaces it), with
 * lookups and sets by key in constant time, so a Dockerfile of thousands of ENV lines costs linear time, not
 * quadratic. `entries` is its own array: a stage built on another copies it.
 */
export class EnvList {
  readonly entries: string[];
  readonly #index = new Map<string, number>();

  constructor(env: readonly string[] = []) {
    this.entries = [...env];
    this.entries.forEach((e, i) => this.#index.set(EnvList.#key(e), i));
  }

  static #key(entry: string): string {
    const eq = entry.indexOf('=');
    return eq < 0 ? entry : entry.slice(0, eq);
  }

  get(key: string): string | undefined {
    const i = this.#index.get(key);
    const e = i === undefined ? undefined : this.entries[i];
    return e === undefined || e.length === key.length ? undefined : e.slice(key.length + 1);
  }

  set(key: string, value: string): void {
    const i = this.#index.get(key);
    if (i === undefined) {
      this.#index.set(key, this.entries.length);
      this.entries.push(`${key}=${value}`);
    } else this.entries[i] = `${key}=${value}`;
  }
}

/** `3000` -> `3000/tcp`; `53/UDP` -> `53/udp`; a range stays one key like Docker's nat.ParsePortSpecs would not split it here. */
export function exposedPort(word: string): string {
  const [port = '', proto = 'tcp'] = word.split('/');
  return `${port}/${proto.toLowerCase()}`;
}

/** Go's %v of map[nat.Port]struct{} as BuildKit prints it in EXPOSE history: `map[3000/tcp:{} 80/tcp:{}]` (keys sorted). */
export function exposeHistory(ports: readonly string[]): string {
  return `EXPOSE map[${[...new Set(ports)].sort().map((p) => `${p}:{}`).join(' ')}]`;
}

/** WORKDIR relative to the previous one, cleaned. */
export function resolveWorkdir(previous: string, path: string): string {
  return resolvePath(previous || '/', path);
}

/** A command's argv: exec form as written, shell form through the stage's SHELL. */
export function commandArgs(command: string | string[], shell: readonly string[]): string[] {
  return Array.isArray(command) ? [...command] : [...shell, command];
}

/**
 * RUN's history line: build args in effect first (`|2 A=1 B=2`), then the argv, then BuildKit's marker.
 * Build args are part of the line so a changed arg is visible in `docker history` (as BuildKit does).
 */
export function runHistory(args: readonly string[], buildArgs: readonly [string, string][]): string {
  const prefix = buildArgs.length > 0 ? `|${buildArgs.length} ${buildArgs.map(([k, v]) => `${k}=${v}`).join(' ')} ` : '';
  return `RUN ${prefix}${args.join(' ')} # buildkit`;
}

/** Go's time.Duration String() for the HEALTHCHECK history (`30s`, `1m30s`, `0s`). */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const ms = ns / 1e6;
  if (ms < 1000) return `${ms}ms`;
  let s = ns / 1e9;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const sec = Number(s.toFixed(9)).toString();
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}s`;
}

export type Healthcheck = HealthConfig & { Test: string[] };

/** BuildKit's `HEALTHCHECK %q` of the *container.HealthConfig: `&{["CMD-SHELL" "curl -f x"] "30s" "3s" "0s" "0s" '\x03'}`. */
export function healthcheckHistory(h: Healthcheck): string {
  const retries = h.Retries ?? 0;
  const rune = retries < 32 ? `'\\x${retries.toString(16).padStart(2, '0')}'` : `'${String.fromCharCode(retries)}'`;
  const d = (n: number | undefined) => goQuote(goDuration(n ?? 0));
  return `HEALTHCHECK &{${goQuoteList(h.Test)} ${d(h.Interval)} ${d(h.Timeout)} ${d(h.StartPeriod)} ${d(h.StartInterval)} ${rune}}`;
}

/** A container config with the keys Docker shows, in the shape the image config stores. */
export function baseContainerConfig(from: ContainerConfig | undefined): ContainerConfig {
  const c: ContainerConfig = { ...(from ?? {}) };
  if (!c.Env) c.Env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  return c;
}
