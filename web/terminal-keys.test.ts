import { describe, expect, it } from 'vitest';
import { ESCAPE_TAB_MS, leavesTerminal } from './terminal-keys.ts';

const key = (k: string, extra: Partial<KeyboardEvent> = {}) => ({ type: 'keydown', key: k, ctrlKey: false, altKey: false, metaKey: false, shiftKey: false, ...extra }) as KeyboardEvent;

describe('leavesTerminal', () => {
  it('lets Tab and Shift+Tab leave the terminal soon after Escape', () => {
    expect(leavesTerminal(key('Tab'), 1000, 1000 + 300)).toBe(true);
    expect(leavesTerminal(key('Tab', { shiftKey: true }), 1000, 1000 + ESCAPE_TAB_MS)).toBe(true);
  });

  it("keeps Tab for the shell's completion otherwise", () => {
    expect(leavesTerminal(key('Tab'), null, 5000)).toBe(false);
    expect(leavesTerminal(key('Tab'), 1000, 1000 + ESCAPE_TAB_MS + 1)).toBe(false);
    expect(leavesTerminal(key('Tab', { ctrlKey: true }), 1000, 1100)).toBe(false);
    expect(leavesTerminal({ ...key('Tab'), type: 'keyup' } as KeyboardEvent, 1000, 1100)).toBe(false);
    expect(leavesTerminal(key('a'), 1000, 1100)).toBe(false);
  });
});
