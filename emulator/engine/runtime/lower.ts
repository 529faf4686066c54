// Lowers an OCI runtime spec and a rootfs plan into the guest steps that make the container: the runtime
// trace. Each step is a plain argv, the same step as a drydock-init op, and a one-line reason; the bundle's
// trace.sh and init.sh are the steps rendered as shell (the learner reads and replays them by hand), its `steps`
// file the same steps for drydock-init, which runs them in one guest process (steps-file.ts).
import { EngineError } from '../errors.ts';
import type { RuntimeSpec, SpecMount, SpecUser } from '../containers/runtime-spec.ts';
import { digestHex, sha256Digest } from '../oci/digest.ts';
import type { ContainerNetwork } from '../network/endpoint.ts';
import { dnsStep, endpointCleanupSteps, endpointSteps, joinNetnsStep, loopbackUp, NSENTER } from '../network/net-steps.ts';
import { ulimitScript } from '../containers/ulimits.ts';
import { allowsEverything, compileDeviceFilter, deviceFilterBytes, effectiveDeviceRules, ruleText } from './device-filter.ts';
import { compileSeccomp, seccompBytes } from './seccomp-filter.ts';
import { quoteArgv, quoteWord } from './shell-quote.ts';
import { renderStepsFile, type StepVar } from './steps-file.ts';

/** The container's root file system: overlayfs dirs (same shape as containers/ OverlayDirs). */
export interface RootfsPlan {
  /** image layers on the 9p share, topmost first, as overlayfs's lowerdir option lists them; none for an image without layers */
  lowerDirs: string[];
  /** on guest tmpfs */
  upperDir: string;
  workDir: string;
  mergedDir: string;
}

export interface ContainerLayout {
  id: string;
  /** guest directory for config.json, trace.sh, init.sh (and the engine's hosts, hostname...) */
  bundle: string;
  rootfs: RootfsPlan;
}

/** A test on a path, as `[ -d path ]` in shell and `? -d path` in the steps file; `mounted`: listed in /proc/mounts. */
export type PathTest = '-e' | '-d' | '-f' | '-L' | '!-e' | '!-d' | '!-L' | 'mounted' | '!mounted';

export interface Step {
  argv: string[];
  /** the same step for drydock-init: an op and its words (emulator/guest/runtime/STEPS.md) */
  op: string[];
  /** one line: why this step exists (a spec field, a kernel rule) */
  why: string;
  /** write the argv's output here (`echo value > file` for cgroup knobs) */
  stdoutTo?: string;
  /** run only when this test on a path holds */
  when?: { test: PathTest; path: string };
  /** shell text run instead of argv (builtins only, so no process is started: each one costs ~25 ms in the guest) */
  shell?: string;
}

/**
 * What all containers together may take of the guest, so that none of them can take the agent, the learner's shell
 * or the next `docker run` down with it (the runtime reads the guest's limits once: runtime.ts machineBudget).
 */
export interface MachineBudget {
  /** pids.max of the containers' parent cgroup: the kernel's task limit minus a headroom for the rest of the guest */
  pids: number;
  /** memory.max of the containers' parent cgroup, bytes: the guest's memory minus a reserve */
  memory: number;
  /** what the guest keeps outside the containers' memory.max, bytes (for the trace's comment) */
  reserve: number;
  /** size of each container's writable tmpfs (its upper dir, overlay work dir and bundle), bytes */
  storage: number;
}

/** Where BPF programs go in the guest, one file per program (named by its digest), written by the runtime (the agent
 * makes the directory when it starts, for its socket). */
export const PROGRAM_DIR = '/run/drydock';

/**
 * A program the steps refer to as `@path`: the same for every default container, so its bytes cross the serial
 * line (~50 KB/s) once per boot instead of in every steps file. The create section starts with `need` on them.
 */
export interface GuestProgram {
  path: string;
  bytes: Uint8Array;
}

function guestProgram(kind: string, bytes: Uint8Array): GuestProgram {
  return { path: `${PROGRAM_DIR}/bpf-${kind}-${digestHex(sha256Digest(bytes)).slice(0, 16)}.bin`, bytes };
}

export interface RuntimeTrace {
  id: string;
  cgroup: string;
  /** the exec step's seccomp program, also for `docker exec`; absent when unconfined */
  seccomp?: GuestProgram;
  /** the programs the steps refer to (device program, seccomp), to be in the guest before create runs */
  programs: GuestProgram[];
  /** run once by `create`: cgroup, limits, overlay mount */
  create: Step[];
  /** run by the container's first process inside its new namespaces (bundle/init.sh), ending in exec */
  init: Step[];
  /** run in the container's first process before init: enter the cgroup, new namespaces, fork PID 1 */
  start: Step[];
  /** the namespaces (drydock-init's names) a process of this container enters: `docker exec` */
  namespaces: string[];
  /** the argv the runtime spawns: drydock-init runs the start and init steps of the bundle's steps file */
  process: string[];
  /** the same as a chain of standard tools (trace.sh's start line): enter the cgroup, unshare, then init.sh */
  shellProcess: string[];
  /** run by `delete`: nothing of the container is left */
  delete: Step[];
  /** `delete` without removing the upper dir: a stopped container keeps its writes for the next start */
  reset: Step[];
  /** `$B`, `$R`, `$C` of the steps file: bundle, root file system, cgroup */
  vars: StepVar[];
  files: { trace: string; init: string; steps: string };
}

/** The guest's step runner (emulator/guest/runtime/drydock-init.c; the agent binary under another name). */
export const DRYDOCK_INIT = '/sbin/drydock-init';

/** Parent of every container's cgroup; its cpu.weight is below the agent's and the shell's (see runtime.ts). */
export const CGROUP_PARENT = '/sys/fs/cgroup/drydock';
/** cpu.weight of the drydock/ parent: processes outside it (agent, learner's shell, at the default 100) win 10:1. */
export const CONTAINERS_CPU_WEIGHT = 10;

