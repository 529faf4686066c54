// Lowers an OCI runtime spec and a rootfs plan into the guest steps that make the container: the runtime
// trace. Each step is a plain argv and a one-line reason; the bundle's trace.sh and init.sh are these steps
// rendered as shell, and the runtime runs exactly that text, so the learner can read and replay it by hand.
import { EngineError } from '../errors.ts';
import type { RuntimeSpec, SpecMount } from '../containers/runtime-spec.ts';
import { quoteArgv, quoteWord } from './shell-quote.ts';

/** The container's root file system: overlayfs dirs (same shape as containers/ OverlayDirs). */
export interface RootfsPlan {
  /** image layers on the 9p share, topmost first, as overlayfs's lowerdir option lists them */
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

export interface Step {
  argv: string[];
  /** one line: why this step exists (a spec field, a kernel rule) */
  why: string;
  /** write the argv's output here (`echo value > file` for cgroup knobs) */
  stdoutTo?: string;
  /** run only when this shell test holds, e.g. `[ -d /x ]` */
  onlyIf?: string;
  /** shell text run instead of argv (builtins only, so no process is started: each one costs ~25 ms in the guest) */
  shell?: string;
}

export interface RuntimeTrace {
  id: string;
  cgroup: string;
  /** run once by `create`: cgroup, limits, overlay mount */
  create: Step[];
  /** run by the container's first process inside its new namespaces (bundle/init.sh), ending in exec */
  init: Step[];
  /** the argv that creates the container's process: enter the cgroup, new namespaces, then init.sh */
  process: string[];
  /** run by `delete`: nothing of the container is left */
  delete: Step[];
  /** `delete` without removing the upper dir: a stopped container keeps its writes for the next start */
  reset: Step[];
  files: { trace: string; init: string };
}

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

/** Where the nodes every container's /dev gets are made once, to be copied with cp -a. */
export const DEV_SKELETON = '/run/drydock/dev-skeleton';

/** Steps that make DEV_SKELETON; each is skipped once its file exists. */
function devSkeleton(): Step[] {
  const steps: Step[] = [{ argv: ['mkdir', '-p', DEV_SKELETON], onlyIf: `[ ! -d ${DEV_SKELETON} ]`, why: 'nodes for containers\' /dev, made once per boot' }];
  for (const [name, major, minor] of DEFAULT_DEVICES) {
    const path = `${DEV_SKELETON}/${name}`;
    steps.push({ argv: ['mknod', '-m', '666', path, 'c', String(major), String(minor)], onlyIf: `[ ! -e ${path} ]`, why: `/dev/${name}: a default device (runtime-spec config-linux.md); the host's /dev stays out of reach` });
  }
  for (const [to, name] of DEV_SYMLINKS) {
    const path = `${DEV_SKELETON}/${name}`;
    steps.push({ argv: ['ln', '-s', to, path], onlyIf: `[ ! -L ${path} ]`, why: `/dev/${name} -> ${to}, as runtimes link it` });
  }
  return steps;
}

function lowerCreate(spec: RuntimeSpec, layout: ContainerLayout, cg: string): Step[] {
  const { rootfs } = layout;
  const steps: Step[] = [
    ...(spec.mounts.some((m) => m.destination === '/dev' && m.type === 'tmpfs') ? devSkeleton() : []),
    {
      argv: ['mkdir', '-p', cg, rootfs.upperDir, rootfs.workDir, rootfs.mergedDir],
      why: 'the container\'s cgroup (every process it starts is counted and limited there); overlayfs upper (the container\'s writes) and work dirs on guest tmpfs, and the mount point',
    },
    {
      argv: ['echo', '+cpu +memory +pids'],
      stdoutTo: `${CGROUP_PARENT}/cgroup.subtree_control`,
      why: 'cgroup v2 hands controllers down one level at a time: enable them for the containers below drydock/',
    },
    {
      argv: ['echo', String(CONTAINERS_CPU_WEIGHT)],
      stdoutTo: `${CGROUP_PARENT}/cpu.weight`,
      why: 'containers together get 1/10 of the CPU weight of the agent and the learner\'s shell, so a busy loop cannot starve them',
    },
  ];
  const res = spec.linux.resources;
  const mem = res?.memory;
  if (mem?.limit !== undefined && mem.limit > 0) {
    steps.push({ argv: ['echo', String(mem.limit)], stdoutTo: `${cg}/memory.max`, why: 'linux.resources.memory.limit: above this the kernel reclaims, then OOM-kills inside the group' });
  }
  const swap = swapMax(mem?.limit, mem?.swap);
  if (swap !== null) {
    steps.push({
      argv: ['echo', swap],
      stdoutTo: `${cg}/memory.swap.max`,
      onlyIf: `[ -e ${cg}/memory.swap.max ]`,
      why: 'linux.resources.memory.swap (memory+swap) minus the limit; the guest kernel has no swap, so the file may not exist',
    });
  }
  const pids = res?.pids?.limit;
  if (pids !== undefined && pids > 0) {
    steps.push({ argv: ['echo', String(pids)], stdoutTo: `${cg}/pids.max`, why: 'linux.resources.pids.limit: fork fails with EAGAIN beyond this many tasks' });
  }
  const cpu = res?.cpu;
  if (cpu?.quota !== undefined && cpu.quota > 0) {
    steps.push({ argv: ['echo', `${cpu.quota} ${cpu.period ?? 100000}`], stdoutTo: `${cg}/cpu.max`, why: 'linux.resources.cpu.quota/period: CPU time allowed per period' });
  }
  if (cpu?.shares !== undefined && cpu.shares > 0) {
    steps.push({ argv: ['echo', String(sharesToWeight(cpu.shares))], stdoutTo: `${cg}/cpu.weight`, why: 'linux.resources.cpu.shares converted to cgroup v2 cpu.weight' });
  }
  steps.push(
    {
      argv: ['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${rootfs.lowerDirs.join(':')},upperdir=${rootfs.upperDir},workdir=${rootfs.workDir}`, rootfs.mergedDir],
      why: 'the root file system: image layers (read-only, on the 9p share) under a writable upper dir',
    },
  );
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
    steps.push({
      argv: [],
      // builtins only (`: >` makes the file) unless a directory is missing: no process for the usual /etc/hosts
      shell: `if [ -d ${quoteWord(source)} ]; then mkdir -p ${quoteWord(target)}; else [ -d ${parent} ] || mkdir -p ${parent}; : > ${quoteWord(target)}; fi`,
      onlyIf: `[ ! -e ${quoteWord(target)} ]`,
      why: `a bind mount needs a mount point of the same kind as its source (${source})`,
    });
    steps.push({ argv: ['mount', options.includes('rbind') ? '--rbind' : '--bind', source, target], why: `mounts[${m.destination}]: bind ${source}` });
    if (options.includes('ro')) {
      steps.push({ argv: ['mount', '-o', 'remount,bind,ro', target], why: 'a bind mount is made read-only by a second, remounting call (the kernel ignores ro on the first)' });
    }
    return steps;
  }
  steps.push({ argv: ['mkdir', '-p', target], onlyIf: `[ ! -d ${quoteWord(target)} ]`, why: `mount point for ${m.destination}` });
  if (type === 'cgroup' || type === 'cgroup2') {
    // The process entered its own cgroup before unshare --cgroup: this mount shows only that subtree.
    const opts = options.filter((o) => !BIND_OPTIONS.has(o));
    steps.push({ argv: ['mount', '-t', 'cgroup2', '-o', opts.join(',') || 'ro', 'cgroup2', target], why: `mounts[${m.destination}]: cgroup v2, rooted at the container's own cgroup by its cgroup namespace` });
    return steps;
  }
  const opts = options.filter((o) => !BIND_OPTIONS.has(o));
  const argv = ['mount', '-t', type];
  if (opts.length) argv.push('-o', opts.join(','));
  argv.push(m.source ?? type, target);
  steps.push({ argv, why: `mounts[${m.destination}]: ${type}` });
  if (m.destination === '/dev' && type === 'tmpfs') {
    steps.push({ argv: ['cp', '-a', `${DEV_SKELETON}/.`, `${target}/`], why: `the default devices and /dev links, copied from ${DEV_SKELETON} (one process instead of eleven)` });
  }
  return steps;
}

function lowerInit(spec: RuntimeSpec, layout: ContainerLayout, newNet: boolean): Step[] {
  const root = layout.rootfs.mergedDir;
  const steps: Step[] = [];
  for (const m of spec.mounts) steps.push(...mountSteps(m, root));
  for (const p of spec.linux.maskedPaths ?? []) {
    const t = quoteWord(joinPath(root, p));
    steps.push({ argv: ['mount', '-t', 'tmpfs', '-o', 'ro,size=0', 'tmpfs', joinPath(root, p)], onlyIf: `[ -d ${t} ]`, why: `linux.maskedPaths ${p}: an empty read-only directory hides it` });
    steps.push({ argv: ['mount', '--bind', '/dev/null', joinPath(root, p)], onlyIf: `[ -f ${t} ]`, why: `linux.maskedPaths ${p}: /dev/null bound over it reads as empty` });
  }
  for (const p of spec.linux.readonlyPaths ?? []) {
    const t = joinPath(root, p);
    steps.push({ argv: ['mount', '--bind', t, t], onlyIf: `[ -e ${quoteWord(t)} ]`, why: `linux.readonlyPaths ${p}: bound onto itself...` });
    steps.push({ argv: ['mount', '-o', 'remount,bind,ro', t], onlyIf: `[ -e ${quoteWord(t)} ]`, why: '...then remounted read-only' });
  }
  if (spec.hostname) {
    steps.push({ argv: ['echo', spec.hostname], stdoutTo: '/proc/sys/kernel/hostname', why: 'hostname, in the container\'s own UTS namespace (what hostname(1) writes, without starting it)' });
  }
  if (newNet) steps.push({ argv: ['ip', 'link', 'set', 'lo', 'up'], why: 'a new network namespace has only a loopback device, and it starts down' });
  if (spec.root.readonly) steps.push({ argv: ['mount', '-o', 'remount,bind,ro', root], why: 'root.readonly: the overlay becomes read-only in this mount namespace only' });
  steps.push({ argv: ['cd', root], why: 'the new root' });
  steps.push({
    argv: ['mount', '--move', '.', '/'],
    why: 'not pivot_root: the guest\'s / is the initramfs, which has no parent mount, so pivot_root(2) says EINVAL (even for a bind-mounted overlay in a new mount namespace). The overlay is moved over / and entered with chroot below; ".." from it leads back to itself',
  });
  steps.push({ argv: ['exec', ...processArgv(spec)], why: 'drop capabilities to process.capabilities.bounding, chroot, set uid/gid, and exec process.args with process.env only' });
  return steps;
}

/** env -i + setpriv (bounding set, no_new_privs) + unshare (chroot, cwd, uid/gid, exec): util-linux does what runc does in Go. */
function processArgv(spec: RuntimeSpec): string[] {
  const p = spec.process;
  const bounding = p.capabilities?.bounding ?? [];
  const argv = ['env', '-i', ...(p.env ?? []), '/usr/bin/setpriv'];
  if (p.noNewPrivileges) argv.push('--no-new-privs');
  argv.push('--bounding-set', ['-all', ...bounding.map((c) => `+${capName(c)}`)].join(','));
  argv.push('/usr/bin/unshare', '--root=.', `--wd=${p.cwd || '/'}`, `--setgid=${p.user.gid}`, `--setuid=${p.user.uid}`, '--', ...p.args);
  return argv;
}

function renderStep(step: Step): string {
  let cmd = step.shell ?? quoteArgv(step.argv);
  if (step.stdoutTo) cmd += ` > ${quoteWord(step.stdoutTo)}`;
  if (step.onlyIf) cmd = `if ${step.onlyIf}; then ${cmd}; fi`;
  return `# ${step.why}\n${cmd}\n`;
}

export function renderSteps(steps: readonly Step[]): string {
  return steps.map(renderStep).join('');
}

/** Lower spec + layout into the runtime trace. Throws NOT_IMPLEMENTED for what the guest runtime cannot do yet. */
export function lowerSpec(spec: RuntimeSpec, layout: ContainerLayout): RuntimeTrace {
  if (!/^[0-9a-z][0-9a-z_.-]*$/i.test(layout.id)) throw new EngineError('INVALID_ARGUMENT', `bad container id: ${layout.id}`);
  if (spec.process.args.length === 0) throw new EngineError('INVALID_ARGUMENT', 'process.args is empty: no command to run');
  if (layout.rootfs.lowerDirs.length === 0) throw new EngineError('INVALID_ARGUMENT', 'the rootfs plan has no lower dirs');
  const cg = cgroupPath(layout.id);
  const unshare = ['/usr/bin/unshare'];
  let newNet = false;
  for (const ns of spec.linux.namespaces) {
    if (ns.path) throw new EngineError('NOT_IMPLEMENTED', `joining an existing ${ns.type} namespace (${ns.path}) is not supported yet`);
    const flag = NAMESPACE_FLAGS[ns.type];
    if (!flag) throw new EngineError('NOT_IMPLEMENTED', `namespace type ${ns.type} is not supported`);
    unshare.push(flag);
    if (ns.type === 'network') newNet = true;
  }
  if (!spec.linux.namespaces.some((n) => n.type === 'mount')) throw new EngineError('INVALID_ARGUMENT', 'a container needs a mount namespace');
  // Mounting cgroup2 for the container only makes sense with its own cgroup namespace.
  if (!spec.linux.namespaces.some((n) => n.type === 'cgroup') && spec.mounts.some((m) => m.type === 'cgroup')) unshare.push('--cgroup');
  const initPath = `${layout.bundle}/init.sh`;
  // Not `unshare --fork`: util-linux 2.38 reports a child killed by a signal as exit 1 (its re-raise fails on
  // i386), and Docker's 137 for SIGKILL/OOM must survive. unshare(2) puts only children in the new PID
  // namespace, so the shell it runs forks init.sh as PID 1 and exits with its status (128+n for signal n).
  const process = ['sh', '-c', `echo $$ > ${cg}/cgroup.procs && exec "$@"`, 'drydock-enter', ...unshare, '--', 'sh', '-c', '"$@"; exit $?', 'drydock-pid1', 'sh', '-e', initPath];

  const create = lowerCreate(spec, layout, cg);
  const init = lowerInit(spec, layout, newNet);
  const merged = layout.rootfs.mergedDir;
  const del: Step[] = [
    { argv: ['echo', '1'], stdoutTo: `${cg}/cgroup.kill`, onlyIf: `[ -e ${cg}/cgroup.kill ]`, why: 'SIGKILL every process still in the cgroup, forks included' },
    {
      argv: [],
      shell: `while p=; while read -r k v; do [ "$k" = populated ] && p=$v; done < ${cg}/cgroup.events; [ "$p" = 1 ]; do sleep 0.01; done`,
      onlyIf: `[ -e ${cg}/cgroup.events ]`,
      why: 'wait until the cgroup is empty: its namespaces and their mounts go with the last process',
    },
    { argv: ['umount', merged], onlyIf: `m=; while read -r d t r; do [ "$t" = ${quoteWord(merged)} ] && m=1; done < /proc/mounts; [ -n "$m" ]`, why: 'the overlay mount in the host\'s mount namespace' },
    { argv: ['rmdir', cg], onlyIf: `[ -d ${cg} ]`, why: 'an empty cgroup is removed with rmdir' },
    { argv: ['rm', '-rf', layout.rootfs.upperDir, layout.rootfs.workDir, merged, layout.bundle], why: 'the container\'s writes (upper), overlay work dir, mount point and bundle' },
  ];

  const reset: Step[] = [
    ...del.slice(0, -1),
    {
      // The bundle's files are written again by the next create; the bundle itself may hold the upper dir.
      argv: ['rm', '-rf', layout.rootfs.workDir, merged, ...(layout.rootfs.upperDir.startsWith(`${layout.bundle}/`) ? [] : [layout.bundle])],
      why: 'overlay work dir and mount point; the upper dir (the container\'s writes) stays for the next start, as Docker keeps a stopped container\'s layer',
    },
  ];

  const header = (what: string) => `#!/bin/sh\n# drydock runtime trace for container ${layout.id}: ${what}\n# Generated from config.json (OCI runtime spec) by emulator/engine/runtime/lower.ts.\nset -e\n`;
  const trace =
    header('create, start (delete at the end, commented out)') +
    '\n# ---- create\n' +
    renderSteps(create) +
    '\n# ---- start: the container\'s first process. It enters the cgroup, unshare creates the namespaces, and\n' +
    '# its shell forks init.sh as PID 1 of the new PID namespace; init.sh ends by exec-ing process.args.\n' +
    quoteArgv(process) +
    '\n\n# ---- delete (run after the container has exited)\n' +
    renderSteps(del).replace(/^(?!#)(.+)$/gm, '#   $1');
  // $R for the merged dir keeps init.sh readable; only done when the path needs no quoting (ids are hex).
  const initBody = /^[A-Za-z0-9_.\/-]+$/.test(merged) ? `R=${merged}\n${renderSteps(init).replaceAll(merged, '$R')}` : renderSteps(init);
  const initScript = `#!/bin/sh\n# drydock runtime trace for container ${layout.id}: inside the new namespaces, as PID 1, with the host's tools.\n# $R is the container's root file system (the overlay), seen from the guest before the move below.\nset -e\n${initBody}`;
  return { id: layout.id, cgroup: cg, create, init, process, delete: del, reset, files: { trace, init: initScript } };
}
