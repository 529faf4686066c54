// A checked compose tree to the normalised model, as compose-go's transform/normalize passes do: short syntaxes
// expanded, paths made absolute, env_file read into environment, the implicit `default` network added.
import { EngineError } from '../errors.ts';
import { formatGoDuration, parseGoDuration } from './durations.ts';
import type { Lookup } from './interpolate.ts';
import type { BuildConfig, ComposeProject, Dependency, HealthCheck, NetworkConfig, PortConfig, ServiceConfig, VolumeConfig, VolumeMount } from './model.ts';
import { parsePortSpec, parseVolumeSpec, splitShellWords } from './short-syntax.ts';
import { resolvePath as resolveSlashPath } from '../slash-path.ts';

type Tree = Record<string, unknown>;

export interface NormalizeContext {
  projectName: string;
  workingDir: string;
  files: string[];
  /** the environment for `KEY`-only entries of environment lists (the shell's, then .env) */
  lookup: Lookup;
  /** contents of env_file entries, already parsed; undefined when the file is missing */
  envFiles: Map<string, Map<string, string> | undefined>;
  /** where a path of the tree is, for errors */
  locate(path: (string | number)[]): { file: string; line: number };
}

/** A compose file's path: relative to the project directory, `~` the guest user's home (/root). */
export function resolvePath(base: string, path: string): string {
  return resolveSlashPath(base, path === '~' || path.startsWith('~/') ? `/root${path.slice(1)}` : path);
}

function fail(ctx: NormalizeContext, path: (string | number)[], message: string): never {
  const location = ctx.locate(path);
  throw new EngineError('INVALID_ARGUMENT', message, { location });
}

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));

/** list (`K=V`, `K`) or mapping to a mapping; `K` alone and null values take the environment's value or stay null */
function keyValues(v: unknown, lookup?: Lookup): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    for (const e of v as string[]) {
      const eq = e.indexOf('=');
      if (eq >= 0) out[e.slice(0, eq)] = e.slice(eq + 1);
      else out[e] = lookup?.(e) ?? null;
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Tree)) out[k] = x === null || x === undefined ? (lookup?.(k) ?? null) : str(x);
  }
  return out;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function commandOf(v: unknown, ctx: NormalizeContext, path: (string | number)[]): string[] | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (Array.isArray(v)) return v.map(str);
  try {
    return splitShellWords(str(v));
  } catch (e) {
    return fail(ctx, path, `${path.join('.')}: ${(e as Error).message}`);
  }
}

function build(v: unknown, ctx: NormalizeContext): BuildConfig {
  const b = typeof v === 'string' ? { context: v } : (v as Tree);
  const out: BuildConfig = { context: resolvePath(ctx.workingDir, str(b.context ?? '.')), dockerfile: str(b.dockerfile ?? 'Dockerfile') };
  if (b.args !== undefined) out.args = sortKeys(keyValues(b.args, ctx.lookup));
  if (b.target !== undefined) out.target = str(b.target);
  return out;
}

function ports(list: unknown[], ctx: NormalizeContext, path: (string | number)[]): PortConfig[] {
  const out: PortConfig[] = [];
  list.forEach((p, i) => {
    if (typeof p === 'number' || typeof p === 'string') {
      try {
        out.push(...parsePortSpec(str(p)).map(portKeyOrder));
      } catch (e) {
        fail(ctx, [...path, i], `${[...path, i].join('.')}: ${(e as Error).message}`);
      }
      return;
    }
    const m = p as Tree;
    const target = Number(m.target);
    if (!Number.isInteger(target) || target < 1 || target > 65535) fail(ctx, [...path, i, 'target'], `${[...path, i].join('.')}.target: invalid containerPort: ${str(m.target)}`);
    const port: PortConfig = { mode: str(m.mode ?? 'ingress'), target, protocol: str(m.protocol ?? 'tcp') };
    if (m.name !== undefined) port.name = str(m.name);
    if (m.host_ip !== undefined) port.host_ip = str(m.host_ip);
    if (m.published !== undefined) port.published = str(m.published);
    if (m.app_protocol !== undefined) port.app_protocol = str(m.app_protocol);
    out.push(portKeyOrder(port));
  });
  return out;
}

/** key order as compose-go's ServicePortConfig */
function portKeyOrder(port: PortConfig): PortConfig {
  return {
    ...(port.name !== undefined ? { name: port.name } : {}),
    mode: port.mode,
    ...(port.host_ip !== undefined ? { host_ip: port.host_ip } : {}),
    target: port.target,
    ...(port.published !== undefined ? { published: port.published } : {}),
    protocol: port.protocol,
    ...(port.app_protocol !== undefined ? { app_protocol: port.app_protocol } : {}),
  };
}

