import { describe, expect, it } from 'vitest';
import { tabKeyTarget } from './tab-keys.ts';

describe('tabKeyTarget', () => {
  it('moves with the arrows (wrapping) and Home/End, and leaves other keys alone', () => {
    const ids = [1, 2, 3];
    expect(tabKeyTarget(ids, 1, 'ArrowRight')).toBe(2);
    expect(tabKeyTarget(ids, 3, 'ArrowRight')).toBe(1);
    expect(tabKeyTarget(ids, 1, 'ArrowLeft')).toBe(3);
    expect(tabKeyTarget(ids, 2, 'Home')).toBe(1);
    expect(tabKeyTarget(ids, 2, 'End')).toBe(3);
    expect(tabKeyTarget(ids, 2, 'Delete')).toBeUndefined();
    expect(tabKeyTarget(ids, 9, 'ArrowRight')).toBeUndefined();
  });
});
