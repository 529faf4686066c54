// A container's device policy (runtime-spec linux.resources.devices) compiled into the eBPF program cgroup v2 uses
// instead of devices.allow: BPF_PROG_TYPE_CGROUP_DEVICE, run by the kernel on every open(2) and mknod(2) of a device
// node by a process of the cgroup; 1 lets it through, 0 makes it EPERM. drydock-init loads and attaches the bytes.
import type { SpecDeviceCgroup } from '../containers/runtime-spec.ts';

/**
 * What runc allows every container whatever its spec says (libcontainer/specconv AllowedDevices): mknod of any node,
 * and the nodes of the default /dev (runtime-spec config-linux.md "Default Devices"), the console, ptmx and the pts.
 */
export const RUNTIME_ALLOWED_DEVICES: readonly SpecDeviceCgroup[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: true, type: 'c', major: 136, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
];

/** Names for the rules a learner reads in trace.sh. */
const KNOWN: Record<string, string> = {
  'c 1:3': '/dev/null', 'c 1:5': '/dev/zero', 'c 1:7': '/dev/full', 'c 1:8': '/dev/random', 'c 1:9': '/dev/urandom',
  'c 5:0': '/dev/tty', 'c 5:1': '/dev/console', 'c 5:2': '/dev/ptmx', 'c 136:*': '/dev/pts/*', 'c 10:229': '/dev/fuse',
  'c 4:64': '/dev/ttyS0', 'c 4:65': '/dev/ttyS1', 'c 1:11': '/dev/kmsg', 'c 1:1': '/dev/mem', 'c 10:200': '/dev/net/tun',
};

/** A rule as `devices.allow` wrote it in cgroup v1: `c 1:3 rwm`, `a *:* rwm`. */
export function ruleText(r: SpecDeviceCgroup): string {
  const node = `${r.type ?? 'a'} ${r.major ?? '*'}:${r.minor ?? '*'}`;
  const name = KNOWN[node];
  return `${r.allow ? 'allow' : 'deny'} ${node} ${r.access ?? 'rwm'}${name ? ` (${name})` : ''}`;
}

/** The rules in force: the spec's, then the runtime's own, as runc appends them. Later rules win. */
export function effectiveDeviceRules(spec: readonly SpecDeviceCgroup[] | undefined): SpecDeviceCgroup[] {
  return [...(spec ?? []), ...RUNTIME_ALLOWED_DEVICES];
}

/** True when the rules let everything through (`--privileged`: `allow a *:* rwm`, no deny after it): no program needed. */
export function allowsEverything(rules: readonly SpecDeviceCgroup[]): boolean {
  let all = false;
  for (const r of rules) {
    const wild = (r.type ?? 'a') === 'a' && (r.major ?? -1) < 0 && (r.minor ?? -1) < 0 && accessBits(r.access) === 7;
    if (wild) all = r.allow;
    else if (!r.allow) all = false;
  }
  return all;
}

function accessBits(access: string | undefined): number {
  const a = access ?? 'rwm';
  // linux/bpf.h BPF_DEVCG_ACC_MKNOD 1, _READ 2, _WRITE 4
  return (a.includes('m') ? 1 : 0) | (a.includes('r') ? 2 : 0) | (a.includes('w') ? 4 : 0);
}

/** One eBPF instruction: opcode, dst and src registers, 16-bit offset, 32-bit immediate (linux/bpf.h struct bpf_insn). */
interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const LDX_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const AND_K = 0x57; // BPF_ALU64 | BPF_AND | BPF_K
const RSH_K = 0x77; // BPF_ALU64 | BPF_RSH | BPF_K
const MOV_X = 0xbf; // BPF_ALU64 | BPF_MOV | BPF_X
const MOV_K = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K
const JNE_K = 0x55; // BPF_JMP | BPF_JNE | BPF_K
const EXIT = 0x95; // BPF_JMP | BPF_EXIT

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

/**
 * The program, in the shape runc's devicefilter writes: load the request (struct bpf_cgroup_dev_ctx: access_type is
 * access << 16 | type, then major, minor) into r2..r5, then one block per rule from the last to the first (the last
 * matching rule decides), each falling through to the next when a field differs; nothing matched: deny.
 */
export function compileDeviceFilter(rules: readonly SpecDeviceCgroup[]): Insn[] {
  const out: Insn[] = [
    insn(LDX_W, 2, 1, 0, 0), // r2 = ctx->access_type
    insn(AND_K, 2, 0, 0, 0xffff), // r2 = the node's type: BPF_DEVCG_DEV_BLOCK 1, _CHAR 2
    insn(LDX_W, 3, 1, 0, 0),
    insn(RSH_K, 3, 0, 0, 16), // r3 = the access asked for
    insn(LDX_W, 4, 1, 4, 0), // r4 = major
    insn(LDX_W, 5, 1, 8, 0), // r5 = minor
  ];
  for (const rule of [...rules].reverse()) {
    const block: Insn[] = [];
    // each test jumps past the rest of the block (filled in below) when the request is not this rule's
    const tests: number[] = [];
    if (rule.type === 'b' || rule.type === 'c') {
      tests.push(block.length);
      block.push(insn(JNE_K, 2, 0, 0, rule.type === 'b' ? 1 : 2));
    }
    const bits = accessBits(rule.access);
    if (bits !== 7) {
      block.push(insn(MOV_X, 1, 3, 0, 0), insn(AND_K, 1, 0, 0, ~bits));
      tests.push(block.length);
      block.push(insn(JNE_K, 1, 0, 0, 0)); // asks for more than the rule names
    }
    if (rule.major !== undefined && rule.major >= 0) {
      tests.push(block.length);
      block.push(insn(JNE_K, 4, 0, 0, rule.major));
    }
    if (rule.minor !== undefined && rule.minor >= 0) {
      tests.push(block.length);
      block.push(insn(JNE_K, 5, 0, 0, rule.minor));
    }
    block.push(insn(MOV_K, 0, 0, 0, rule.allow ? 1 : 0), insn(EXIT, 0, 0, 0, 0));
    for (const t of tests) block[t]!.off = block.length - t - 1;
    out.push(...block);
    // a rule that matches everything decides for all: the verifier refuses unreachable instructions after it
    if (tests.length === 0) return out;
  }
  out.push(insn(MOV_K, 0, 0, 0, 0), insn(EXIT, 0, 0, 0, 0));
  return out;
}

/** The instructions as drydock-init's `cgroup-devices` step takes them: 8 bytes each, little-endian. */
export function deviceFilterBytes(program: readonly Insn[]): Uint8Array {
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach((i, n) => {
    view.setUint8(n * 8, i.code);
    view.setUint8(n * 8 + 1, ((i.src & 0xf) << 4) | (i.dst & 0xf));
    view.setInt16(n * 8 + 2, i.off, true);
    view.setInt32(n * 8 + 4, i.imm | 0, true);
  });
  return bytes;
}
