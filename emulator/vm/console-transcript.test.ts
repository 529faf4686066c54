import { describe, expect, it } from 'vitest';
import { EngineError } from '../engine/errors.ts';
import { ConsoleTranscript } from './console-transcript.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('ConsoleTranscript', () => {
  it('keeps text since a mark, and marks stay right when the oldest half is dropped', () => {
    const t = new ConsoleTranscript(16);
    t.push(bytes('0123456789'));
    const mark = t.mark();
    t.push(bytes('abcdefghij'));
    expect(mark).toBe(10);
    expect(t.mark()).toBe(20);
    // 20 > 16: all but the last 8 characters dropped; a mark still names the same place
    expect(t.text()).toBe('cdefghij');
    expect(t.text(mark)).toBe('cdefghij');
    expect(t.text(mark + 5)).toBe('fghij');
  });

  it('decodes Latin-1, one character per byte', () => {
    const t = new ConsoleTranscript();
    t.push(Uint8Array.of(0x41, 0xe9, 0x1b));
    expect(t.text()).toBe('A\u00e9\u001b');
  });

  it('waitFor resolves once the text since the mark matches, and only text after the mark counts', async () => {
    const t = new ConsoleTranscript();
    t.push(bytes('old # '));
    const waiting = t.waitFor(/# $/, { timeoutMs: 1000 });
    t.push(bytes('ls\n'));
    t.push(bytes('bin etc\n/ # '));
    await expect(waiting).resolves.toBe('ls\nbin etc\n/ # ');
  });

  it('waitFor times out with what the console showed', async () => {
    const t = new ConsoleTranscript();
    const waiting = t.waitFor(/never/, { timeoutMs: 10 });
    t.push(bytes('something else'));
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('TIMEOUT');
    expect((error as Error).message).toContain('"something else"');
  });
});
