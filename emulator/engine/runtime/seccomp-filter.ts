// runtime-spec linux.seccomp compiled into the classic BPF program seccomp(2) runs on every system call of the
// container's processes (what runc asks libseccomp for). The guest CPU is emulated and the filter runs on every
// system call, so the program is a binary search over the syscall number (~10 instructions a call), not a list.
import { EngineError } from '../errors.ts';
import { I386_SYSCALLS, type SpecSeccomp, type SeccompArg } from '../containers/seccomp-profile.ts';

/** linux/audit.h AUDIT_ARCH_I386: the only architecture the guest kernel runs */
const AUDIT_ARCH_I386 = 0x40000003;
/** linux/seccomp.h return values */
const RET_KILL_PROCESS = 0x80000000;
const RET_ERRNO = 0x00050000;
const RET_ALLOW = 0x7fff0000;

// linux/filter.h opcodes
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JA = 0x05;
const AND_K = 0x54;
const RET_K = 0x06;

/** struct seccomp_data: nr at 0, arch at 4, args[6] (u64 each) from 16; i386 arguments are the low 32 bits */
const OFF_NR = 0;
const OFF_ARCH = 4;
const argOffset = (index: number) => 16 + 8 * index;

export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const ins = (code: number, k = 0, jt = 0, jf = 0): BpfInsn => ({ code, jt, jf, k: k >>> 0 });

function actionValue(action: string, errnoRet: number | undefined, defaultErrno: number): number {
  if (action === 'SCMP_ACT_ALLOW' || action === 'SCMP_ACT_LOG') return RET_ALLOW;
  if (action === 'SCMP_ACT_ERRNO') return RET_ERRNO | ((errnoRet ?? defaultErrno) & 0xffff);
  if (action === 'SCMP_ACT_KILL' || action === 'SCMP_ACT_KILL_PROCESS' || action === 'SCMP_ACT_KILL_THREAD') return RET_KILL_PROCESS;
  throw new EngineError('NOT_IMPLEMENTED', `seccomp action ${action} is not supported`);
}

/** A system call whose rules look at its arguments: tried in order, the first whose conditions all hold decides. */
interface ArgRules {
  rules: { args: SeccompArg[]; ret: number }[];
  otherwise: number;
}

type Plan = number | ArgRules;

/** Per syscall number: a return value, or argument rules. Unconditional entries: the first naming a syscall wins. */
export function planFilter(profile: SpecSeccomp): { plans: Map<number, Plan>; fallback: number } {
  const defaultErrno = profile.defaultErrnoRet ?? 1;
  const fallback = actionValue(profile.defaultAction, undefined, defaultErrno);
  const plain = new Map<number, number>();
  const withArgs = new Map<number, ArgRules['rules']>();
  for (const entry of profile.syscalls) {
    const ret = actionValue(entry.action, entry.errnoRet, defaultErrno);
    for (const name of entry.names) {
      const nr = I386_SYSCALLS[name];
      if (nr === undefined) continue; // not a system call of this architecture, as libseccomp skips it
      if (entry.args?.length) {
        const list = withArgs.get(nr) ?? [];
        list.push({ args: entry.args, ret });
        withArgs.set(nr, list);
      } else if (!plain.has(nr)) plain.set(nr, ret);
    }
  }
  const plans = new Map<number, Plan>(plain);
  for (const [nr, rules] of withArgs) plans.set(nr, { rules, otherwise: plain.get(nr) ?? fallback });
  return { plans, fallback };
}

/** One argument test; `miss` is how far to jump forward (from the next instruction) when it fails. */
function argTest(a: SeccompArg, miss: number): BpfInsn[] {
  const load = ins(LD_W_ABS, argOffset(a.index));
  const value = a.value >>> 0;
  switch (a.op) {
    case 'SCMP_CMP_EQ':
      return [load, ins(JEQ_K, value, 0, miss)];
    case 'SCMP_CMP_NE':
      return [load, ins(JEQ_K, value, miss, 0)];
    case 'SCMP_CMP_MASKED_EQ':
      return [load, ins(AND_K, value), ins(JEQ_K, (a.valueTwo ?? 0) >>> 0, 0, miss)];
    default:
      throw new EngineError('NOT_IMPLEMENTED', `seccomp argument comparison ${a.op} is not supported`);
  }
}

