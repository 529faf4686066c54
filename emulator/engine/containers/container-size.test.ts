import { describe, expect, it } from 'vitest';
import { parseUpperSize, upperSizeScript } from './container-size.ts';

describe('SizeRw of an upper dir', () => {
  it('sums every non-directory entry once, a hard-linked inode once', () => {
    expect(parseUpperSize('11 1 6\n12 2 100\n13 1 0\n12 2 100\n14 1 11\n')).toBe(117);
    expect(parseUpperSize('')).toBe(0);
  });

  it('lists the upper dir without shell word splitting of its path', () => {
    expect(upperSizeScript('/var/lib/drydock/containers/a b/upper')).toContain(`cd '/var/lib/drydock/containers/a b/upper'`);
  });
});
