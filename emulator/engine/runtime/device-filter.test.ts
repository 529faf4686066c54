import { describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_RULES } from '../containers/spec.ts';
import { allowsEverything, compileDeviceFilter, deviceFilterBytes, effectiveDeviceRules } from './device-filter.ts';

/** The kernel's view of the program for the opcodes it uses: r1 is the request (struct bpf_cgroup_dev_ctx). */
function run(program: ReturnType<typeof compileDeviceFilter>, type: 'b' | 'c', access: 'm' | 'r' | 'w' | 'rw', major: number, minor: number): boolean {
  const ctx = [(((access.includes('m') ? 1 : 0) | (access.includes('r') ? 2 : 0) | (access.includes('w') ? 4 : 0)) << 16) | (type === 'b' ? 1 : 2), major, minor];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0; pc < program.length; ) {
    const i = program[pc]!;
    pc++;
    switch (i.code) {
      case 0x61: r[i.dst] = ctx[i.off / 4]!; break;
      case 0x57: r[i.dst] = (r[i.dst]! & i.imm) >>> 0; break;
      case 0x77: r[i.dst] = r[i.dst]! >>> i.imm; break;
      case 0xbf: r[i.dst] = r[i.src]!; break;
      case 0xb7: r[i.dst] = i.imm; break;
      case 0x55: if (r[i.dst] !== i.imm) pc += i.off; break;
      case 0x95: return r[0] === 1;
      default: throw new Error(`opcode ${i.code}`);
    }
  }
  throw new Error('fell off the end');
}

describe('device program', () => {
  const program = compileDeviceFilter(effectiveDeviceRules(DEFAULT_DEVICE_RULES));

  it('a default container may mknod anything but open only the default nodes', () => {
    expect(run(program, 'c', 'm', 4, 65)).toBe(true);
    expect(run(program, 'b', 'm', 8, 0)).toBe(true);
    for (const [major, minor] of [[4, 65], [4, 64], [1, 11], [1, 1], [10, 229], [8, 0]] as const) {
      expect(run(program, 'c', 'r', major, minor), `c ${major}:${minor}`).toBe(false);
      expect(run(program, 'c', 'rw', major, minor), `c ${major}:${minor}`).toBe(false);
    }
    for (const [major, minor] of [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 1], [5, 2], [136, 0], [136, 7]] as const) {
      expect(run(program, 'c', 'rw', major, minor), `c ${major}:${minor}`).toBe(true);
    }
    expect(run(program, 'b', 'r', 1, 3)).toBe(false);
  });

  it('--device adds its node; a later deny wins over an earlier allow', () => {
    const withTty = compileDeviceFilter(effectiveDeviceRules([...DEFAULT_DEVICE_RULES, { allow: true, type: 'c', major: 4, minor: 65, access: 'rw' }]));
    expect(run(withTty, 'c', 'rw', 4, 65)).toBe(true);
    expect(run(withTty, 'c', 'rw', 4, 64)).toBe(false);
    const denied = compileDeviceFilter([{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }]);
    expect(run(denied, 'c', 'r', 1, 3)).toBe(true);
    expect(run(denied, 'c', 'w', 1, 3)).toBe(false);
  });

  it('has no unreachable instruction (the verifier refuses them) and encodes 8 bytes each', () => {
    expect(program.at(-1)!.code).toBe(0x95);
    const bytes = deviceFilterBytes(program);
    expect(bytes).toHaveLength(program.length * 8);
    expect([...bytes.slice(0, 8)]).toEqual([0x61, 0x12, 0, 0, 0, 0, 0, 0]); // r2 = *(u32 *)(r1 + 0)
  });

  it('--privileged needs no program', () => {
    expect(allowsEverything(effectiveDeviceRules([{ allow: true, access: 'rwm' }]))).toBe(true);
    expect(allowsEverything(effectiveDeviceRules(DEFAULT_DEVICE_RULES))).toBe(false);
  });
});
