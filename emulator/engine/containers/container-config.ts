// A container's `Config` and `HostConfig` as the daemon stores them (and `/containers/{id}/json` shows them), made
// from a checked create request and the image's config the way dockerd merges them (env, entrypoint/cmd, workdir,
// user) and fills in its defaults (/dev/shm, masked paths).
import type { PortSet } from '../network/ports.ts';
import type { ContainerConfig as ImageContainerConfig } from '../oci/oci-types.ts';
import type { ContainerConfig, ContainerCreateConfig, HostConfig } from '../api/types/container.ts';
import { mergeHealthConfig } from './health.ts';
import { effectiveIpcMode } from './namespace-modes.ts';
import type { VolumeMount } from './volume-spec.ts';

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
 * `mounts` are the request's (createMounts): its volumes join the image's. `networkMode` is the mode create settled
 * on. Throws `no command specified` when nothing is left to run.
 */
export function mergeContainerConfig(
  create: Pick<ContainerCreateConfig, 'Config' | 'HostConfig'>,
  image: ImageContainerConfig | undefined,
  options: { id: string; imageName: string; hostHostname: string; mounts: readonly VolumeMount[]; networkMode: string },
): ContainerConfig {
  const user = create.Config;
  const env = [...(user.Env ?? [])];
  for (const entry of image?.Env ?? []) {
    if (!env.some((e) => envKey(e) === envKey(entry))) env.push(entry);
  }
  let cmd: string[] | null = user.Cmd?.length ? [...user.Cmd] : null;
  // `[""]` is how a client says `--entrypoint ""`: no entrypoint, and not the image's Cmd either
  const given = user.Entrypoint ?? undefined;
  let entrypoint: string[] | null = given === undefined || given.length === 0 || (given.length === 1 && given[0] === '') ? null : [...given];
  if (given === undefined) {
    if (cmd === null) cmd = image?.Cmd ? [...image.Cmd] : null;
    entrypoint = image?.Entrypoint ? [...image.Entrypoint] : null;
  }
  if ((entrypoint?.length ?? 0) === 0 && (cmd?.length ?? 0) === 0) throw new Error('no command specified');

  const volumes: Record<string, Record<string, never>> = { ...(image?.Volumes ?? {}) };
  for (const v of options.mounts) if (v.type === 'volume') volumes[v.destination] = {};

  const hostname = user.Hostname || (options.networkMode === 'host' || create.HostConfig.UTSMode === 'host' ? options.hostHostname : options.id.slice(0, 12));
  // daemon/commit.go merge: the image's exposed ports are added to the user's
  const exposed: PortSet = { ...(user.ExposedPorts ?? {}) };
  for (const port of Object.keys(image?.ExposedPorts ?? {})) exposed[port] ??= {};
  const config: ContainerConfig = {
    Hostname: hostname,
    Domainname: '',
    User: user.User || (image?.User ?? ''),
    AttachStdin: user.AttachStdin ?? false,
    AttachStdout: user.AttachStdout ?? false,
    AttachStderr: user.AttachStderr ?? false,
    ...(Object.keys(exposed).length > 0 ? { ExposedPorts: Object.fromEntries(Object.keys(exposed).sort().map((k) => [k, {}])) as PortSet } : {}),
    Tty: user.Tty ?? false,
    OpenStdin: user.OpenStdin ?? false,
    StdinOnce: user.StdinOnce ?? false,
    Env: env,
    Cmd: cmd,
    Image: options.imageName,
    Volumes: Object.keys(volumes).length > 0 ? volumes : null,
    WorkingDir: user.WorkingDir || (image?.WorkingDir ?? ''),
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: { ...(image?.Labels ?? {}), ...(user.Labels ?? {}) },
  };
  const stopSignal = user.StopSignal || image?.StopSignal;
  if (stopSignal) config.StopSignal = stopSignal;
  if (user.StopTimeout !== undefined && user.StopTimeout !== null) config.StopTimeout = user.StopTimeout;
  const healthcheck = mergeHealthConfig(user.Healthcheck ?? undefined, image?.Healthcheck);
  if (healthcheck) config.Healthcheck = healthcheck;
  if (user.MacAddress) config.MacAddress = user.MacAddress;
  return config;
}

/**
 * The HostConfig the daemon stores for a checked request: `binds` as create resolved them, `networkMode` as create
 * settled it, dockerd's defaults filled in (ShmSize, MaskedPaths, ReadonlyPaths, IpcMode). Memory swap: Docker
 * stores 2x Memory (swap allowed up to the limit again); the guest kernel has no swap device, so drydock records
 * MemorySwap = Memory (memory+swap = memory, no swap), which is also what the runtime spec says.
 */
export function hostConfigFor(host: ContainerCreateConfig['HostConfig'], binds: string[], networkMode: string = host.NetworkMode): HostConfig {
  const memory = host.Memory ?? 0;
  const privileged = host.Privileged ?? false;
  const pidsLimit = host.PidsLimit ?? 0;
  return {
    Binds: binds.length > 0 ? binds : null,
    NetworkMode: networkMode,
    PortBindings: structuredClone(host.PortBindings),
    RestartPolicy: { ...host.RestartPolicy },
    AutoRemove: host.AutoRemove ?? false,
    CapAdd: host.CapAdd?.length ? [...host.CapAdd] : null,
    CapDrop: host.CapDrop?.length ? [...host.CapDrop] : null,
    ...(host.GroupAdd?.length ? { GroupAdd: [...host.GroupAdd] } : {}),
    Links: null,
    Privileged: privileged,
    PublishAllPorts: host.PublishAllPorts ?? false,
    ReadonlyRootfs: host.ReadonlyRootfs ?? false,
    ShmSize: host.ShmSize || DEFAULT_SHM_SIZE,
    Memory: memory,
    MemorySwap: memory > 0 ? memory : 0,
    NanoCpus: host.NanoCpus ?? 0,
    // --cpus is stored as NanoCpus only; CpuPeriod/CpuQuota are the separate --cpu-period/--cpu-quota flags
    CpuPeriod: 0,
    CpuQuota: 0,
    PidsLimit: pidsLimit > 0 ? pidsLimit : null,
    MaskedPaths: privileged ? null : [...DEFAULT_MASKED_PATHS],
    ReadonlyPaths: privileged ? null : [...DEFAULT_READONLY_PATHS],
    ...(host.SecurityOpt?.length ? { SecurityOpt: [...host.SecurityOpt] } : {}),
    ...(host.Devices?.length ? { Devices: host.Devices.map((d) => ({ ...d })) } : {}),
    IpcMode: effectiveIpcMode(host.IpcMode || undefined),
    PidMode: host.PidMode ?? '',
    UTSMode: host.UTSMode ?? '',
    ...(host.Tmpfs && Object.keys(host.Tmpfs).length > 0 ? { Tmpfs: { ...host.Tmpfs } } : {}),
    Ulimits: host.Ulimits?.length ? host.Ulimits.map((u) => ({ ...u! })) : null,
    ...(host.Init ? { Init: true } : {}),
  };
}