const NAMESPACE_FLAGS: Record<string, string> = {
  pid: '--pid',
  mount: '--mount',
  uts: '--uts',
  ipc: '--ipc',
  network: '--net',
  cgroup: '--cgroup',
  user: '--user',
};

/** The nodes a container's /dev gets (runtime-spec config-linux.md "Default Devices"), all 0666. */
const DEFAULT_DEVICES: [name: string, major: number, minor: number][] = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
  ['tty', 5, 0],
];
const DEV_SYMLINKS: [target: string, name: string][] = [
  ['/proc/self/fd', 'fd'],
  ['/proc/self/fd/0', 'stdin'],
  ['/proc/self/fd/1', 'stdout'],
  ['/proc/self/fd/2', 'stderr'],
  ['pts/ptmx', 'ptmx'],
];

/** mount(8) -o options that are not data for the file system (runc's mount flag table, the part busybox knows). */
const BIND_OPTIONS = new Set(['bind', 'rbind', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);

export const mib = (bytes: number) => Math.round(bytes / (1 << 20));

export function cgroupPath(id: string): string {
  return `${CGROUP_PARENT}/${id}`;
}

function capName(cap: string): string {
  return cap.replace(/^CAP_/, '').toLowerCase();
}

function joinPath(root: string, path: string): string {
  return `${root.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** runtime-spec memory.swap is memory+swap; cgroup v2 wants swap alone. -1 is unlimited. */
function swapMax(limit: number | undefined, swap: number | undefined): string | null {
  if (swap === undefined) return null;
  if (swap < 0) return 'max';
  if (limit === undefined) return null;
  return String(Math.max(0, swap - limit));
}

/** cgroup v1 shares (2..262144) -> v2 weight (1..10000), the conversion runc and crun use. */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((Math.min(Math.max(shares, 2), 262144) - 2) * 9999) / 262142);
}

/** `echo value > file`: a cgroup knob, the hostname (no process: echo is a shell builtin). */
function write(file: string, value: string, why: string, when?: Step['when']): Step {
  return { argv: ['echo', value], stdoutTo: file, op: ['write', file, value], why, ...(when ? { when } : {}) };
}

/** `mount` as mount(8) takes it, and the same as a drydock-init op (source, target, type, comma options). */
function mount(argv: string[], source: string, target: string, type: string, options: string[], why: string, when?: Step['when']): Step {
  return { argv: ['mount', ...argv], op: ['mount', source, target, type, options.join(',')], why, ...(when ? { when } : {}) };
}

const remountReadOnly = (target: string, why: string, when?: Step['when']): Step =>
  mount(['-o', 'remount,bind,ro', target], 'none', target, 'none', ['remount', 'bind', 'ro'], why, when);

/** Where the nodes every container's /dev gets are made once, to be copied with cp -a. */
export const DEV_SKELETON = '/run/drydock/dev-skeleton';

/** Steps that make DEV_SKELETON; each is skipped once its file exists. */
function devSkeleton(): Step[] {
  const steps: Step[] = [{ argv: ['mkdir', '-p', DEV_SKELETON], op: ['mkdir', DEV_SKELETON], when: { test: '!-d', path: DEV_SKELETON }, why: 'nodes for containers\' /dev, made once per boot' }];
  for (const [name, major, minor] of DEFAULT_DEVICES) {
    const path = `${DEV_SKELETON}/${name}`;
    steps.push({
      argv: ['mknod', '-m', '666', path, 'c', String(major), String(minor)],
      op: ['mknod', path, '666', 'c', String(major), String(minor)],
      when: { test: '!-e', path },
      why: `/dev/${name}: a default device (runtime-spec config-linux.md); the host's /dev stays out of reach`,
    });
  }
  for (const [to, name] of DEV_SYMLINKS) {
    const path = `${DEV_SKELETON}/${name}`;
    steps.push({ argv: ['ln', '-s', to, path], op: ['symlink', to, path], when: { test: '!-L', path }, why: `/dev/${name} -> ${to}, as runtimes link it` });
  }
  return steps;
}

/** True when the upper and work dirs are in the bundle: then a tmpfs on the bundle bounds the container's writes. */
function storageInBundle(layout: ContainerLayout): boolean {
  const inside = (p: string) => p.startsWith(`${layout.bundle}/`);
  return inside(layout.rootfs.upperDir) && inside(layout.rootfs.workDir);
}

/**
 * overlayfs's lowerdir list: the image's layers, or for an image with none (`FROM scratch` and no file step) an
 * empty directory in the bundle, as overlayfs needs at least one lower dir (Docker's overlay2 has its init layer).
 */
export function overlayLowerDirs(rootfs: RootfsPlan, bundle: string): string[] {
  return rootfs.lowerDirs.length > 0 ? rootfs.lowerDirs : [`${bundle}/lower`];
}

