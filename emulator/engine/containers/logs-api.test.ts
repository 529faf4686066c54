import { describe, expect, it } from 'vitest';
import { encodeLogEntry, parseLogsQuery, parseLogTime, stdcopyFrame } from './logs-api.ts';

const NOW = Date.UTC(2026, 10, 25, 16, 0, 0);

describe('logs API', () => {
  it('query', () => {
    expect(parseLogsQuery(new URLSearchParams('stdout=1&stderr=1&tail=10&timestamps=1&follow=1'), NOW)).toEqual({ stdout: true, stderr: true, tail: 10, timestamps: true, follow: true });
    expect(parseLogsQuery(new URLSearchParams('stdout=true&tail=all'), NOW)).toEqual({ stdout: true, stderr: false, timestamps: false, follow: false });
    expect(() => parseLogsQuery(new URLSearchParams(''), NOW)).toThrow('Bad parameters: you must choose at least one stream');
    expect(() => parseLogsQuery(new URLSearchParams('stdout=1&tail=x'), NOW)).toThrow('invalid value for "tail": "x"');
  });
  it('since/until: seconds, RFC 3339, durations', () => {
    expect(parseLogTime('1795622400.5', NOW)).toBe(1795622400500);
    expect(parseLogTime('2026-11-25T15:00:00Z', NOW)).toBe(Date.UTC(2026, 10, 25, 15));
    expect(parseLogTime('10m', NOW)).toBe(NOW - 600_000);
    expect(parseLogTime('1h30m', NOW)).toBe(NOW - 5_400_000);
    expect(parseLogTime('250ms', NOW)).toBe(NOW - 250);
    expect(() => parseLogTime('soon', NOW)).toThrow('failed to parse value as time or duration');
  });
  it('stdcopy frames without a tty, raw bytes with one', () => {
    expect([...stdcopyFrame('stderr', new Uint8Array([104, 105]))]).toEqual([2, 0, 0, 0, 0, 0, 0, 2, 104, 105]);
    const entry = { stream: 'stdout' as const, time: NOW, line: 'hi\n' };
    expect([...encodeLogEntry(entry, { tty: false, timestamps: false })]).toEqual([1, 0, 0, 0, 0, 0, 0, 3, 104, 105, 10]);
    expect(new TextDecoder().decode(encodeLogEntry(entry, { tty: true, timestamps: true }))).toBe('2026-11-25T16:00:00.000000000Z hi\n');
  });
});

describe('demultiplexing', () => {
  it('demultiplex is the inverse of the frames', async () => {
    const { demultiplex } = await import('./logs-api.ts');
    const a = stdcopyFrame('stdout', new TextEncoder().encode('out\n'));
    const b = stdcopyFrame('stderr', new TextEncoder().encode('err\n'));
    const both = new Uint8Array([...a, ...b]);
    expect(demultiplex(both).map((f) => [f.stream, new TextDecoder().decode(f.data)])).toEqual([['stdout', 'out\n'], ['stderr', 'err\n']]);
  });
});
