// A container's `Config` and `HostConfig` as the Docker Engine API shows them (`/containers/{id}/json`), built
// from a RunRequest and the image's config the way the daemon merges them (env, entrypoint/cmd, workdir, user).
import type { PortBindingJSON, PortSet } from '../network/ports.ts';
import type { ContainerConfig as ImageContainerConfig } from '../oci/oci-types.ts';
import type { RunRequest } from './run-options.ts';
import { mergeHealthConfig, type HealthConfig } from './health.ts';
import { effectiveIpcMode } from './namespace-modes.ts';
import type { Ulimit } from './ulimits.ts';

/** Engine API `Config` of a container */
export interface ContainerConfigJSON {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  /** omitted when empty, as Go's omitempty does */
  ExposedPorts?: PortSet;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Image: string;
  Volumes: Record<string, Record<string, never>> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  /** omitempty: the image's HEALTHCHECK merged with --health-* */
  Healthcheck?: HealthConfig;
  /** deprecated, omitempty: the MAC an API < 1.44 client asked for */
  MacAddress?: string;
}

/** Engine API `HostConfig`, the fields drydock acts on (the rest keep Docker's zero values). */
export interface HostConfigJSON {
  Binds: string[] | null;
  /** `bridge`, `host`, `none`, `container:<id>` or a user network's name */
  NetworkMode: string;
  /** `-p`: `"80/tcp"` -> host bindings (optional only for records from before networks) */
  PortBindings?: Record<string, PortBindingJSON[]>;
  RestartPolicy: { Name: string; MaximumRetryCount: number };
  AutoRemove: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  GroupAdd?: string[] | null;
  /** legacy links as inspect shows them (`/db:/web/db`); the engine keeps them by container ID */
  Links?: string[] | null;
  Privileged: boolean;
  PublishAllPorts?: boolean;
  ReadonlyRootfs: boolean;
  ShmSize: number;
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  CpuPeriod: number;
  CpuQuota: number;
  PidsLimit: number | null;
  MaskedPaths: string[] | null;
  ReadonlyPaths: string[] | null;
  /** `--security-opt` (seccomp=unconfined, no-new-privileges) */
  SecurityOpt?: string[] | null;
  /** `--device` */
  Devices?: DeviceMapping[] | null;
  /** `--ipc` (`private` by default), `--pid`, `--uts` (records from before them lack these) */
  IpcMode?: string;
  PidMode?: string;
  UTSMode?: string;
  /** `--tmpfs`: mount point -> options, omitempty */
  Tmpfs?: Record<string, string>;
  /** `--ulimit` */
  Ulimits?: Ulimit[] | null;
  /** `--init`, omitempty */
  Init?: boolean;
}

/** Engine API HostConfig.Devices[] */
export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

/** The PATH a container gets when the image sets none (moby's DefaultPathEnv for Linux). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** /dev/shm size Docker gives a container with a private IPC namespace (64 MiB). */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** moby oci/defaults.go masked paths (as of Docker 28: /proc/interrupts included). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const envKey = (entry: string) => {
  const eq = entry.indexOf('=');
  return eq >= 0 ? entry.slice(0, eq) : entry;
};

/**
 * The daemon's merge of the user's config with the image's (daemon/commit.go `merge`): user env first, then the
 * image's variables the user did not set; Cmd and Entrypoint from the image unless given (an explicit
 * `--entrypoint`, even empty, drops the image's Cmd); WorkingDir, User, StopSignal from the image unless given.
 * Throws `no command specified` when nothing is left to run.
 */