function lowerCreate(spec: RuntimeSpec, layout: ContainerLayout, cg: string, budget: MachineBudget | undefined, devices: GuestProgram | undefined, programs: GuestProgram[]): Step[] {
  const { rootfs } = layout;
  const bounded = budget !== undefined && storageInBundle(layout);
  const lowerDirs = overlayLowerDirs(rootfs, layout.bundle);
  const emptyLower = rootfs.lowerDirs.length === 0 ? lowerDirs : [];
  const steps: Step[] = [
    ...(programs.length
      ? [
          {
            argv: ['ls', ...programs.map((p) => p.path)],
            op: ['need', ...programs.map((p) => p.path)],
            why: 'the BPF programs below, written by the engine once per boot (exit 3 when one is missing: the engine writes it and runs create again)',
          } satisfies Step,
        ]
      : []),
    ...(spec.mounts.some((m) => m.destination === '/dev' && m.type === 'tmpfs') ? devSkeleton() : []),
    ...(bounded
      ? [
          { argv: ['mkdir', '-p', layout.bundle], op: ['mkdir', layout.bundle], why: 'the bundle' },
          mount(
            ['-t', 'tmpfs', '-o', `size=${budget.storage},mode=755`, 'tmpfs', layout.bundle],
            'tmpfs',
            layout.bundle,
            'tmpfs',
            [`size=${budget.storage}`, 'mode=755'],
            `the container's writable storage: a tmpfs of its own (${mib(budget.storage)} MiB) for its upper dir, so a container that fills its disk gets ENOSPC alone (Docker's writable layer on the host's disk); kept across stop/start`,
            { test: '!mounted', path: layout.bundle },
          ),
        ]
      : []),
    {
      argv: ['mkdir', '-p', layout.bundle, cg, rootfs.upperDir, rootfs.workDir, rootfs.mergedDir, ...emptyLower],
      op: ['mkdir', layout.bundle, cg, rootfs.upperDir, rootfs.workDir, rootfs.mergedDir, ...emptyLower],
      why: `the bundle; the container's cgroup (every process it starts is counted and limited there); overlayfs upper (the container's writes) and work dirs on guest tmpfs, and the mount point${emptyLower.length ? '; an empty lower dir (the image has no layers)' : ''}`,
    },
    {
      argv: ['rm', '-f', pidFile(layout)],
      op: ['rm', pidFile(layout)],
      why: 'drydock-init writes PID 1\'s host pid here once it runs process.args: none from an earlier start may be read',
    },
    write(`${CGROUP_PARENT}/cgroup.subtree_control`, '+cpu +memory +pids', 'cgroup v2 hands controllers down one level at a time: enable them for the containers below drydock/'),
    write(`${CGROUP_PARENT}/cpu.weight`, String(CONTAINERS_CPU_WEIGHT), 'containers together get 1/10 of the CPU weight of the agent and the learner\'s shell, so a busy loop cannot starve them'),
  ];
  if (budget) {
    steps.push(
      write(`${CGROUP_PARENT}/pids.max`, String(budget.pids), 'all containers together: fewer tasks than the kernel allows, so a fork bomb without --pids-limit leaves room for the agent, the learner\'s shell and `docker rm -f` (a host\'s ulimits do this for dockerd)'),
      write(`${CGROUP_PARENT}/memory.max`, String(budget.memory), `all containers together, their tmpfs files included: the guest keeps ${mib(budget.reserve)} MiB for the kernel, init, the agent and the learner's shell; beyond this the OOM killer picks inside the containers`),
    );
  }
  const res = spec.linux.resources;
  const mem = res?.memory;
  if (mem?.limit !== undefined && mem.limit > 0) {
    steps.push(write(`${cg}/memory.max`, String(mem.limit), 'linux.resources.memory.limit: above this the kernel reclaims, then OOM-kills inside the group'));
  }
  const swap = swapMax(mem?.limit, mem?.swap);
  if (swap !== null) {
    steps.push(
      write(`${cg}/memory.swap.max`, swap, 'linux.resources.memory.swap (memory+swap) minus the limit; the guest kernel has no swap, so the file may not exist', {
        test: '-e',
        path: `${cg}/memory.swap.max`,
      }),
    );
  }
  const pids = res?.pids?.limit;
  if (pids !== undefined && pids > 0) {
    steps.push(write(`${cg}/pids.max`, String(pids), 'linux.resources.pids.limit: fork fails with EAGAIN beyond this many tasks'));
  }
  const cpu = res?.cpu;
  if (cpu?.quota !== undefined && cpu.quota > 0) {
    steps.push(write(`${cg}/cpu.max`, `${cpu.quota} ${cpu.period ?? 100000}`, 'linux.resources.cpu.quota/period: CPU time allowed per period'));
  }
  if (cpu?.shares !== undefined && cpu.shares > 0) {
    steps.push(write(`${cg}/cpu.weight`, String(sharesToWeight(cpu.shares)), 'linux.resources.cpu.shares converted to cgroup v2 cpu.weight'));
  }
  if (devices) {
    const allowed = [...new Set(effectiveDeviceRules(res?.devices).map(ruleText))];
    steps.push({
      argv: [],
      shell: ': no busybox or util-linux tool loads a device program: bpftool would, with prog load ... type cgroup/dev and cgroup attach ' + quoteWord(cg) + ' device',
      op: ['cgroup-devices', cg, `@${devices.path}`],
      why: `linux.resources.devices, enforced as runc does on cgroup v2: an eBPF program (cgroup/dev, ${devices.bytes.length / 8} instructions, in ${devices.path}) attached to the cgroup is asked on every open and mknod of a device node; the last matching rule decides, anything else is EPERM. ${allowed.join('; ')}`,
    });
  }
  const shm = sharedShm(spec, layout);
  if (shm) {
    steps.push({ argv: ['mkdir', '-p', shm.path], op: ['mkdir', shm.path], why: '--ipc shareable: the mount point of its /dev/shm, outside the container' });
    steps.push(
      mount(['-t', 'tmpfs', '-o', shm.options.join(','), 'shm', shm.path], 'shm', shm.path, 'tmpfs', shm.options, '--ipc shareable: /dev/shm is a tmpfs in the bundle (as dockerd keeps it in the container\'s directory), bound into this container and into each one started with --ipc container:<this one>', {
        test: '!mounted',
        path: shm.path,
      }),
    );
  }
  const overlay = `lowerdir=${lowerDirs.join(':')},upperdir=${rootfs.upperDir},workdir=${rootfs.workDir}`;
  steps.push(mount(['-t', 'overlay', 'overlay', '-o', overlay, rootfs.mergedDir], 'overlay', rootfs.mergedDir, 'overlay', [overlay], 'the root file system: image layers (read-only, on the 9p share) under a writable upper dir'));
  return steps;
}

