import { afterEach, describe, expect, it } from 'vitest';
import type { GuestTcpConnection } from '../guest-network.ts';
import { GuestForwards } from './guest-forwards.ts';
import { CONNECTIONS_PER_PORT } from './port-slots.ts';

/** A connection the guest never answers (its SYN stays unanswered), counting aborts. */
function silentConnection(aborted: { n: number }): GuestTcpConnection {
  return { state: 'syn-sent', on: () => undefined, write: () => undefined, close: () => undefined, pause: () => undefined, resume: () => undefined, abort: () => void aborted.n++ };
}

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

/** The page's side of a response port: the messages it got. */
function responsePort(): { port: MessagePort; got: unknown[] } {
  const channel = new MessageChannel();
  channels.push(channel);
  const got: unknown[] = [];
  channel.port1.onmessage = (e: MessageEvent) => got.push(e.data);
  return { port: channel.port2, got };
}

describe('GuestForwards', () => {
  it('abortAll ends the running exchanges with NO_MACHINE, once each, and drops the waiting ones', async () => {
    const forwards = new GuestForwards();
    const aborted = { n: 0 };
    let connectors = 0;
    const pages = Array.from({ length: CONNECTIONS_PER_PORT + 1 }, () => responsePort());
    for (const page of pages) {
      forwards.run({ port: 8080, method: 'GET', target: '/', headers: [] }, page.port, () => (connectors++, () => silentConnection(aborted)));
    }
    expect(connectors).toBe(CONNECTIONS_PER_PORT); // the last waits for a slot
    forwards.abortAll('the machine restarted while this request was under way');
    forwards.abortAll('a second teardown finds nothing left');
    await expect.poll(() => pages.slice(0, CONNECTIONS_PER_PORT).every((p) => p.got.length > 0)).toBe(true);
    for (const page of pages.slice(0, CONNECTIONS_PER_PORT)) {
      expect(page.got).toEqual([expect.objectContaining({ type: 'error', code: 'NO_MACHINE', message: 'the machine restarted while this request was under way' })]);
    }
    expect(aborted.n).toBe(CONNECTIONS_PER_PORT);
    // the slots were freed (microtasks, before the page's messages arrived) and started nothing: what waited was dropped
    expect(connectors).toBe(CONNECTIONS_PER_PORT);
    expect(pages.at(-1)!.got).toEqual([]);
  });
});
