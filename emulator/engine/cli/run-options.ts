// `docker run` / `docker create` command lines parsed like the docker CLI (pflag rules, Docker's flag value
// types and messages) into the Engine API create request they send (cli/command/container/opts.go `parse`: Config,
// HostConfig and NetworkingConfig built from the flags, in this one place) and the options that stay with the
// client (-d, -q, --pull, --sig-proxy, --detach-keys). Their help text and how their errors print: run-usage.ts.
import { FlagError, parseFlags, type FlagValues } from './flags.ts';
import { runUsageError, type RunErrorOrigin } from './run-usage.ts';
import { RUN_FLAGS } from './run-flags.ts';
import { networkOptionsFromFlags, type NetworkOptions } from './run-network-flags.ts';
import { parseSignal } from '../containers/signals.ts';
import type { HealthConfig } from '../containers/health.ts';
import { validIpcMode, validPidMode, validUtsMode } from '../containers/namespace-modes.ts';
import { ulimitList, type Ulimit } from '../containers/ulimits.ts';
import { parseVolume } from '../containers/volume-spec.ts';
import { emptyEndpointSettings, type EndpointSettingsJSON } from '../network/endpoint-settings.ts';
import type { ContainerCreateRequest, HostConfigBody, RestartPolicy } from '../api/types/container.ts';

/** The body of `POST /containers/create` the CLI sends (its HostConfig and NetworkingConfig always there). */
export type CreateBody = ContainerCreateRequest & { HostConfig: HostConfigBody; NetworkingConfig: { EndpointsConfig: Record<string, EndpointSettingsJSON> } };

/** A parsed `docker run`/`create`: the create request (body, `name` and `platform` query), and the client's own options. */
export interface RunOptions {
  body: CreateBody;
  name?: string;
  platform?: string;
  detach: boolean;
  quiet: boolean;
  pull: 'missing' | 'always' | 'never';
  /** forward the signals the CLI gets (^C) to the container while attached without a tty */
  sigProxy: boolean;
  /** --detach-keys as typed (`ctrl-p,ctrl-q` when not given) */
  detachKeys?: string;
}

export interface RunParseContext {
  /** `docker run` or `docker create`: named in `See '... --help'.` */
  command: 'run' | 'create' | 'container run' | 'container create';
  /** the CLI's environment, for `-e KEY` and env-file lines without `=` */
  env: Readonly<Record<string, string>>;
  /** the shim's working directory, for relative `-v ./dir:/x` and `--env-file` */
  cwd: string;
  /** reads an `--env-file` (path as typed, resolved against cwd); undefined when missing */
  readFile(path: string): Promise<string | undefined>;
}

/** `--device /dev/X[:/dev/Y][:rwm]` as the docker CLI's parseDevice reads it. */
function parseDevice(spec: string, fail: (message: string) => Error): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const parts = spec.split(':');
  const mode = (m: string) => /^[rwm]{1,3}$/.test(m);
  let [src, dst, perms] = [parts[0] ?? '', '', 'rwm'];
  if (parts.length === 3) [dst, perms] = [parts[1]!, parts[2]!];
  else if (parts.length === 2) {
    if (mode(parts[1]!)) perms = parts[1]!;
    else dst = parts[1]!;
  } else if (parts.length !== 1) throw fail(`invalid device specification: ${spec}`);
  if (!mode(perms)) throw fail(`invalid device mode: ${perms}`);
  dst ||= src;
  if (!dst.startsWith('/')) throw fail(`${dst} is not an absolute path`);
  return { PathOnHost: src, PathInContainer: dst, CgroupPermissions: perms };
}

/**
 * Parses the arguments after `docker run` (or `create`). Flags stop at the image name, as in the docker
 * CLI (`SetInterspersed(false)`), so `docker run busybox ls -l` keeps `-l` for `ls`.
 * Throws EngineError INVALID_ARGUMENT with `details.exitStatus` 125 (see formatRunError).
 */
