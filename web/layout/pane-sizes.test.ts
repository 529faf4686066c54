import { describe, expect, it } from 'vitest';
import { BIG_STEP, clampSize, loadSizes, saveSize, sizeForKey, STEP } from './pane-sizes.ts';

function memoryStorage(entries: Record<string, string> = {}): Pick<Storage, 'getItem' | 'setItem'> & { map: Map<string, string> } {
  const map = new Map(Object.entries(entries));
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe('pane sizes', () => {
  it('clamps to the range, rounding, and prefers the minimum when the range is empty', () => {
    expect(clampSize(100.4, 200, 500)).toBe(200);
    expect(clampSize(321.6, 200, 500)).toBe(322);
    expect(clampSize(900, 200, 500)).toBe(500);
    expect(clampSize(300, 200, 150)).toBe(200);
  });

  it('moves a divider on the pane\'s left edge: left grows the pane, right shrinks it, Shift for bigger steps, Home/End', () => {
    expect(sizeForKey('ArrowLeft', false, 300, 200, 500, 'start')).toBe(300 + STEP);
    expect(sizeForKey('ArrowRight', false, 300, 200, 500, 'start')).toBe(300 - STEP);
    expect(sizeForKey('ArrowLeft', true, 300, 200, 500, 'start')).toBe(300 + BIG_STEP);
    expect(sizeForKey('ArrowRight', true, 210, 200, 500, 'start')).toBe(200);
    expect(sizeForKey('Home', false, 300, 200, 500, 'start')).toBe(200);
    expect(sizeForKey('End', false, 300, 200, 500, 'start')).toBe(500);
    expect(sizeForKey('Enter', false, 300, 200, 500, 'start')).toBeUndefined();
  });

  it('moves a divider on the pane\'s right edge the other way round', () => {
    expect(sizeForKey('ArrowRight', false, 300, 200, 500, 'end')).toBe(300 + STEP);
    expect(sizeForKey('ArrowLeft', false, 300, 200, 500, 'end')).toBe(300 - STEP);
    expect(sizeForKey('ArrowUp', false, 300, 200, 500, 'end')).toBeUndefined();
  });

  it('remembers each divider under its own key and skips what it cannot read', () => {
    const storage = memoryStorage({ 'drydock.layout.inspect': 'wide', 'drydock.layout.preview': '-3' });
    saveSize(storage, 'course', 301.7);
    saveSize(storage, 'editor', 512);
    expect(storage.map.get('drydock.layout.course')).toBe('302');
    expect(loadSizes(storage)).toEqual({ course: 302, editor: 512 });
    expect(loadSizes(undefined)).toEqual({});
  });

  it('keeps working when storage refuses', () => {
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => saveSize(refusing, 'course', 300)).not.toThrow();
    expect(loadSizes(refusing)).toEqual({});
  });
});
