// A container's OCI runtime spec (config.json) built from its Docker Config and HostConfig the way moby's
// daemon/oci_linux.go does: default mounts, masked paths, namespaces, capabilities, user, env and cgroup limits.
import { effectiveCapabilities } from './capabilities.ts';
import { DEFAULT_MASKED_PATHS, DEFAULT_PATH, DEFAULT_READONLY_PATHS, DEFAULT_SHM_SIZE } from './container-config.ts';
import type { ContainerConfig, HostConfig } from '../api/types/container.ts';
import { resolveAdditionalGroups, resolveUser, type ExecUser } from './passwd.ts';
import { OCI_VERSION, type RuntimeSpec, type SpecUser, type SpecDeviceCgroup, type SpecMount, type SpecNamespace } from './runtime-spec.ts';
import { defaultSeccompProfile } from './seccomp-profile.ts';
import { effectiveIpcMode, tmpfsOptions } from './namespace-modes.ts';
import { ULIMIT_TYPES } from './ulimits.ts';

/** A `-v` mount after volume resolution: what is bound where. */
export interface ResolvedMount {
  type: 'bind' | 'volume';
  /** guest path bound (a volume's `_data` directory for volumes) */
  source: string;
  destination: string;
  readOnly: boolean;
  /** the volume's name (anonymous volumes get a 64-hex one) */
  name?: string;
  /** `nocopy`: not filled from the image's content at the volume's first use */
  noCopy?: true;
}

/** A `--device` after looking its node up in the guest. */
export interface ResolvedDevice {
  pathInContainer: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  /** `rwm` or a part of it */
  permissions: string;
  fileMode: number;
  uid: number;
  gid: number;
}

/** Where a container's files live in the guest. */
export interface ContainerPaths {
  /** the bundle directory: config.json, hostname, hosts, resolv.conf */
  bundle: string;
  /** the overlay's merged directory, the container's `/` */
  rootfs: string;
}

/** Guest layout for containers, Docker-like (`/var/lib/docker/containers/<id>`), on the guest's tmpfs. */
export function defaultContainerPaths(id: string): ContainerPaths {
  const bundle = `/var/lib/drydock/containers/${id}`;
  return { bundle, rootfs: `${bundle}/rootfs` };
}

export interface SpecInput {
  id: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  mounts: readonly ResolvedMount[];
  paths: ContainerPaths;
  /** `--device` nodes, with the numbers the guest's node has (resolved at start) */
  devices?: readonly ResolvedDevice[];
  /** the image's /etc/passwd and /etc/group (undefined when absent), for `-u name` */
  passwd?: string;
  group?: string;
  /** `--network container:X`: X's network namespace (`/proc/<its PID 1>/ns/net`), joined instead of a new one */
  networkNamespacePath?: string;
  /** legacy links' variables (`DB_PORT=tcp://...`), between the defaults and the container's Env, as dockerd puts them */
  linkEnv?: readonly string[];
  /** `--ipc container:X` and `--pid container:X`: X's PID 1 (host pid), whose namespace is joined, and X's bundle (its /dev/shm) */
  joined?: { ipc?: { pid: number; bundle: string }; pid?: number };
}

/** Where a shareable container's /dev/shm lives in the guest: a tmpfs in its bundle, bound into it and into joiners. */
export function shmDir(bundle: string): string {
  return `${bundle}/shm`;
}

/**
 * `--init`'s PID 1, docker-init (emulator/guest/runtime/docker-init.c, tini's job): the guest's agent binary, which
 * takes the role its name says, bound read-only like Docker's /sbin/docker-init but in the container's /dev (the
 * runtime's tmpfs), so the image's tree is not touched. It forwards every signal the container is sent to the
 * command, INT and QUIT included, reaps orphans, and exits with the command's status (128+n for signal n).
 */
export const INIT_SOURCE = '/sbin/drydock-agent';
export const INIT_PATH = '/dev/init/docker-init';

/**
 * linux.resources.devices of a container that is not privileged, as moby's oci.DefaultLinuxSpec writes them: deny
 * everything, allow the default nodes, deny /dev/fuse (the runtime adds its own allowances after these).
 */
export const DEFAULT_DEVICE_RULES: readonly SpecDeviceCgroup[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
];

/** `--security-opt` values drydock acts on: seccomp=unconfined, no-new-privileges[=|:true|false]. */
export function securityOptions(opts: readonly string[] | null | undefined): { seccomp: boolean; noNewPrivileges: boolean } {
  let seccomp = true;
  let noNewPrivileges = false;
  for (const opt of opts ?? []) {
    const [key, value = 'true'] = opt.split(/[=:]/, 2) as [string, string?];
    if (key === 'seccomp' && value === 'unconfined') seccomp = false;
    if (key === 'no-new-privileges') noNewPrivileges = value === 'true';
  }
  return { seccomp, noNewPrivileges };
}

/** CFS period Docker uses for `--cpus` (100 ms). */
export const CPU_PERIOD = 100_000;

/**
 * Builds config.json. Throws the daemon's messages for a user or group the image does not have
 * (`unable to find user x: no matching entries in passwd file`).
 */
