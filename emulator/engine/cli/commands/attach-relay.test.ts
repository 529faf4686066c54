import { describe, expect, it } from 'vitest';
import { OutputRelay } from './attach-relay.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('OutputRelay', () => {
  it('hands out output in order, waits for more, and ends once drained', async () => {
    const relay = new OutputRelay();
    const signal = new AbortController().signal;
    relay.push({ stream: 'stdout', data: bytes('a') });
    expect((await relay.next(signal))?.data).toEqual(bytes('a'));
    const waiting = relay.next(signal);
    relay.push({ stream: 'stderr', data: bytes('b') });
    expect(await waiting).toEqual({ stream: 'stderr', data: bytes('b') });
    relay.push({ stream: 'stdout', data: bytes('c') });
    relay.end();
    expect((await relay.next(signal))?.data).toEqual(bytes('c'));
    expect(await relay.next(signal)).toBeUndefined();
  });

  it('keeps what a relay that died (^C) did not print for the next one', async () => {
    const relay = new OutputRelay();
    const first = new AbortController();
    const waiting = relay.next(first.signal);
    first.abort();
    expect(await waiting).toBeUndefined();
    relay.push({ stream: 'stdout', data: bytes('x') });
    const chunk = await relay.next(new AbortController().signal);
    relay.unshift(chunk!);
    expect(relay.drain()).toEqual([{ stream: 'stdout', data: bytes('x') }]);
  });
});
