import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPABILITIES } from '../containers/capabilities.ts';
import { I386_SYSCALLS, defaultSeccompProfile } from '../containers/seccomp-profile.ts';
import { compileSeccomp, evaluate, seccompBytes } from './seccomp-filter.ts';

const nr = (name: string) => I386_SYSCALLS[name]!;
const EPERM = 1;

describe("Docker's default seccomp profile as a BPF program", () => {
  const program = compileSeccomp(defaultSeccompProfile(DEFAULT_CAPABILITIES));
  const verdict = (name: string, args: number[] = []) => evaluate(program, nr(name), args).verdict;

  it('allows what programs use and denies what Docker denies, with EPERM', () => {
    for (const name of ['read', 'write', 'openat', 'execve', 'rt_sigaction', 'setresuid32', 'socketcall', 'statx', 'ptrace', 'chroot']) expect(verdict(name), name).toBe('allow');
    for (const name of ['unshare', 'mount', 'umount2', 'setns', 'keyctl', 'add_key', 'pivot_root', 'reboot', 'sethostname', 'bpf', 'syslog', 'open_tree']) expect(verdict(name), name).toBe(EPERM);
    expect(evaluate(program, 1000).verdict).toBe(EPERM); // a number no entry names
  });

  it('argument rules: clone without namespace flags, personality, vsock; clone3 says ENOSYS', () => {
    expect(verdict('clone', [0x01200011])).toBe('allow'); // fork(): CLONE_CHILD_SETTID | CLEARTID | SIGCHLD
    expect(verdict('clone', [0x10000000 | 17])).toBe(EPERM); // CLONE_NEWUSER
    expect(verdict('clone3')).toBe(38);
    expect(verdict('personality', [0xffffffff])).toBe('allow');
    expect(verdict('personality', [0x0040000])).toBe(EPERM); // ADDR_NO_RANDOMIZE
    expect(verdict('socket', [40, 1, 0])).toBe(EPERM); // AF_VSOCK
    expect(verdict('socket', [2, 1, 0])).toBe('allow');
  });

  it('gives calls back with their capability, as Docker does', () => {
    const admin = compileSeccomp(defaultSeccompProfile([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']));
    for (const name of ['unshare', 'mount', 'setns', 'sethostname']) expect(evaluate(admin, nr(name)).verdict, name).toBe('allow');
    expect(evaluate(admin, nr('clone'), [0x10000000]).verdict).toBe('allow');
    const noChroot = compileSeccomp(defaultSeccompProfile(DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_SYS_CHROOT')));
    expect(evaluate(noChroot, nr('chroot')).verdict).toBe(EPERM);
  });

  it('is a search, not a list: every call runs through at most ~20 instructions', () => {
    const steps = Object.values(I386_SYSCALLS).map((n) => evaluate(program, n).steps);
    expect(Math.max(...steps)).toBeLessThanOrEqual(24);
    expect(seccompBytes(program)).toHaveLength(program.length * 8);
  });
});
