// A container run request, the daemon's model of `docker run`/`create` (what a create body says: config, host
// config, networking), and the daemon's checks of its parts (moby's volume spec parser, ValidateRestartPolicy).
// The CLI's flags for it are cli/run-options.ts; a create body becomes one in create-body.ts.
import type { RunNetworkRequest } from '../network/run-network-options.ts';
import type { HealthConfig } from './health.ts';
import type { Ulimit } from './ulimits.ts';
import { cleanPath } from '../slash-path.ts';

/** A `-v` mount: a guest path bound into the container, or a (named or anonymous) volume. */
export type VolumeMount =
  | { type: 'bind'; source: string; destination: string; readOnly: boolean }
  | { type: 'volume'; name?: string; destination: string; readOnly: boolean; noCopy?: true };


export interface RestartPolicy {
  name: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  maximumRetryCount: number;
}

export interface RunRequest extends RunNetworkRequest {
  image: string;
  /** arguments after the image: replaces the image's Cmd when not empty */
  command: string[];
  name?: string;
  detach: boolean;
  /** forward the signals the CLI gets (^C) to the container while attached without a tty; undefined: true */
  sigProxy?: boolean;
  /** --detach-keys as typed (`ctrl-p,ctrl-q` when not given) */
  detachKeys?: string;
  interactive: boolean;
  tty: boolean;
  autoRemove: boolean;
  quiet: boolean;
  /** `KEY=value` in the CLI's order (env files first, then -e); a bare `KEY` unsets it */
  env: string[];
  workingDir?: string;
  user?: string;
  hostname?: string;
  /** undefined: the image's; `[]` (from `--entrypoint ""`): none, and the image's Cmd is dropped too */
  entrypoint?: string[];
  volumes: VolumeMount[];
  readOnly: boolean;
  /** bytes; 0 = no limit */
  memory: number;
  /** 0 = unlimited (Docker stores null) */
  pidsLimit: number;
  /** 1e-9 CPUs; 0 = no limit */
  nanoCpus: number;
  capAdd: string[];
  capDrop: string[];
  /** --group-add: group names or gids, resolved against the image's /etc/group */
  groupAdd?: string[];
  /** --security-opt as typed (seccomp=unconfined, no-new-privileges) */
  securityOpt?: string[];
  /** --device, parsed as the CLI does */
  devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
  privileged: boolean;
  /** --tmpfs: mount point -> options as typed (HostConfig.Tmpfs) */
  tmpfs?: Record<string, string>;
  /** --shm-size in bytes (HostConfig.ShmSize); 0 or absent: Docker's 64 MiB */
  shmSize?: number;
  /** --ulimit, one per name (HostConfig.Ulimits) */
  ulimits?: Ulimit[];
  /** --ipc, --pid, --uts as typed (HostConfig.IpcMode, PidMode, UTSMode) */
  ipcMode?: string;
  pidMode?: string;
  utsMode?: string;
  /** --init: a small init as PID 1 that reaps zombies and forwards signals (HostConfig.Init) */
  init?: boolean;
  /** --health-* and --no-healthcheck (Config.Healthcheck; `["NONE"]` turns the image's off) */
  healthcheck?: HealthConfig;
  stopSignal?: string;
  stopTimeout?: number;
  labels: Record<string, string>;
  restart: RestartPolicy;
  pull: 'missing' | 'always' | 'never';
  platform?: string;
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * moby's Linux volume spec parser: `dst`, `src:dst`, `src:dst:mode`; src `/...` is a bind, else a named volume.
 * Its errors are dockerd's (`fail(message, 'daemon')`); `cwd` resolves `./dir` as the CLI does before sending.
 */
export function parseVolume(spec: string, cwd: string, fail: (message: string, origin: 'daemon') => Error): VolumeMount {
  const parts = spec.split(':');
  const invalid = () => fail(`invalid volume specification: '${spec}'`, 'daemon');
  if (parts.some((p) => p === '') || parts.length > 3) throw invalid();
  let source: string | undefined;
  let destination: string;
  let mode = '';
  if (parts.length === 1) destination = parts[0] as string;
  else if (parts.length === 2) {
    if (isMode(parts[1] as string)) throw invalid();
    [source, destination] = parts as [string, string];
  } else [source, destination, mode] = parts as [string, string, string];
  if (!destination.startsWith('/')) {
    throw fail(`invalid volume specification: '${spec}': invalid mount config for type "${source?.startsWith('/') ? 'bind' : 'volume'}": invalid mount path: '${destination}' mount path must be absolute`, 'daemon');
  }
  if (destination === '/') throw fail(`invalid volume specification: '${spec}': invalid mount config for type "bind": invalid specification: destination can't be '/'`, 'daemon');
  const modes = mode === '' ? [] : mode.split(',');
  for (const m of modes) if (!isMode(m)) throw fail(`invalid mode: ${mode}`, 'daemon');
  const readOnly = modes.includes('ro');
  // The CLI turns `./dir` and `.` into absolute paths against its working directory.
  if (source !== undefined && source.startsWith('.')) source = normalize(`${cwd}/${source}`);
  if (source === undefined) return { type: 'volume', destination: normalize(destination), readOnly };
  if (source.startsWith('/')) return { type: 'bind', source: normalize(source), destination: normalize(destination), readOnly };
  if (!VOLUME_NAME.test(source)) {
    throw fail(`create ${source}: "${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`, 'daemon');
  }
  // `nocopy`: the volume is not filled from the image's content at its first use
  return { type: 'volume', name: source, destination: normalize(destination), readOnly, ...(modes.includes('nocopy') ? { noCopy: true as const } : {}) };
}

function isMode(m: string): boolean {
  return ['ro', 'rw', 'z', 'Z', 'nocopy', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'].includes(m);
}

/** Clean a slash path like Go's path.Clean (no `.`/`..`, no doubled or trailing slashes). */
export const normalize = cleanPath;

/** moby's ValidateRestartPolicy (api/types/container), the daemon's check of a create body. */
export function restartPolicyError(policy: { name: string; maximumRetryCount: number }): string | undefined {
  const { name, maximumRetryCount: count } = policy;
  if (name === 'always' || name === 'unless-stopped' || name === 'no') {
    if (count !== 0) return `invalid restart policy: maximum retry count can only be used with 'on-failure'${count < 0 ? ' and cannot be negative' : ''}`;
    return undefined;
  }
  if (name === 'on-failure') return count < 0 ? 'invalid restart policy: maximum retry count cannot be negative' : undefined;
  if (name === '') return undefined;
  return `invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`;
}