/**
 * moby's getUser, for a container's process and for `docker exec` alike: the primary gid first, then the groups
 * /etc/group lists the user in (CVE-2023-25173's fix), then `--group-add`'s.
 */
export function specUser(user: ExecUser, groupAdd: readonly string[] | null | undefined, group: string | undefined): SpecUser {
  return { uid: user.uid, gid: user.gid, additionalGids: [user.gid, ...user.additionalGids, ...resolveAdditionalGroups(groupAdd ?? [], group)] };
}

export function buildRuntimeSpec(input: SpecInput): RuntimeSpec {
  const { config, hostConfig: host } = input;
  const privileged = host.Privileged;
  const hostNetwork = host.NetworkMode === 'host';
  // a namespace of its own: not host, not another container's (Docker's NetworkMode.IsPrivate)
  const ownNetwork = !hostNetwork && !host.NetworkMode.startsWith('container:');
  const user = resolveUser(config.User, input.passwd, input.group);
  const caps = effectiveCapabilities({ capAdd: host.CapAdd ?? [], capDrop: host.CapDrop ?? [], privileged });
  const security = securityOptions(host.SecurityOpt);

  const spec: RuntimeSpec = {
    ociVersion: OCI_VERSION,
    // specs-go marks terminal and root.readonly omitempty: Docker's config.json has them only when true
    process: {
      ...(config.Tty ? { terminal: true } : {}),
      user: specUser(user, host.GroupAdd, input.group),
      args: host.Init ? [INIT_PATH, '--', ...(config.Entrypoint ?? []), ...(config.Cmd ?? [])] : [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])],
      env: processEnv(config, user.home, input.linkEnv),
      cwd: config.WorkingDir || '/',
      capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps] },
      ...(security.noNewPrivileges ? { noNewPrivileges: true } : {}),
      ...(host.Ulimits?.length ? { rlimits: host.Ulimits.map((u) => ({ type: ULIMIT_TYPES[u.Name] as string, hard: u.Hard, soft: u.Soft })) } : {}),
      oomScoreAdj: 0,
    },
    root: { path: input.paths.rootfs, ...(host.ReadonlyRootfs ? { readonly: true } : {}) },
    // no UTS namespace of its own (--uts host): the runtime leaves the guest's host name alone, as runc does
    ...(host.UTSMode === 'host' ? {} : { hostname: config.Hostname }),
    mounts: mountsFor(input, privileged),
    linux: {
      namespaces: namespacesFor(hostNetwork, input),
      resources: {},
      cgroupsPath: `/docker/${input.id}`,
    },
  };
  const resources = spec.linux.resources as NonNullable<RuntimeSpec['linux']['resources']>;
  // No swap device in the guest: memory+swap = memory, so the runtime need not touch memory.swap.max.
  if (host.Memory > 0) resources.memory = { limit: host.Memory, swap: host.MemorySwap > 0 ? host.MemorySwap : host.Memory };
  if (host.NanoCpus > 0) resources.cpu = { quota: Math.round((host.NanoCpus * CPU_PERIOD) / 1e9), period: CPU_PERIOD };
  if (host.PidsLimit !== null && host.PidsLimit > 0) resources.pids = { limit: host.PidsLimit };
  // Devices: --privileged may open any node (moby: allow a *:* rwm); otherwise the default nodes and --device ones
  resources.devices = privileged
    ? [{ allow: true, access: 'rwm' }]
    : [...DEFAULT_DEVICE_RULES, ...(input.devices ?? []).map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: d.permissions }))];
  if (input.devices?.length && !privileged) {
    spec.linux.devices = input.devices.map((d) => ({ path: d.pathInContainer, type: d.type, major: d.major, minor: d.minor, fileMode: d.fileMode, uid: d.uid, gid: d.gid }));
  }
  // Docker's default seccomp profile, unless --privileged or --security-opt seccomp=unconfined
  if (!privileged && security.seccomp) spec.linux.seccomp = defaultSeccompProfile(caps);
  if (!privileged) {
    spec.linux.maskedPaths = [...(host.MaskedPaths ?? DEFAULT_MASKED_PATHS)];
    spec.linux.readonlyPaths = [...(host.ReadonlyPaths ?? DEFAULT_READONLY_PATHS)];
  }
  // Docker 20.10+ lets unprivileged users ping and bind low ports in a container's own network namespace.
  if (ownNetwork) spec.linux.sysctl = { 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 2147483647' };
  return spec;
}

/**
 * The process environment as moby builds it (CreateDaemonEnvironment): PATH, HOSTNAME, TERM (with a tty), the
 * legacy links' variables, then the container's Env replacing or appending (a bare `KEY` unsets it), and HOME
 * when none of those set it.
 */
export function processEnv(config: ContainerConfig, home: string, linkEnv: readonly string[] = []): string[] {
  const defaults = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${config.Hostname}`];
  if (config.Tty) defaults.push('TERM=xterm');
  defaults.push(...linkEnv);
  const env = replaceOrAppend(defaults, config.Env);
  // runc sets HOME from the passwd entry when the environment has none
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${home}`);
  return env;
}

