import { describe, expect, it } from 'vitest';
import { MemoryJsonStorage } from './json-storage.ts';
import { formatLogLine, LogStore, type LogEntry } from './log-store.ts';

const T0 = Date.UTC(2026, 10, 25, 15, 0, 0);

describe('LogStore', () => {
  it('cuts output into lines per stream, keeps partial lines until their end', () => {
    const clock = { now: T0 };
    const logs = new LogStore({ now: () => clock.now });
    logs.append('c1', 'stdout', 'hello\nwor');
    logs.append('c1', 'stderr', new TextEncoder().encode('oops\n'));
    clock.now += 1500;
    logs.append('c1', 'stdout', new TextEncoder().encode('ld\nlast'));
    expect(logs.read('c1').map((e) => e.line)).toEqual(['hello\n', 'oops\n', 'world\n']);
    logs.close('c1');
    expect(logs.read('c1').map((e) => e.line)).toEqual(['hello\n', 'oops\n', 'world\n', 'last']);
    expect(logs.read('c1', { stderr: false }).map((e) => e.line)).toEqual(['hello\n', 'world\n', 'last']);
    expect(logs.read('c1', { tail: 2 }).map((e) => e.line)).toEqual(['world\n', 'last']);
    expect(logs.read('c1', { tail: 0 })).toEqual([]);
    expect(logs.read('c1', { since: T0 + 1000 }).map((e) => e.line)).toEqual(['world\n', 'last']);
    expect(logs.read('nope')).toEqual([]);
  });

  it('UTF-8 split across chunks', () => {
    const logs = new LogStore();
    const bytes = new TextEncoder().encode('é\n');
    logs.append('c', 'stdout', bytes.slice(0, 1));
    logs.append('c', 'stdout', bytes.slice(1));
    expect(logs.read('c')[0]?.line).toBe('é\n');
  });

  it('-t prefixes RFC3339Nano with nine digits', () => {
    const entry: LogEntry = { stream: 'stdout', time: T0 + 123, line: 'hi\n' };
    expect(formatLogLine(entry, true)).toBe('2026-11-25T15:00:00.123000000Z hi\n');
    expect(formatLogLine(entry, false)).toBe('hi\n');
  });

  it('follow: backlog, then live lines, ends when the container stops; the disposer detaches', () => {
    const logs = new LogStore();
    logs.append('c', 'stdout', 'one\ntwo\n');
    const seen: string[] = [];
    let ended = false;
    const dispose = logs.follow('c', { entry: (e) => seen.push(e.line), end: () => (ended = true) }, { running: true, tail: 1 });
    logs.append('c', 'stdout', 'three\n');
    logs.append('c', 'stderr', 'err\n');
    expect(seen).toEqual(['two\n', 'three\n', 'err\n']);
    logs.close('c');
    expect(ended).toBe(true);

    const other: string[] = [];
    logs.append('d', 'stdout', 'a\n');
    const stop = logs.follow('d', { entry: (e) => other.push(e.line), end: () => {} }, { running: true });
    stop();
    logs.append('d', 'stdout', 'b\n');
    expect(other).toEqual(['a\n']);
    dispose();
  });

  it('follow of a stopped container ends after the backlog', () => {
    const logs = new LogStore();
    logs.append('c', 'stdout', 'x\n');
    let ended = false;
    const seen: string[] = [];
    logs.follow('c', { entry: (e) => seen.push(e.line), end: () => (ended = true) }, { running: false });
    expect(seen).toEqual(['x\n']);
    expect(ended).toBe(true);
  });

  it('drops the oldest lines past the size limit', () => {
    const logs = new LogStore({ limitBytes: 10 });
    logs.append('c', 'stdout', 'aaaa\nbbbb\ncccc\n');
    expect(logs.read('c').map((e) => e.line)).toEqual(['bbbb\n', 'cccc\n']);
  });

  it('persists on close and loads again', async () => {
    const storage = new MemoryJsonStorage();
    const logs = await LogStore.open(storage, { now: () => T0 });
    logs.append('c', 'stdout', 'saved\n');
    logs.close('c');
    await logs.flush();
    const again = await LogStore.open(storage);
    expect(again.read('c')).toEqual([{ stream: 'stdout', time: T0, line: 'saved\n' }]);
  });
});