function mountSteps(m: SpecMount, root: string): Step[] {
  const target = joinPath(root, m.destination);
  const options = m.options ?? [];
  const type = m.type ?? (options.includes('bind') || options.includes('rbind') ? 'bind' : 'none');
  const steps: Step[] = [];
  if (type === 'bind') {
    const source = m.source ?? '';
    const parent = quoteWord(dirname(target));
    // the runtime's own files (hosts, hostname, resolv.conf) are in the bundle, next to the root, and always there
    if (!source.startsWith(`${dirname(root)}/`)) {
      steps.push({
        argv: ['mkdir', '-p', source],
        op: ['mkdir', source],
        when: { test: '!-e', path: source },
        why: `a missing source of -v is made a directory, as dockerd does (a named volume's _data at its first use)`,
      });
    }
    steps.push({
      argv: [],
      // builtins only (`: >` makes the file) unless a directory is missing: no process for the usual /etc/hosts
      shell: `if [ -d ${quoteWord(source)} ]; then mkdir -p ${quoteWord(target)}; else [ -d ${parent} ] || mkdir -p ${parent}; : > ${quoteWord(target)}; fi`,
      op: ['mountpoint', source, target],
      when: { test: '!-e', path: target },
      why: `a bind mount needs a mount point of the same kind as its source (${source})`,
    });
    const rbind = options.includes('rbind');
    steps.push(mount([rbind ? '--rbind' : '--bind', source, target], source, target, 'none', [rbind ? 'rbind' : 'bind'], `mounts[${m.destination}]: bind ${source}`));
    if (options.includes('ro') && rbind) {
      steps.push({
        argv: [],
        shell: `while read -r d m r; do case "$m" in ${quoteWord(target)}|${quoteWord(target)}/*) mount -o remount,bind,ro "$m";; esac; done < /proc/mounts`,
        op: ['readonly-tree', target],
        why: 'read-only all the way down, as Docker 25+ makes `-v src:dst:ro` (rro): mount_setattr(2) with AT_RECURSIVE; one remount per submount by hand (a plain remount leaves the mounts below writable)',
      });
    } else if (options.includes('ro')) steps.push(remountReadOnly(target, 'a bind mount is made read-only by a second, remounting call (the kernel ignores ro on the first)'));
    return steps;
  }
  steps.push({ argv: ['mkdir', '-p', target], op: ['mkdir', target], when: { test: '!-d', path: target }, why: `mount point for ${m.destination}` });
  if (type === 'cgroup' || type === 'cgroup2') {
    // The process entered its own cgroup before unshare --cgroup: this mount shows only that subtree.
    const opts = options.filter((o) => !BIND_OPTIONS.has(o));
    if (opts.length === 0) opts.push('ro');
    steps.push(mount(['-t', 'cgroup2', '-o', opts.join(','), 'cgroup2', target], 'cgroup2', target, 'cgroup2', opts, `mounts[${m.destination}]: cgroup v2, rooted at the container's own cgroup by its cgroup namespace`));
    return steps;
  }
  const opts = options.filter((o) => !BIND_OPTIONS.has(o));
  const source = m.source ?? type;
  steps.push(mount(['-t', type, ...(opts.length ? ['-o', opts.join(',')] : []), source, target], source, target, type, opts, `mounts[${m.destination}]: ${type}`));
  if (m.destination === '/dev' && type === 'tmpfs') {
    steps.push({
      argv: ['cp', '-a', `${DEV_SKELETON}/.`, `${target}/`],
      op: ['copy', DEV_SKELETON, target],
      why: `the default devices and /dev links, copied from ${DEV_SKELETON} (one process instead of eleven)`,
    });
  }
  return steps;
}

/** linux.devices (`--device`): the node in the container's /dev; its cgroup rule is in linux.resources.devices. */
function deviceSteps(spec: RuntimeSpec, root: string): Step[] {
  return (spec.linux.devices ?? []).flatMap((d) => {
    const path = joinPath(root, d.path);
    const mode = ((d.fileMode ?? 0o666) & 0o7777).toString(8);
    const kind = d.type === 'b' ? 'b' : 'c';
    return [
      { argv: ['mkdir', '-p', dirname(path)], op: ['mkdir', dirname(path)], when: { test: '!-d', path: dirname(path) }, why: `parent of ${d.path}` },
      {
        argv: ['mknod', '-m', mode, path, kind, String(d.major), String(d.minor)],
        op: ['mknod', path, mode, kind, String(d.major), String(d.minor)],
        why: `linux.devices ${d.path} (--device): the host's node ${kind} ${d.major}:${d.minor}, opened through the device program's rule for it`,
      },
    ] satisfies Step[];
  });
}

/**
 * A container's network, first thing inside its new namespaces (this /proc is still the guest's, so /proc/1 is the
 * guest's init): lo up, a veth per endpoint, the embedded DNS server's socket. Run by PID 1, like the rest of init,
 * so the steps file and init.sh are the same lines; the DNS server's socket lives as long as this process.
 */
function networkSteps(id: string, network: ContainerNetwork | undefined): Step[] {
  if (network?.mode !== 'endpoints') return [];
  return [loopbackUp(), ...network.endpoints.flatMap(endpointSteps), ...(network.dns ? [dnsStep(id)] : [])];
}