export function mergeContainerConfig(request: RunRequest, image: ImageContainerConfig | undefined, options: { id: string; imageName: string; hostHostname: string }): ContainerConfigJSON {
  const env = [...request.env];
  for (const entry of image?.Env ?? []) {
    if (!env.some((e) => envKey(e) === envKey(entry))) env.push(entry);
  }
  let cmd: string[] | null = request.command.length > 0 ? [...request.command] : null;
  let entrypoint: string[] | null = request.entrypoint === undefined ? null : [...request.entrypoint];
  if (request.entrypoint === undefined) {
    if (cmd === null) cmd = image?.Cmd ? [...image.Cmd] : null;
    entrypoint = image?.Entrypoint ? [...image.Entrypoint] : null;
  } else if (entrypoint !== null && entrypoint.length === 0) entrypoint = null;
  if ((entrypoint?.length ?? 0) === 0 && (cmd?.length ?? 0) === 0) throw new Error('no command specified');

  const volumes: Record<string, Record<string, never>> = { ...(image?.Volumes ?? {}) };
  for (const v of request.volumes) if (v.type === 'volume') volumes[v.destination] = {};

  const hostname = request.hostname ?? (request.networkMode === 'host' || request.utsMode === 'host' ? options.hostHostname : options.id.slice(0, 12));
  // daemon/commit.go merge: the image's exposed ports are added to the user's
  const exposed: PortSet = { ...request.exposedPorts };
  for (const port of Object.keys(image?.ExposedPorts ?? {})) exposed[port] ??= {};
  const config: ContainerConfigJSON = {
    Hostname: hostname,
    Domainname: '',
    User: request.user ?? image?.User ?? '',
    AttachStdin: request.interactive && !request.detach,
    AttachStdout: !request.detach,
    AttachStderr: !request.detach,
    ...(Object.keys(exposed).length > 0 ? { ExposedPorts: Object.fromEntries(Object.keys(exposed).sort().map((k) => [k, {}])) as PortSet } : {}),
    Tty: request.tty,
    OpenStdin: request.interactive,
    StdinOnce: request.interactive && !request.detach,
    Env: env,
    Cmd: cmd,
    Image: options.imageName,
    Volumes: Object.keys(volumes).length > 0 ? volumes : null,
    WorkingDir: request.workingDir ?? image?.WorkingDir ?? '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: { ...(image?.Labels ?? {}), ...request.labels },
  };
  const stopSignal = request.stopSignal ?? image?.StopSignal;
  if (stopSignal) config.StopSignal = stopSignal;
  if (request.stopTimeout !== undefined) config.StopTimeout = request.stopTimeout;
  const healthcheck = mergeHealthConfig(request.healthcheck, image?.Healthcheck);
  if (healthcheck) config.Healthcheck = healthcheck;
  if (request.macAddress) config.MacAddress = request.macAddress;
  return config;
}

/**
 * HostConfig for a request. Memory swap: Docker stores 2x Memory (swap allowed up to the limit again); the
 * guest kernel has no swap device, so drydock records MemorySwap = Memory (memory+swap = memory, no swap),
 * which is also what the runtime spec says.
 */
export function hostConfigFor(request: RunRequest, binds: string[], network: { mode: string } = { mode: request.networkMode === 'default' ? 'bridge' : request.networkMode }): HostConfigJSON {
  return {
    Binds: binds.length > 0 ? binds : null,
    NetworkMode: network.mode,
    PortBindings: structuredClone(request.portBindings),
    RestartPolicy: { Name: request.restart.name, MaximumRetryCount: request.restart.maximumRetryCount },
    AutoRemove: request.autoRemove,
    CapAdd: request.capAdd.length > 0 ? [...request.capAdd] : null,
    CapDrop: request.capDrop.length > 0 ? [...request.capDrop] : null,
    ...(request.groupAdd?.length ? { GroupAdd: [...request.groupAdd] } : {}),
    Links: null,
    Privileged: request.privileged,
    PublishAllPorts: request.publishAll,
    ReadonlyRootfs: request.readOnly,
    ShmSize: request.shmSize || DEFAULT_SHM_SIZE,
    Memory: request.memory,
    MemorySwap: request.memory > 0 ? request.memory : 0,
    NanoCpus: request.nanoCpus,
    // --cpus is stored as NanoCpus only; CpuPeriod/CpuQuota are the separate --cpu-period/--cpu-quota flags
    CpuPeriod: 0,
    CpuQuota: 0,
    PidsLimit: request.pidsLimit > 0 ? request.pidsLimit : null,
    MaskedPaths: request.privileged ? null : [...DEFAULT_MASKED_PATHS],
    ReadonlyPaths: request.privileged ? null : [...DEFAULT_READONLY_PATHS],
    ...(request.securityOpt?.length ? { SecurityOpt: [...request.securityOpt] } : {}),
    ...(request.devices?.length ? { Devices: request.devices.map((d) => ({ ...d })) } : {}),
    IpcMode: effectiveIpcMode(request.ipcMode),
    PidMode: request.pidMode ?? '',
    UTSMode: request.utsMode ?? '',
    ...(request.tmpfs && Object.keys(request.tmpfs).length > 0 ? { Tmpfs: { ...request.tmpfs } } : {}),
    Ulimits: request.ulimits?.length ? request.ulimits.map((u) => ({ ...u })) : null,
    ...(request.init ? { Init: true } : {}),
  };
}