export async function parseRunOptions(argv: readonly string[], ctx: RunParseContext): Promise<RunOptions | { help: true }> {
  let parsed;
  try {
    parsed = parseFlags(argv, RUN_FLAGS, { interspersed: false });
  } catch (e) {
    if (e instanceof FlagError) throw runUsageError(e.message, ctx, 'flag');
    throw e;
  }
  if (parsed.help) return { help: true };
  const v = parsed.flags;
  const str = (name: string) => v[name] as string | undefined;
  const list = <T = string>(name: string) => (v[name] as T[] | undefined) ?? [];
  const bool = (name: string) => (v[name] as boolean | undefined) ?? false;

  const [image, ...command] = parsed.args;
  if (image === undefined) {
    throw runUsageError(`'docker ${ctx.command}' requires at least 1 argument`, ctx, 'args');
  }
  const fail = (message: string, origin: RunErrorOrigin = 'cli') => runUsageError(message, ctx, origin);

  let network: NetworkOptions;
  try {
    network = networkOptionsFromFlags(v);
  } catch (e) {
    throw fail((e as Error).message, 'option');
  }

  // Env files first, then -e, in the order given (the CLI's ReadKVEnvStrings).
  const env: string[] = [];
  for (const file of list('env-file')) {
    const path = file.startsWith('/') ? file : `${ctx.cwd.replace(/\/$/, '')}/${file}`;
    const content = await ctx.readFile(path);
    if (content === undefined) throw fail(`open ${file}: no such file or directory`);
    env.push(...parseEnvFile(content, ctx.env, fail));
  }
  for (const e of list('env')) {
    env.push(envEntry(e, ctx.env));
  }

  const labels: Record<string, string> = {};
  for (const l of list('label')) {
    const eq = l.indexOf('=');
    labels[eq >= 0 ? l.slice(0, eq) : l] = eq >= 0 ? l.slice(eq + 1) : '';
  }

  const name = str('name');
  if (name !== undefined && name !== '' && !/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
    throw fail(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 'daemon');
  }

  const memory = (v['memory'] as number | undefined) ?? 0;
  if (memory !== 0 && memory < 6 * 1024 * 1024) throw fail('Minimum memory limit allowed is 6MB', 'daemon');
  const nanoCpus = (v['cpus'] as number | undefined) ?? 0;
  if (nanoCpus < 0) throw fail('Range of CPUs is from 0.01 to 1.00, as there are only 1 CPUs available', 'daemon');
  // The guest is one emulated CPU (v86), so like the daemon on a 1-CPU host anything above 1.00 is refused.
  if (nanoCpus > 1e9 || (nanoCpus > 0 && nanoCpus < 1e7)) {
    throw fail('Range of CPUs is from 0.01 to 1.00, as there are only 1 CPUs available', 'daemon');
  }
  const pidsLimit = Math.max(0, (v['pids-limit'] as number | undefined) ?? 0);
  const devices = list('device').map((d) => parseDevice(d, fail));
  const securityOpt = list('security-opt');
  for (const [i, opt] of securityOpt.entries()) {
    const [key, value] = opt.split(/[=:]/, 2) as [string, string?];
    if (key === 'seccomp' && value !== 'unconfined') throw fail(`--security-opt seccomp=${value ?? ''}: drydock has Docker's default profile and unconfined, not profiles from files`);
    if (!['seccomp', 'no-new-privileges', 'apparmor', 'label'].includes(key) || (key === 'no-new-privileges' && value !== undefined && value !== 'true' && value !== 'false')) {
      throw fail(`invalid --security-opt ${i + 1}: "${opt}"`, 'daemon');
    }
  }

  const pidMode = str('pid') ?? '';
  if (!validPidMode(pidMode)) throw fail('--pid: invalid PID mode', 'option');
  const utsMode = str('uts') ?? '';
  if (!validUtsMode(utsMode)) throw fail('--uts: invalid UTS mode', 'option');
  const ipcMode = str('ipc') ?? '';
  if (!validIpcMode(ipcMode)) throw fail('--ipc: invalid IPC mode', 'option');
  const tmpfs: Record<string, string> = {};
  for (const t of list('tmpfs')) {
    const colon = t.indexOf(':');
    tmpfs[colon >= 0 ? t.slice(0, colon) : t] = colon >= 0 ? t.slice(colon + 1) : '';
  }
  const ulimits = ulimitList(list<Ulimit>('ulimit'));
  const healthcheck = healthFlags(v, fail);

  const stopSignal = str('stop-signal');
  if (stopSignal !== undefined) {
    try {
      parseSignal(stopSignal);
    } catch (e) {
      throw fail((e as Error).message, 'daemon');
    }
  }

  const restart = parseRestart(str('restart'), fail);
  const autoRemove = bool('rm');
  if (autoRemove && restart.Name !== 'no' && restart.Name !== '') throw fail('conflicting options: cannot specify both --restart and --rm', 'option');
  for (const spec of list('volume')) {
    const bad = volumeSpecError(spec);
    if (bad !== undefined) throw fail(bad, 'option');
  }

  const pull = str('pull') ?? 'missing';
  if (pull !== 'missing' && pull !== 'always' && pull !== 'never') {
    throw fail(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  }
  const platform = str('platform');
  if (platform !== undefined && platform !== 'linux/386' && platform !== '386') {
    throw fail(`image with reference ${image} was found but does not match the specified platform: wanted ${platform}; drydock's guest runs linux/386 only`, 'daemon');
  }

  // the CLI sends `-v ./dir` absolute, and refuses what dockerd would before asking it
  const binds: string[] = [];
  const anonymous: Record<string, Record<string, never>> = {};
  for (const spec of list('volume')) {
    const mount = parseVolume(spec, ctx.cwd, fail);
    if (mount.type === 'bind') binds.push(`${mount.source}:${mount.destination}${mount.readOnly ? ':ro' : ''}`);
    else if (mount.name !== undefined) {
      const modes = [...(mount.readOnly ? ['ro'] : []), ...(mount.noCopy ? ['nocopy'] : [])];
      binds.push(`${mount.name}:${mount.destination}${modes.length ? `:${modes.join(',')}` : ''}`);
    } else anonymous[mount.destination] = {};
  }
  const workdir = str('workdir');
  if (workdir !== undefined && workdir !== '' && !workdir.startsWith('/')) throw fail(`the working directory '${workdir}' is invalid, it needs to be an absolute path`, 'daemon');
  const entrypoint = str('entrypoint');
  const detach = bool('detach');
  const interactive = bool('interactive');
  const groupAdd = list('group-add');
  const stopTimeout = v['stop-timeout'] as number | undefined;

  const body: CreateBody = {
    Hostname: str('hostname') ?? '',
    User: str('user') ?? '',
    AttachStdin: interactive && !detach,
    AttachStdout: !detach,
    AttachStderr: !detach,
    Tty: bool('tty'),
    OpenStdin: interactive,
    StdinOnce: interactive && !detach,
    Env: env,
    Cmd: command.length > 0 ? command : null,
    Image: image,
    Volumes: Object.keys(anonymous).length > 0 ? anonymous : null,
    WorkingDir: workdir ?? '',
    // --entrypoint is one argument (no shell splitting); "" resets the image's, sent as [""] as the docker CLI does
    Entrypoint: entrypoint === undefined ? null : [entrypoint],
    Labels: labels,
    ...(Object.keys(network.ExposedPorts).length > 0 ? { ExposedPorts: network.ExposedPorts } : {}),
    ...(network.MacAddress ? { MacAddress: network.MacAddress } : {}),
    HostConfig: {
      Binds: binds.length > 0 ? binds : null,
      NetworkMode: network.NetworkMode,
      PortBindings: network.PortBindings,
      Links: network.Links.length > 0 ? network.Links : null,
      PublishAllPorts: network.PublishAllPorts,
      RestartPolicy: restart,
      AutoRemove: autoRemove,
      CapAdd: list('cap-add').length > 0 ? list('cap-add') : null,
      CapDrop: list('cap-drop').length > 0 ? list('cap-drop') : null,
      ...(groupAdd.length > 0 ? { GroupAdd: groupAdd } : {}),
      Privileged: bool('privileged'),
      ...(securityOpt.length > 0 ? { SecurityOpt: securityOpt } : {}),
      ...(devices.length > 0 ? { Devices: devices } : {}),
      ReadonlyRootfs: bool('read-only'),
      Memory: memory,
      NanoCpus: nanoCpus,
      PidsLimit: pidsLimit > 0 ? pidsLimit : null,
      ...(Object.keys(tmpfs).length > 0 ? { Tmpfs: tmpfs } : {}),
      ...(v['shm-size'] !== undefined ? { ShmSize: v['shm-size'] as number } : {}),
      Ulimits: ulimits,
      IpcMode: ipcMode,
      PidMode: pidMode,
      UTSMode: utsMode,
      ...(bool('init') ? { Init: true } : {}),
    },
    // the CLI sends every endpoint's EndpointSettings whole (zero values included)
    NetworkingConfig: { EndpointsConfig: Object.fromEntries(Object.entries(network.EndpointsConfig).map(([k, ep]) => [k, { ...emptyEndpointSettings(), ...ep }])) },
  };
  if (stopSignal !== undefined) body.StopSignal = stopSignal;
  if (stopTimeout !== undefined) body.StopTimeout = stopTimeout;
  if (healthcheck) body.Healthcheck = healthcheck;
  const options: RunOptions = { body, detach, quiet: bool('quiet'), pull, sigProxy: v['sig-proxy'] !== false };
  if (name) options.name = name.replace(/^\//, '');
  if (platform !== undefined) options.platform = platform;
  const detachKeys = str('detach-keys');
  if (detachKeys !== undefined) options.detachKeys = detachKeys;
  return options;
}

/** The CLI's health options (opts.go parse): `--no-healthcheck` is Test NONE; any --health-* makes a HealthConfig. */
function healthFlags(v: FlagValues, fail: (message: string, origin?: RunErrorOrigin) => Error): HealthConfig | undefined {
  const cmd = (v['health-cmd'] as string | undefined) ?? '';
  const num = (name: string) => (v[name] as number | undefined) ?? 0;
  const [interval, timeout, startPeriod, startInterval, retries] = ['health-interval', 'health-timeout', 'health-start-period', 'health-start-interval', 'health-retries'].map(num) as [number, number, number, number, number];
  const any = cmd !== '' || interval !== 0 || timeout !== 0 || startPeriod !== 0 || retries !== 0 || startInterval !== 0;
  if (v['no-healthcheck'] === true) {
    if (any) throw fail('--no-healthcheck conflicts with --health-* options', 'option');
    return { Test: ['NONE'] };
  }
  if (!any) return undefined;
  if (interval < 0) throw fail('--health-interval cannot be negative', 'option');
  if (timeout < 0) throw fail('--health-timeout cannot be negative', 'option');
  if (retries < 0) throw fail('--health-retries cannot be negative', 'option');
  if (startPeriod < 0) throw fail('--health-start-period cannot be negative', 'option');
  if (startInterval < 0) throw fail('--health-start-interval cannot be negative', 'option');
  return {
    ...(cmd !== '' ? { Test: ['CMD-SHELL', cmd] } : {}),
    ...(interval ? { Interval: interval } : {}),
    ...(timeout ? { Timeout: timeout } : {}),
    ...(startPeriod ? { StartPeriod: startPeriod } : {}),
    ...(startInterval ? { StartInterval: startInterval } : {}),
    ...(retries ? { Retries: retries } : {}),
  };
}

/** `-e KEY` takes KEY's value from the CLI's environment; left bare (unset in the container) when absent. */
function envEntry(entry: string, env: Readonly<Record<string, string>>): string {
  if (entry.includes('=')) return entry;
  const value = env[entry];
  return value === undefined ? entry : `${entry}=${value}`;
}

/** The docker CLI's env-file format: one `KEY=value` a line, `#` comments, `KEY` alone taken from the environment. */
function parseEnvFile(content: string, env: Readonly<Record<string, string>>, fail: (m: string) => Error): string[] {
  const out: string[] = [];
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq >= 0 ? line.slice(0, eq) : line.replace(/\s+$/, '');
    if (key === '') throw fail(`no variable name on line '${line}'`);
    if (/\s/.test(key)) throw fail(`variable '${key}' contains whitespaces`);
    if (eq >= 0) out.push(line);
    else if (env[key] !== undefined) out.push(`${key}=${env[key]}`);
  }
  return out;
}

/** The docker CLI's ParseRestartPolicy: the format only; the policy's name is the daemon's to check. */
function parseRestart(value: string | undefined, fail: (m: string, origin?: RunErrorOrigin) => Error): RestartPolicy {
  if (value === undefined || value === '' || value === 'no') return { Name: 'no', MaximumRetryCount: 0 };
  const colon = value.indexOf(':');
  const name = colon >= 0 ? value.slice(0, colon) : value;
  const count = colon >= 0 ? value.slice(colon + 1) : '';
  if (colon >= 0 && name === '') throw fail('invalid restart policy format: no policy provided before colon', 'option');
  if (count !== '' && !/^[+-]?\d+$/.test(count)) throw fail('invalid restart policy format: maximum retry count must be an integer', 'option');
  return { Name: name as RestartPolicy['Name'], MaximumRetryCount: count === '' ? 0 : Number(count) };
}

/**
 * The docker CLI's own check of a `-v` spec (cli/compose/loader's ParseVolume), before the daemon sees it:
 * `invalid spec: SPEC: empty section between colons`, `too many colons`, `invalid empty volume spec`.
 */
function volumeSpecError(spec: string): string | undefined {
  if (spec.length === 0) return 'invalid empty volume spec';
  if (spec.length <= 2) return undefined;
  let buffer = '';
  let source = '';
  let target = '';
  for (const char of [...spec, '\0']) {
    const end = char === '\0';
    // a Windows drive letter (`C:`) stays in the buffer
    if (char === ':' && buffer.length === 1 && /\p{L}/u.test(buffer)) {
      buffer += char;
      continue;
    }
    if (char !== ':' && !end) {
      buffer += char;
      continue;
    }
    if (buffer === '') return `invalid spec: ${spec}: empty section between colons`;
    if (source === '' && end) target = buffer;
    else if (source === '') source = buffer;
    else if (target === '') target = buffer;
    else if (!end) return `invalid spec: ${spec}: too many colons`;
    buffer = '';
  }
  return undefined;
}