function lowerInit(spec: RuntimeSpec, layout: ContainerLayout, newNet: boolean, network: ContainerNetwork | undefined, seccomp: GuestProgram | undefined): Step[] {
  const root = layout.rootfs.mergedDir;
  const steps: Step[] = networkSteps(layout.id, network);
  for (const m of spec.mounts) steps.push(...mountSteps(m, root));
  steps.push(...deviceSteps(spec, root));
  for (const p of spec.linux.maskedPaths ?? []) {
    const t = joinPath(root, p);
    steps.push(mount(['-t', 'tmpfs', '-o', 'ro,size=0', 'tmpfs', t], 'tmpfs', t, 'tmpfs', ['ro', 'size=0'], `linux.maskedPaths ${p}: an empty read-only directory hides it`, { test: '-d', path: t }));
    steps.push(mount(['--bind', '/dev/null', t], '/dev/null', t, 'none', ['bind'], `linux.maskedPaths ${p}: /dev/null bound over it reads as empty`, { test: '-f', path: t }));
  }
  for (const p of spec.linux.readonlyPaths ?? []) {
    const t = joinPath(root, p);
    steps.push(mount(['--bind', t, t], t, t, 'none', ['bind'], `linux.readonlyPaths ${p}: bound onto itself...`, { test: '-e', path: t }));
    steps.push(remountReadOnly(t, '...then remounted read-only', { test: '-e', path: t }));
  }
  if (spec.hostname) {
    steps.push(write('/proc/sys/kernel/hostname', spec.hostname, 'hostname, in the container\'s own UTS namespace (what hostname(1) writes, without starting it)'));
  }
  if (newNet && network?.mode !== 'endpoints') steps.push({ ...loopbackUp(), argv: ['ip', 'link', 'set', 'lo', 'up'] });
  if (spec.root.readonly) steps.push(remountReadOnly(root, 'root.readonly: the overlay becomes read-only in this mount namespace only'));
  steps.push({ argv: ['cd', root], op: ['cd', root], why: 'the new root' });
  steps.push(
    mount(
      ['--move', '.', '/'],
      '.',
      '/',
      'none',
      ['move'],
      'not pivot_root: the guest\'s / is the initramfs, which has no parent mount, so pivot_root(2) says EINVAL (even for a bind-mounted overlay in a new mount namespace). The overlay is moved over / and entered with chroot below; ".." from it leads back to itself',
    ),
  );
  steps.push({
    argv: ['exec', ...processArgv(spec)],
    // mkcwd: a missing working directory is made inside the container's root, as dockerd's SetupWorkingDirectory
    op: execOp(spec.process, '.', { mkcwd: true }, seccomp),
    why: execWhy(spec, seccomp),
  });
  return steps;
}

/**
 * drydock-init's exec: chroot, cwd, groups and gid, the bounding set, no_new_privs, uid, then process.args with
 * process.env only, in runc's order: the capabilities go after chroot and before setuid, so a container without
 * CAP_SYS_CHROOT or CAP_SETUID still starts.
 */
export function execOp(p: RuntimeSpec['process'], root: string, override: { env?: string[]; cwd?: string; user?: SpecUser; args?: string[]; mkcwd?: boolean; terminal?: boolean } = {}, seccomp?: GuestProgram): string[] {
  const user = override.user ?? p.user;
  return [
    'exec',
    `root=${root}`,
    `cwd=${override.cwd ?? p.cwd ?? '/'}`,
    ...(override.mkcwd ? ['mkcwd'] : []),
    // process.terminal: a pty from the container's devpts, its master to whoever started drydock-init (STEPS.md)
    ...((override.terminal ?? p.terminal) ? ['console'] : []),
    `uid=${user.uid}`,
    `gid=${user.gid}`,
    `groups=${(user.additionalGids ?? []).join(',')}`,
    `caps=${(p.capabilities?.bounding ?? []).join(',')}`,
    ...(p.noNewPrivileges ? ['nnp'] : []),
    // always: the agent that starts it runs at -1000, which a process the OOM killer can never pick would inherit
    `oom=${p.oomScoreAdj ?? 0}`,
    ...(seccomp ? [`seccomp=@${seccomp.path}`] : []),
    ...(override.env ?? p.env ?? []).map((e) => `env=${e}`),
    '--',
    ...(override.args ?? p.args),
  ];
}

function execWhy(spec: RuntimeSpec, program: GuestProgram | undefined): string {
  const p = spec.process;
  const kept = enterCapabilities(p);
  const note = kept.length
    ? ` (this shell line keeps ${kept.map((c) => `+${capName(c)}`).join(',')} in the bounding set: util-linux's unshare needs ${kept.length > 1 ? 'them' : 'it'} after setpriv has dropped the rest; drydock-init chroots and sets the uid first, as runc does, and drops ${kept.length > 1 ? 'them' : 'it'})`
    : '';
  const seccomp = program
    ? `; linux.seccomp: Docker's default profile, compiled to a BPF program of ${program.bytes.length / 8} instructions (${program.path}) that drydock-init loads last before setuid (system calls it does not allow fail with EPERM: mount, unshare, setns, keyctl...; clone with namespace flags too). No tool in the guest loads a seccomp filter, so this shell line runs unfiltered`
    : '';
  const oom = `; process.oomScoreAdj ${p.oomScoreAdj ?? 0} (the agent that started it runs at -1000, which children inherit)`;
  const terminal = p.terminal
    ? '; process.terminal: drydock-init opens a pty from this /dev/pts (so the process sees /dev/pts/0), makes it the controlling terminal of a new session and its stdin, stdout and stderr, and sends the master to the agent (runc\'s console socket); this shell line keeps the stdio it has'
    : '';
  return `drop capabilities to process.capabilities.bounding, chroot, set uid, gid and groups, and exec process.args with process.env only${oom}${terminal}${seccomp}${note}`;
}

/** What util-linux's unshare needs after setpriv has set the bounding set: CAP_SYS_CHROOT, and CAP_SETUID for a uid other than 0. */
function enterCapabilities(p: RuntimeSpec['process']): string[] {
  const bounding = p.capabilities?.bounding ?? [];
  const need = ['CAP_SYS_CHROOT', ...(p.user.uid !== 0 ? ['CAP_SETUID'] : [])];
  return need.filter((c) => !bounding.includes(c));
}