function volumes(list: unknown[], ctx: NormalizeContext, path: (string | number)[]): VolumeMount[] {
  return list.map((v, i) => {
    let m: VolumeMount;
    if (typeof v === 'string') {
      try {
        m = parseVolumeSpec(v);
      } catch (e) {
        return fail(ctx, [...path, i], `${[...path, i].join('.')}: ${(e as Error).message}`);
      }
    } else {
      const t = v as Tree;
      if (t.type === undefined) fail(ctx, [...path, i], `${[...path, i].join('.')} missing property 'type'`);
      if (t.target === undefined) fail(ctx, [...path, i], `${[...path, i].join('.')} missing property 'target'`);
      m = { type: t.type as 'bind' | 'volume', target: str(t.target) };
      if (t.source !== undefined) m.source = str(t.source);
      if (t.read_only !== undefined) m.read_only = t.read_only as boolean;
      if (m.type === 'bind') {
        if (m.source === undefined) fail(ctx, [...path, i], `${[...path, i].join('.')}: invalid mount config for type "bind": field Source must not be empty`);
        m.bind = { create_host_path: ((t.bind as Tree | undefined)?.create_host_path as boolean | undefined) ?? true };
      } else {
        m.volume = { ...((t.volume as Tree | undefined) ?? {}) };
      }
    }
    if (m.type === 'bind' && m.source !== undefined) m.source = resolvePath(ctx.workingDir, m.source);
    m.target = resolvePath('/', m.target);
    // key order as compose-go's ServiceVolumeConfig
    return {
      type: m.type,
      ...(m.source !== undefined ? { source: m.source } : {}),
      target: m.target,
      ...(m.read_only ? { read_only: true } : {}),
      ...(m.bind ? { bind: m.bind } : {}),
      ...(m.volume ? { volume: m.volume } : {}),
    };
  });
}

function healthcheck(v: Tree, ctx: NormalizeContext, path: (string | number)[]): HealthCheck {
  const h: HealthCheck = {};
  if (v.test !== undefined) {
    h.test = typeof v.test === 'string' ? ['CMD-SHELL', v.test] : (v.test as unknown[]).map(str);
    const kind = h.test[0];
    if (h.test.length > 0 && !['NONE', 'CMD', 'CMD-SHELL'].includes(kind as string)) fail(ctx, [...path, 'test'], `${path.join('.')}.test: the first item must be "NONE", "CMD" or "CMD-SHELL", not "${kind}"`);
  }
  for (const key of ['timeout', 'interval'] as const) {
    if (v[key] === undefined) continue;
    const ms = parseGoDuration(str(v[key]));
    if (ms === undefined) fail(ctx, [...path, key], `${[...path, key].join('.')} must be a duration`);
    h[key] = formatGoDuration(ms);
  }
  if (v.retries !== undefined) h.retries = Number(v.retries);
  for (const key of ['start_period', 'start_interval'] as const) {
    if (v[key] === undefined) continue;
    const ms = parseGoDuration(str(v[key]));
    if (ms === undefined) fail(ctx, [...path, key], `${[...path, key].join('.')} must be a duration`);
    h[key] = formatGoDuration(ms);
  }
  if (v.disable !== undefined) h.disable = v.disable as boolean;
  return h;
}

const RESTART = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;

