import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineError } from '../engine/errors.ts';
import type { AgentClient } from './channel/agent-client.ts';
import { MachineHealthWatch } from './machine-health.ts';
import type { MachineHealth } from '../protocol.ts';

afterEach(() => vi.useRealTimers());

/** An agent whose pings the test answers: `answer` true, `hang` times out as the agent client does. */
function fakeAgent(state: { answer: boolean }) {
  return { ping: ({ timeoutMs }: { timeoutMs: number }) => (state.answer ? Promise.resolve() : new Promise((_, no) => setTimeout(() => no(new EngineError('TIMEOUT', 'ping')), timeoutMs))) } as unknown as AgentClient;
}

describe('MachineHealthWatch', () => {
  it('tells each change once; a ping unanswered for hungAfterMs is hung, an answer ready again; starting and stopped end the pings', async () => {
    vi.useFakeTimers();
    const seen: MachineHealth[] = [];
    const watch = new MachineHealthWatch({ pings: { intervalMs: 100, hungAfterMs: 300 }, onHealth: (h) => seen.push(h) });
    const agent = { answer: true };
    let booted: { agent: AgentClient } | null = { agent: fakeAgent(agent) };
    watch.starting();
    watch.ready(() => booted);
    await vi.advanceTimersByTimeAsync(250);
    expect(watch.state).toBe('ready');
    agent.answer = false;
    await vi.advanceTimersByTimeAsync(450);
    expect(watch.state).toBe('hung');
    agent.answer = true;
    await vi.advanceTimersByTimeAsync(400);
    expect(watch.state).toBe('ready');
    // a guest replaced meanwhile: the old one's late answers are not its health
    agent.answer = false;
    await vi.advanceTimersByTimeAsync(150);
    booted = null;
    watch.starting();
    await vi.advanceTimersByTimeAsync(1000);
    expect(watch.state).toBe('starting');
    watch.stopped();
    expect(seen).toEqual(['starting', 'ready', 'hung', 'ready', 'starting', 'stopped']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('pings: false (the snapshot builder) keeps the state without pinging', async () => {
    vi.useFakeTimers();
    const watch = new MachineHealthWatch({ pings: false });
    watch.ready(() => null);
    expect(watch.state).toBe('ready');
    expect(vi.getTimerCount()).toBe(0);
  });
});