/**
 * The same for the learner's replay with util-linux: env -i, then setpriv (gid and groups while it is still root, the
 * bounding set, no_new_privs), then unshare (chroot, cwd, uid, exec). unshare --setgid would clear the groups.
 */
export function setprivArgv(p: RuntimeSpec['process'], root: string, override: { env?: string[]; cwd?: string; user?: SpecUser; args?: string[] } = {}): string[] {
  const user = override.user ?? p.user;
  const bounding = [...(p.capabilities?.bounding ?? []), ...enterCapabilities({ ...p, user })];
  const groups = user.additionalGids ?? [];
  const argv = ['env', '-i', ...(override.env ?? p.env ?? []), '/usr/bin/setpriv', `--regid=${user.gid}`, groups.length ? `--groups=${groups.join(',')}` : '--clear-groups'];
  if (p.noNewPrivileges) argv.push('--no-new-privs');
  argv.push('--bounding-set', ['-all', ...bounding.map((c) => `+${capName(c)}`)].join(','));
  argv.push('/usr/bin/unshare', `--root=${root}`, `--wd=${override.cwd ?? p.cwd ?? '/'}`, `--setuid=${user.uid}`, '--', ...(override.args ?? p.args));
  return argv;
}

function processArgv(spec: RuntimeSpec): string[] {
  return setprivArgv(spec.process, '.');
}

function shellTest(when: NonNullable<Step['when']>): string {
  const q = quoteWord(when.path);
  if (when.test === 'mounted' || when.test === '!mounted') return `m=; while read -r d t r; do [ "$t" = ${q} ] && m=1; done < /proc/mounts; [ ${when.test === 'mounted' ? '-n' : '-z'} "$m" ]`;
  return when.test.startsWith('!') ? `[ ! ${when.test.slice(1)} ${q} ]` : `[ ${when.test} ${q} ]`;
}

function renderStep(step: Step): string {
  let cmd = step.shell ?? quoteArgv(step.argv);
  if (step.stdoutTo) cmd += ` > ${quoteWord(step.stdoutTo)}`;
  if (step.when) cmd = `if ${shellTest(step.when)}; then ${cmd}; fi`;
  return `# ${step.why}\n${cmd}\n`;
}

export function renderSteps(steps: readonly Step[]): string {
  return steps.map(renderStep).join('');
}

/**
 * A shareable /dev/shm: the spec binds `<bundle>/shm` at /dev/shm (containers/spec.ts shmMount); the runtime makes that
 * directory a tmpfs at create, sized by the bind's `size=` option (which a bind mount itself ignores).
 */
function sharedShm(spec: RuntimeSpec, layout: ContainerLayout): { path: string; options: string[] } | undefined {
  const path = `${layout.bundle}/shm`;
  const m = spec.mounts.find((x) => x.destination === '/dev/shm' && x.type === 'bind' && x.source === path);
  if (!m) return undefined;
  const size = (m.options ?? []).find((o) => o.startsWith('size='));
  return { path, options: ['nosuid', 'noexec', 'nodev', 'mode=1777', ...(size ? [size] : [])] };
}

/**
 * process.rlimits (`--ulimit`): the guest's shell sets them and execs drydock-init, whose processes inherit them (no
 * drydock-init step sets a limit). Empty without rlimits: then no shell is started.
 */
export function rlimitPrefix(spec: RuntimeSpec): string[] {
  const rlimits = spec.process.rlimits ?? [];
  if (rlimits.length === 0) return [];
  return ['/bin/sh', '-c', `${ulimitScript(rlimits)} && exec "$@"`, 'drydock-ulimit'];
}

/** Words in one line of drydock-init's steps (its MAX_WORDS): the exec step carries process.env and process.args. */
export const STEP_WORD_LIMIT = 4096;
/** The exec step's own words at most: exec, root, cwd, uid, gid, groups, caps, nnp, oom, seccomp, `--`. */
const EXEC_FIXED_WORDS = 11;

/** Why a process with this many environment variables and arguments cannot be started by the runtime, or undefined. */
export function execWordsError(envCount: number, argCount: number): string | undefined {
  const words = envCount + argCount + EXEC_FIXED_WORDS;
  if (words <= STEP_WORD_LIMIT) return undefined;
  return `the container's environment and command line are ${envCount} variables and ${argCount} arguments: drydock's runtime (drydock-init) starts a process with at most ${STEP_WORD_LIMIT - EXEC_FIXED_WORDS} of them together`;
}

/** Where drydock-init writes PID 1's host pid once it has exec'd process.args. */
export function pidFile(layout: ContainerLayout): string {
  return `${layout.bundle}/pid`;
}

/** The bundle's step file for drydock-init. */
export function stepsFile(layout: ContainerLayout): string {
  return `${layout.bundle}/steps`;
}

/**
 * Lower spec + layout into the runtime trace. Throws NOT_IMPLEMENTED for what the guest runtime cannot do yet.
 * `network`, when given, decides the network namespace (the spec's `network` entry, path included, is not read):
 * none and endpoints a new one, host none, container that container's (network/endpoint.ts). `budget`: the guest's
 * size, for the limits every container shares.
 */
/** A volume to fill from the image's content at its mount point before it is first mounted (the engine decides when). */
export interface VolumePopulate {
  /** the volume's directory in the guest (its `_data`) */
  source: string;
  /** where it is mounted in the container */
  destination: string;
}

/**
 * Docker's copy-up of a volume at its first use (moby's copyExistingContents): when the volume is empty, what the
 * image has at the mount point is copied into it, owners, modes and links kept. One process, only for such volumes.
 */