function replaceOrAppend(defaults: string[], overrides: readonly string[]): string[] {
  const out: (string | null)[] = [...defaults];
  const index = new Map(defaults.map((e, i) => [e.slice(0, e.indexOf('=')), i]));
  for (const value of overrides) {
    const eq = value.indexOf('=');
    if (eq < 0) {
      const i = index.get(value);
      if (i !== undefined) out[i] = null;
      continue;
    }
    const i = index.get(value.slice(0, eq));
    if (i !== undefined) out[i] = value;
    else out.push(value);
  }
  return out.filter((e): e is string => e !== null);
}

/** moby's WithNamespaces: host modes share the guest's namespace (none in the list), container:X joins X's PID 1's. */
function namespacesFor(hostNetwork: boolean, input: SpecInput): SpecNamespace[] {
  const host = input.hostConfig;
  const networkPath = input.networkNamespacePath;
  const network: SpecNamespace = networkPath ? { type: 'network', path: networkPath } : { type: 'network' };
  const ipcMode = effectiveIpcMode(host.IpcMode);
  const joinedIpc = input.joined?.ipc;
  const joinedPid = input.joined?.pid;
  const ipc: SpecNamespace | undefined = ipcMode === 'host' ? undefined : joinedIpc ? { type: 'ipc', path: `/proc/${joinedIpc.pid}/ns/ipc` } : { type: 'ipc' };
  const pid: SpecNamespace | undefined = host.PidMode === 'host' ? undefined : joinedPid ? { type: 'pid', path: `/proc/${joinedPid}/ns/pid` } : { type: 'pid' };
  const uts: SpecNamespace | undefined = host.UTSMode === 'host' ? undefined : { type: 'uts' };
  const all = [{ type: 'mount' }, hostNetwork ? undefined : network, uts, pid, ipc, { type: 'cgroup' }] as (SpecNamespace | undefined)[];
  return all.filter((n): n is SpecNamespace => n !== undefined);
}

/** /dev/shm as the IPC mode has it: none without, the guest's for host, a bundle tmpfs for shareable and joiners. */
function shmMount(input: SpecInput): SpecMount | undefined {
  const host = input.hostConfig;
  const mode = effectiveIpcMode(host.IpcMode);
  const size = `size=${host.ShmSize || DEFAULT_SHM_SIZE}`;
  const bind = (source: string, ...extra: string[]): SpecMount => ({ destination: '/dev/shm', type: 'bind', source, options: ['rbind', 'nosuid', 'noexec', 'nodev', ...extra] });
  if (mode === 'none') return undefined;
  if (mode === 'host') return bind('/dev/shm');
  // the runtime mounts the bundle's shm directory as a tmpfs of this size at create (runtime/lower.ts sharedShm)
  if (mode === 'shareable') return bind(shmDir(input.paths.bundle), size);
  if (input.joined?.ipc) return bind(shmDir(input.joined.ipc.bundle));
  return { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', size] };
}

function mountsFor(input: SpecInput, privileged: boolean): SpecMount[] {
  const sysOptions = privileged ? ['nosuid', 'noexec', 'nodev'] : ['nosuid', 'noexec', 'nodev', 'ro'];
  const cgroupOptions = privileged ? ['nosuid', 'noexec', 'nodev'] : ['ro', 'nosuid', 'noexec', 'nodev'];
  const defaults: SpecMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: sysOptions },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: cgroupOptions },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  ];
  const shm = shmMount(input);
  if (shm) defaults.push(shm);
  const bind = (source: string, destination: string, readOnly: boolean): SpecMount => ({
    destination,
    type: 'bind',
    source,
    options: readOnly ? ['rbind', 'ro', 'rprivate'] : ['rbind', 'rprivate'],
  });
  const user = input.mounts.map((m) => bind(m.source, m.destination, m.readOnly));
  // --tmpfs mounts count as the user's (they replace a default at the same place), as moby's TmpfsMounts
  for (const [destination, data] of Object.entries(input.hostConfig.Tmpfs ?? {})) {
    user.push({ destination, type: 'tmpfs', source: 'tmpfs', options: tmpfsOptions(data) });
  }
  if (input.hostConfig.Init) user.push({ destination: INIT_PATH, type: 'bind', source: INIT_SOURCE, options: ['rbind', 'ro', 'rprivate'] });
  const dir = input.paths.bundle;
  const etc = [
    bind(`${dir}/resolv.conf`, '/etc/resolv.conf', false),
    bind(`${dir}/hostname`, '/etc/hostname', false),
    bind(`${dir}/hosts`, '/etc/hosts', false),
  ].filter((m) => !user.some((u) => u.destination === m.destination));
  // A user mount over a default one replaces it (moby drops the default); the rest are ordered by depth so
  // parents are mounted before children.
  const kept = defaults.filter((d) => !user.some((u) => u.destination === d.destination));
  const extra = [...etc, ...user].map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i).map((x) => x.m);
  return [...kept, ...extra];
}

function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}