function service(name: string, v: Tree, ctx: NormalizeContext): ServiceConfig {
  const path = ['services', name];
  const at = (k: string) => [...path, k];
  if (v.image === undefined && v.build === undefined) fail(ctx, path, `service "${name}" has neither an image nor a build context specified: invalid compose project`);
  const s: ServiceConfig = {};
  if (v.build !== undefined) s.build = build(v.build, ctx);
  if (v.cap_add !== undefined) s.cap_add = (v.cap_add as unknown[]).map(str);
  if (v.cap_drop !== undefined) s.cap_drop = (v.cap_drop as unknown[]).map(str);
  const command = commandOf(v.command, ctx, at('command'));
  if (command !== undefined) s.command = command;
  if (v.depends_on !== undefined) {
    const deps: Record<string, Dependency> = {};
    if (Array.isArray(v.depends_on)) for (const d of v.depends_on as string[]) deps[d] = { condition: 'service_started', required: true };
    else {
      for (const [d, x] of Object.entries(v.depends_on as Record<string, Tree>)) {
        deps[d] = { condition: (x.condition as Dependency['condition'] | undefined) ?? 'service_started', ...(x.restart ? { restart: true } : {}), required: (x.required as boolean | undefined) ?? true };
      }
    }
    s.depends_on = sortKeys(deps);
  }
  if (v.deploy !== undefined && v.deploy !== null) {
    const replicas = (v.deploy as Tree).replicas;
    if (replicas !== undefined) {
      if ((replicas as number) < 0) fail(ctx, [...at('deploy'), 'replicas'], `services.${name}.deploy.replicas: must be greater than or equal to 0`);
      s.deploy = { replicas: replicas as number };
    }
  }
  const entrypoint = commandOf(v.entrypoint, ctx, at('entrypoint'));
  if (entrypoint !== undefined) s.entrypoint = entrypoint;
  // env_file values first, environment over them (compose-go's WithServicesEnvironmentResolved)
  const environment: Record<string, string | null> = {};
  if (v.env_file !== undefined) {
    const entries = (Array.isArray(v.env_file) ? v.env_file : [v.env_file]) as (string | Tree)[];
    s.env_file = entries.map((e) => {
      const file = typeof e === 'string' ? e : str(e.path);
      const required = typeof e === 'string' ? true : ((e.required as boolean | undefined) ?? true);
      return { path: resolvePath(ctx.workingDir, file), required };
    });
    s.env_file.forEach((e, i) => {
      const vars = ctx.envFiles.get(e.path);
      if (vars === undefined) {
        if (e.required) fail(ctx, [...at('env_file'), i], `env file ${e.path} not found: stat ${e.path}: no such file or directory`);
        return;
      }
      for (const [k, x] of vars) environment[k] = x;
    });
  }
  if (v.environment !== undefined) Object.assign(environment, keyValues(v.environment, ctx.lookup));
  if (Object.keys(environment).length > 0) s.environment = sortKeys(environment);
  if (v.expose !== undefined) s.expose = (v.expose as unknown[]).map(str);
  if (v.hostname !== undefined) s.hostname = str(v.hostname);
  if (v.healthcheck !== undefined) s.healthcheck = healthcheck(v.healthcheck as Tree, ctx, at('healthcheck'));
  if (v.image !== undefined) s.image = str(v.image);
  if (v.init !== undefined) s.init = v.init as boolean;
  if (v.labels !== undefined) s.labels = sortKeys(keyValues(v.labels)) as Record<string, string>;
  const nets: Record<string, { aliases?: string[] } | null> = {};
  if (Array.isArray(v.networks)) for (const n of v.networks as string[]) nets[n] = null;
  else if (v.networks) for (const [n, x] of Object.entries(v.networks as Record<string, Tree | null>)) nets[n] = x ? { ...(x.aliases ? { aliases: (x.aliases as unknown[]).map(str) } : {}) } : null;
  s.networks = Object.keys(nets).length > 0 ? sortKeys(nets) : { default: null };
  if (v.ports !== undefined) s.ports = ports(v.ports as unknown[], ctx, at('ports'));
  if (v.privileged !== undefined) s.privileged = v.privileged as boolean;
  if (v.read_only !== undefined) s.read_only = v.read_only as boolean;
  if (v.restart !== undefined) {
    if (!RESTART.test(str(v.restart))) fail(ctx, at('restart'), `services.${name}.restart: invalid restart policy: unknown policy '${str(v.restart)}'`);
    s.restart = str(v.restart);
  }
  if (v.user !== undefined) s.user = str(v.user);
  if (v.volumes !== undefined) s.volumes = volumes(v.volumes as unknown[], ctx, at('volumes'));
  if (v.working_dir !== undefined) s.working_dir = str(v.working_dir);
  return s;
}

function topLevel<T extends NetworkConfig | VolumeConfig>(v: unknown, ctx: NormalizeContext): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, x] of Object.entries((v ?? {}) as Record<string, Tree | null>)) {
    const t = x ?? {};
    const external = t.external === true;
    const c = { name: t.name !== undefined ? str(t.name) : external ? key : `${ctx.projectName}_${key}` } as T;
    if (t.driver !== undefined) c.driver = str(t.driver);
    if (external) c.external = true;
    if (t.labels !== undefined) c.labels = sortKeys(keyValues(t.labels)) as Record<string, string>;
    out[key] = c;
  }
  return out;
}

/** The model of a checked tree; throws the first of Compose's project errors (undefined service, network, volume). */
export function normalizeProject(tree: Tree, ctx: NormalizeContext): ComposeProject {
  const services: Record<string, ServiceConfig> = {};
  for (const [name, v] of Object.entries((tree.services ?? {}) as Record<string, Tree>)) services[name] = service(name, v ?? {}, ctx);
  const networks = topLevel<NetworkConfig>(tree.networks, ctx);
  const volumes = topLevel<VolumeConfig>(tree.volumes, ctx);
  for (const [key, n] of Object.entries(networks)) if (n.driver !== undefined && n.driver !== 'bridge') fail(ctx, ['networks', key, 'driver'], `networks.${key}.driver: drydock runs the bridge driver only, not "${n.driver}"`);
  if (!networks.default && Object.values(services).some((s) => s.networks && 'default' in s.networks)) networks.default = { name: `${ctx.projectName}_default` };
  for (const [name, s] of Object.entries(services)) {
    for (const n of Object.keys(s.networks ?? {})) if (!networks[n]) fail(ctx, ['services', name, 'networks', n], `service "${name}" refers to undefined network ${n}: invalid compose project`);
    for (const m of s.volumes ?? []) {
      if (m.type === 'volume' && m.source !== undefined && !volumes[m.source]) fail(ctx, ['services', name, 'volumes'], `service "${name}" refers to undefined volume ${m.source}: invalid compose project`);
    }
    for (const d of Object.keys(s.depends_on ?? {})) if (!services[d]) fail(ctx, ['services', name, 'depends_on', d], `service "${name}" depends on undefined service "${d}": invalid compose project`);
  }
  return { name: ctx.projectName, workingDir: ctx.workingDir, files: ctx.files, services: sortKeys(services), networks: sortKeys(networks), volumes: sortKeys(volumes) };
}