const POPULATE_SCRIPT = '[ -z "$(ls -A "$1" 2>/dev/null)" ] || exit 0; mkdir -p "$1" && cp -a "$2/." "$1/"';

function populateSteps(volumes: readonly VolumePopulate[], root: string): Step[] {
  return volumes.map((v) => {
    const from = joinPath(root, v.destination);
    const argv = ['/bin/sh', '-c', POPULATE_SCRIPT, 'drydock-populate', v.source, from];
    return {
      argv,
      op: ['run', '--', ...argv],
      when: { test: '-d', path: from },
      why: `the volume at ${v.destination} is used for the first time: the image's content there is copied into it when it is empty, as Docker does (\`nocopy\` turns this off)`,
    };
  });
}

export function lowerSpec(spec: RuntimeSpec, layout: ContainerLayout, options: { network?: ContainerNetwork; budget?: MachineBudget; populate?: readonly VolumePopulate[] } = {}): RuntimeTrace {
  const { network, budget } = options;
  if (!/^[0-9a-z][0-9a-z_.-]*$/i.test(layout.id)) throw new EngineError('INVALID_ARGUMENT', `bad container id: ${layout.id}`);
  if (spec.process.args.length === 0) throw new EngineError('INVALID_ARGUMENT', 'process.args is empty: no command to run');
  const tooMany = execWordsError(spec.process.env?.length ?? 0, spec.process.args.length);
  if (tooMany) throw new EngineError('INVALID_ARGUMENT', tooMany, { details: { origin: 'daemon' } });
  const cg = cgroupPath(layout.id);
  const namespaces: string[] = [];
  /** `--ipc container:X`, `--pid container:X`: that PID 1's namespaces, entered after unshare (setns of a PID namespace applies to the fork) */
  const joins: { type: string; pid: number }[] = [];
  for (const ns of spec.linux.namespaces) {
    if (network && ns.type === 'network') {
      if (network.mode === 'none' || network.mode === 'endpoints') namespaces.push('network');
      continue;
    }
    if (ns.path) {
      const m = /^\/proc\/(\d+)\/ns\/(ipc|pid)$/.exec(ns.path);
      if (!m || m[2] !== ns.type) throw new EngineError('NOT_IMPLEMENTED', `joining an existing ${ns.type} namespace (${ns.path}) is not supported`);
      joins.push({ type: ns.type, pid: Number(m[1]) });
      continue;
    }
    const flag = NAMESPACE_FLAGS[ns.type];
    if (!flag) throw new EngineError('NOT_IMPLEMENTED', `namespace type ${ns.type} is not supported`);
    namespaces.push(ns.type);
  }
  if (!namespaces.includes('mount')) throw new EngineError('INVALID_ARGUMENT', 'a container needs a mount namespace');
  if ((network?.mode === 'none' || network?.mode === 'endpoints') && !namespaces.includes('network')) namespaces.push('network');
  if (network?.mode === 'container' && !(Number.isInteger(network.pid) && network.pid > 1)) throw new EngineError('INVALID_ARGUMENT', `--network container: bad PID 1 ${network.pid}`);
  const joinNet = network?.mode === 'container' ? joinNetnsStep(network.pid) : undefined;
  const joinSteps: Step[] = joins.map((j) => ({
    argv: [NSENTER, `--${j.type}=/proc/${j.pid}/ns/${j.type}`],
    op: ['setns', String(j.pid), j.type],
    why: `--${j.type} container: the ${j.type === 'pid' ? 'PID' : 'IPC'} namespace of that container's PID 1 (${j.pid})${j.type === 'pid' ? ': the fork below is a process of it, not its PID 1' : ''}`,
  }));
  // Mounting cgroup2 for the container only makes sense with its own cgroup namespace.
  if (!namespaces.includes('cgroup') && spec.mounts.some((m) => m.type === 'cgroup')) namespaces.push('cgroup');
  const newNet = namespaces.includes('network');
  const unshare = ['/usr/bin/unshare', ...namespaces.map((n) => NAMESPACE_FLAGS[n] as string)];
  const initPath = `${layout.bundle}/init.sh`;
  // Not `unshare --fork`: util-linux 2.38 reports a child killed by a signal as exit 1 (its re-raise fails on
  // i386), and Docker's 137 for SIGKILL/OOM must survive. unshare(2) puts only children in the new PID
  // namespace, so the shell it runs forks init.sh as PID 1 and exits with its status (128+n for signal n).
  const limits = rlimitPrefix(spec);
  const shellProcess = [...limits, 'sh', '-c', `echo $$ > ${cg}/cgroup.procs && exec "$@"`, 'drydock-enter', ...unshare, '--', ...(joinNet?.argv ?? []), ...joinSteps.flatMap((j) => j.argv), 'sh', '-c', '"$@"; exit $?', 'drydock-pid1', 'sh', '-e', initPath];
  const start: Step[] = [
    { argv: ['echo', '$$'], stdoutTo: `${cg}/cgroup.procs`, op: ['join-cgroup', `${cg}/cgroup.procs`], why: 'the container\'s cgroup, before anything else: what it forks is counted there' },
    { argv: unshare, op: ['unshare', ...namespaces.map((n) => (n === 'network' ? 'net' : n))], why: 'new namespaces (linux.namespaces); the mount namespace\'s propagation is made private, as unshare(1) does' },
    ...(joinNet ? [joinNet] : []),
    ...joinSteps,
    {
      argv: ['sh', '-c', '"$@"; exit $?', 'drydock-pid1', 'sh', '-e', initPath],
      op: ['fork', pidFile(layout)],
      why: 'unshare(2) moves only children into the new PID namespace: fork PID 1, wait for it, and exit with its status (128+n for signal n)',
    },
  ];
  const process = [...limits, DRYDOCK_INIT, 'start,init', stepsFile(layout)];

  const seccomp = spec.linux.seccomp ? guestProgram('seccomp', seccompBytes(compileSeccomp(spec.linux.seccomp))) : undefined;
  const rules = effectiveDeviceRules(spec.linux.resources?.devices);
  const devices = allowsEverything(rules) ? undefined : guestProgram('devices', deviceFilterBytes(compileDeviceFilter(rules)));
  const programs = [devices, seccomp].filter((p): p is GuestProgram => p !== undefined);
  const create = [...lowerCreate(spec, layout, cg, budget, devices, programs), ...populateSteps(options.populate ?? [], layout.rootfs.mergedDir)];
  const init = lowerInit(spec, layout, newNet, network, seccomp);
  const merged = layout.rootfs.mergedDir;
  const shmDir = `${layout.bundle}/shm`;
  const del: Step[] = [
    write(`${cg}/cgroup.kill`, '1', 'SIGKILL every process still in the cgroup, forks included', { test: '-e', path: `${cg}/cgroup.kill` }),
    {
      argv: [],
      shell: `while p=; while read -r k v; do [ "$k" = populated ] && p=$v; done < ${cg}/cgroup.events; [ "$p" = 1 ]; do sleep 0.01; done`,
      op: ['wait-empty', cg],
      when: { test: '-e', path: `${cg}/cgroup.events` },
      why: 'wait until the cgroup is empty: its namespaces and their mounts go with the last process',
    },
    {
      argv: ['umount', '-l', merged],
      op: ['umount', merged],
      when: { test: 'mounted', path: merged },
      why: 'the overlay mount in the host\'s mount namespace, detached as Docker\'s overlay2 does: a process still inside it cannot keep the container from being removed',
    },
    { argv: ['rmdir', cg], op: ['rmdir', cg], when: { test: '-d', path: cg }, why: 'an empty cgroup is removed with rmdir' },
    ...(sharedShm(spec, layout)
      ? [{ argv: ['umount', '-l', shmDir], op: ['umount', shmDir], when: { test: 'mounted', path: shmDir }, why: '--ipc shareable: its /dev/shm goes with the run (containers that joined it keep their mount until they end)' } satisfies Step]
      : []),
    ...(network?.mode === 'endpoints' ? endpointCleanupSteps(network.endpoints) : []),
  ];
  const removed = [layout.rootfs.upperDir, layout.rootfs.workDir, merged, layout.bundle];
  const delete_: Step[] = [
    ...del,
    ...(budget && storageInBundle(layout)
      ? [
          {
            argv: ['umount', '-l', layout.bundle],
            op: ['umount', layout.bundle],
            when: { test: 'mounted', path: layout.bundle },
            why: 'the container\'s storage tmpfs, and its writes with it (lazily: a shell may still have its working directory there)',
          } satisfies Step,
        ]
      : []),
    { argv: ['rm', '-rf', ...removed], op: ['rm', ...removed], why: 'the container\'s writes (upper), overlay work dir, mount point and bundle' },
  ];
  // The bundle's files are written again by the next create; the bundle itself may hold the upper dir.
  const kept = [layout.rootfs.workDir, merged, ...(layout.rootfs.upperDir.startsWith(`${layout.bundle}/`) ? [] : [layout.bundle])];
  const reset: Step[] = [
    ...del,
    {
      argv: ['rm', '-rf', ...kept],
      op: ['rm', ...kept],
      why: 'overlay work dir and mount point; the upper dir (the container\'s writes) stays for the next start, as Docker keeps a stopped container\'s layer',
    },
  ];

  const header = (what: string) => `#!/bin/sh\n# drydock runtime trace for container ${layout.id}: ${what}\n# Generated from config.json (OCI runtime spec) by emulator/engine/runtime/lower.ts.\nset -e\n`;
  const trace =
    header('create, start (delete at the end, commented out)') +
    '# drydock runs the same steps with one program, /sbin/drydock-init, from the bundle\'s `steps` file (a line\n' +
    '# there for each step here); this file replays them with standard tools, one process per step.\n' +
    '\n# ---- create\n' +
    renderSteps(create) +
    '\n# ---- start: the container\'s first process. It enters the cgroup, unshare creates the namespaces, and\n' +
    '# its shell forks init.sh as PID 1 of the new PID namespace; init.sh ends by exec-ing process.args.\n' +
    (network?.mode === 'endpoints' ? '# init.sh starts with the container\'s network: a veth pair per network, its address and route.\n' : '') +
    quoteArgv(shellProcess) +
    '\n\n# ---- delete (run after the container has exited)\n' +
    renderSteps(delete_).replace(/^(?!#)(.+)$/gm, '#   $1');
  // $R for the merged dir keeps init.sh readable; only done when the path needs no quoting (ids are hex).
  const initBody = /^[A-Za-z0-9_.\/-]+$/.test(merged) ? `R=${merged}\n${renderSteps(init).replaceAll(merged, '$R')}` : renderSteps(init);
  const initScript = `#!/bin/sh\n# drydock runtime trace for container ${layout.id}: inside the new namespaces, as PID 1, with the host's tools.\n# $R is the container's root file system (the overlay), seen from the guest before the move below.\nset -e\n${initBody}`;
  const vars: StepVar[] = [['B', layout.bundle], ['R', merged], ['C', cg]];
  const steps = renderStepsFile(layout.id, { create, start, init, delete: delete_, reset }, vars);
  const entered = [...namespaces.map((n) => (n === 'network' ? 'net' : n)), ...(joinNet ? ['net'] : []), ...joins.map((j) => j.type)];
  return { id: layout.id, cgroup: cg, ...(seccomp ? { seccomp } : {}), programs, create, start, init, namespaces: entered, process, shellProcess, delete: delete_, reset, vars, files: { trace, init: initScript, steps } };
}
