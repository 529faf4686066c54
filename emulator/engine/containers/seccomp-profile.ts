// Docker's default seccomp profile for a container (runtime-spec linux.seccomp): which system calls fail with EPERM
// instead of reaching the kernel. Built from Podman's profile as Debian ships it (seccomp-data.generated.ts), with
// the differences Docker's documentation lists ("Significant syscalls blocked by the default profile",
// docs.docker.com/engine/security/seccomp): Docker denies more, and gives some back only with a capability.
import { I386_SYSCALLS, PODMAN_PROFILE, PODMAN_PROFILE_SOURCE } from './seccomp-data.generated.ts';

/** One entry of a profile (moby/libseccomp's JSON shape, as in config.json). */
export interface ProfileEntry {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[] };
}

/** runtime-spec config-linux.md `linux.seccomp.syscalls[].args[]` */
export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: 'SCMP_CMP_EQ' | 'SCMP_CMP_NE' | 'SCMP_CMP_MASKED_EQ' | string;
}

export interface SpecSeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
}

/** runtime-spec config-linux.md `linux.seccomp` */
export interface SpecSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: SpecSeccompSyscall[];
}

export const SECCOMP_SOURCE = `${PODMAN_PROFILE_SOURCE}, with Docker's documented differences`;

const EPERM = 1;
const ENOSYS = 38;
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET: clone(2) may not make namespaces */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;
const AF_VSOCK = 40;

/**
 * Blocked by Docker's profile although Podman's allows them (the documentation's table, for a 6.1 kernel: ptrace is
 * allowed from Linux 4.8 on), plus the new mount API, which Docker gates like mount(2).
 */
const DOCKER_DENIES = [
  'acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_adjtime64', 'clock_settime', 'clock_settime64', 'clone', 'clone3',
  'create_module', 'delete_module', 'finit_module', 'get_kernel_syms', 'get_mempolicy', 'init_module', 'ioperm', 'iopl',
  'kcmp', 'kexec_file_load', 'kexec_load', 'keyctl', 'lookup_dcookie', 'mbind', 'mount', 'move_pages', 'nfsservctl',
  'open_by_handle_at', 'perf_event_open', 'personality', 'pivot_root', 'process_vm_readv', 'process_vm_writev',
  'query_module', 'quotactl', 'reboot', 'request_key', 'set_mempolicy', 'setns', 'settimeofday', 'stime', 'swapon',
  'swapoff', 'sysfs', '_sysctl', 'umount', 'umount2', 'unshare', 'uselib', 'userfaultfd', 'ustat', 'vm86', 'vm86old',
  'fsconfig', 'fsmount', 'fsopen', 'fspick', 'mount_setattr', 'move_mount', 'open_tree', 'syslog', 'sethostname',
  'setdomainname', 'vhangup', 'process_madvise', 'pidfd_getfd', 'quotactl_fd',
];

/** What Docker gives back with a capability in the bounding set ("also gated by CAP_..."). */
const DOCKER_CAPABILITY_GRANTS: [cap: string, names: string[]][] = [
  ['CAP_SYS_ADMIN', ['bpf', 'clone', 'clone3', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie', 'mount', 'mount_setattr', 'move_mount', 'open_tree', 'perf_event_open', 'quotactl', 'quotactl_fd', 'setdomainname', 'sethostname', 'setns', 'syslog', 'umount', 'umount2', 'unshare']],
  ['CAP_SYS_BOOT', ['reboot']],
  ['CAP_SYS_CHROOT', ['chroot']],
  ['CAP_SYS_MODULE', ['delete_module', 'init_module', 'finit_module']],
  ['CAP_SYS_PACCT', ['acct']],
  ['CAP_SYS_PTRACE', ['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev']],
  ['CAP_SYS_RAWIO', ['iopl', 'ioperm']],
  ['CAP_SYS_TIME', ['settimeofday', 'stime', 'clock_settime', 'clock_settime64', 'clock_adjtime', 'clock_adjtime64']],
  ['CAP_SYS_TTY_CONFIG', ['vhangup']],
  ['CAP_SYS_NICE', ['get_mempolicy', 'mbind', 'set_mempolicy']],
  ['CAP_SYSLOG', ['syslog']],
  ['CAP_BPF', ['bpf']],
  ['CAP_PERFMON', ['perf_event_open']],
  ['CAP_DAC_READ_SEARCH', ['open_by_handle_at']],
];

/** The entries of a profile that apply to i386 and to this capability set (moby's includes/excludes). */
function applies(e: ProfileEntry, caps: ReadonlySet<string>): boolean {
  const arches = e.includes?.arches;
  if (arches && !arches.some((a) => a === 'x86' || a === '386')) return false;
  if (e.excludes?.arches?.some((a) => a === 'x86' || a === '386')) return false;
  if (e.includes?.caps && !e.includes.caps.every((c) => caps.has(c))) return false;
  if (e.excludes?.caps?.some((c) => caps.has(c))) return false;
  return true;
}

/** Docker's default profile for a process with this bounding set, as config.json's linux.seccomp. */
export function defaultSeccompProfile(bounding: readonly string[]): SpecSeccomp {
  const caps = new Set(bounding);
  const denied = new Set(DOCKER_DENIES);
  const granted = new Set(DOCKER_CAPABILITY_GRANTS.filter(([c]) => caps.has(c)).flatMap(([, names]) => names));
  const syscalls: SpecSeccompSyscall[] = [];
  for (const e of PODMAN_PROFILE) {
    if (!applies(e, caps)) continue;
    const names = e.names.filter((n) => n in I386_SYSCALLS && !(e.action === 'SCMP_ACT_ALLOW' && denied.has(n) && !granted.has(n)));
    if (names.length === 0) continue;
    const entry: SpecSeccompSyscall = { names, action: e.action };
    if (e.errnoRet !== undefined) entry.errnoRet = e.errnoRet;
    if (e.args?.length) entry.args = e.args.map((a) => ({ ...a }));
    syscalls.push(entry);
  }
  const grants = [...granted].filter((n) => n in I386_SYSCALLS && n !== 'clone3').sort();
  if (grants.length) syscalls.push({ names: grants, action: 'SCMP_ACT_ALLOW' });
  // Docker's argument rules: clone without namespace flags, personality's harmless values, no vsock sockets
  if (!caps.has('CAP_SYS_ADMIN')) {
    syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] });
    // clone3's flags are in memory seccomp cannot read: ENOSYS makes glibc fall back to clone
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  } else syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ALLOW' });
  for (const value of [0x0, 0x8, 0x20000, 0x20008, 0xffffffff]) {
    syscalls.push({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value, valueTwo: 0, op: 'SCMP_CMP_EQ' }] });
  }
  // first: the runtime tries a system call's argument rules in order, and Podman's socket rules allow more
  syscalls.unshift({ names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 0, value: AF_VSOCK, valueTwo: 0, op: 'SCMP_CMP_EQ' }] });
  return { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: EPERM, // Docker's (Podman's says ENOSYS)
    architectures: ['SCMP_ARCH_X86'], syscalls };
}

export { I386_SYSCALLS };