function argBlock(plan: ArgRules): BpfInsn[] {
  const out: BpfInsn[] = [];
  for (const rule of plan.rules) {
    // the rule's tests, then its return; a failed test skips to the next rule
    const sizes = rule.args.map((a) => argTest(a, 0).length);
    const total = sizes.reduce((s, n) => s + n, 0) + 1;
    let done = 0;
    for (const [i, a] of rule.args.entries()) {
      done += sizes[i]!;
      out.push(...argTest(a, total - done));
    }
    out.push(ins(RET_K, rule.ret));
  }
  out.push(ins(RET_K, plan.otherwise));
  return out;
}

/** Runs of syscall numbers with the same plan, over 0..max (numbers no entry names get the default action). */
function ranges(plans: Map<number, Plan>, fallback: number): { from: number; plan: Plan }[] {
  const max = Math.max(...Object.values(I386_SYSCALLS)) + 1;
  const out: { from: number; plan: Plan }[] = [];
  for (let nr = 0; nr <= max; nr++) {
    const plan = plans.get(nr) ?? fallback;
    const last = out.at(-1);
    if (typeof plan === 'number' && last && last.plan === plan) continue;
    out.push({ from: nr, plan });
  }
  return out;
}

/**
 * A binary search over the runs, the number in the accumulator: each node is `jge` (into the upper half via `ja`,
 * which has a 32-bit offset where jge's are 8-bit). An argument block reloads the accumulator, but only at a leaf.
 */
function searchTree(runs: { from: number; plan: Plan }[]): BpfInsn[] {
  if (runs.length === 1) {
    const plan = runs[0]!.plan;
    return typeof plan === 'number' ? [ins(RET_K, plan)] : argBlock(plan);
  }
  const mid = runs.length >> 1;
  const lower = searchTree(runs.slice(0, mid));
  const upper = searchTree(runs.slice(mid));
  // nr >= pivot: fall through to the `ja` over the lower half; else skip it
  return [ins(JGE_K, runs[mid]!.from, 0, 1), ins(JA, lower.length), ...lower, ...upper];
}

/** The whole program: the architecture check, then the search (argument rules at their syscall's leaf). */
export function compileSeccomp(profile: SpecSeccomp): BpfInsn[] {
  const { plans, fallback } = planFilter(profile);
  return [ins(LD_W_ABS, OFF_ARCH), ins(JEQ_K, AUDIT_ARCH_I386, 1, 0), ins(RET_K, RET_KILL_PROCESS), ins(LD_W_ABS, OFF_NR), ...searchTree(ranges(plans, fallback))];
}

/** struct sock_filter as drydock-init's exec word `seccomp=` takes it: code u16, jt, jf, k u32, little-endian. */
export function seccompBytes(program: readonly BpfInsn[]): Uint8Array {
  if (program.length > 4096) throw new EngineError('INVALID_ARGUMENT', `a seccomp program of ${program.length} instructions exceeds the kernel's 4096`);
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach((p, n) => {
    view.setUint16(n * 8, p.code, true);
    view.setUint8(n * 8 + 2, p.jt);
    view.setUint8(n * 8 + 3, p.jf);
    view.setUint32(n * 8 + 4, p.k, true);
  });
  return bytes;
}

/** What the program returns for a call ('allow', an errno, or 'kill') and how many instructions it ran: a small
 * interpreter of the opcodes above, for tests and the cost figures in the README. */
export function evaluate(program: readonly BpfInsn[], nr: number, args: number[] = []): { verdict: 'allow' | 'kill' | number; steps: number } {
  let pc = 0;
  let a = 0;
  for (let steps = 1; ; steps++) {
    const i = program[pc]!;
    switch (i.code) {
      case LD_W_ABS:
        a = i.k === OFF_NR ? nr : i.k === OFF_ARCH ? AUDIT_ARCH_I386 : (args[(i.k - 16) / 8] ?? 0) >>> 0;
        pc++;
        break;
      case AND_K:
        a = (a & i.k) >>> 0;
        pc++;
        break;
      case JEQ_K:
        pc += 1 + (a === i.k ? i.jt : i.jf);
        break;
      case JGE_K:
        pc += 1 + (a >= i.k ? i.jt : i.jf);
        break;
      case JA:
        pc += 1 + i.k;
        break;
      case RET_K:
        return { verdict: i.k === RET_ALLOW ? 'allow' : i.k === RET_KILL_PROCESS ? 'kill' : i.k & 0xffff, steps };
      default:
        throw new Error(`opcode ${i.code} at ${pc}`);
    }
  }
}
