import { describe, expect, it } from 'vitest';
import { RestartManager } from './restart-manager.ts';
import { initialState } from './container-state.ts';
import type { ContainerRecord } from './container-store.ts';

type R = Pick<ContainerRecord, 'hostConfig' | 'restartCount' | 'state' | 'manuallyStopped'>;
const record = (name: string, max = 0, extra: Partial<R> = {}): R => ({
  hostConfig: { RestartPolicy: { Name: name, MaximumRetryCount: max } } as ContainerRecord['hostConfig'],
  restartCount: 0,
  state: { ...initialState(), status: 'running', startedAt: 1000 },
  ...extra,
});

describe('RestartManager (dockerd restartmanager rules)', () => {
  it('no never restarts; always does, with a 100 ms backoff doubling', () => {
    expect(new RestartManager().shouldRestart(record('no'), 1, 1100)).toBeUndefined();
    const m = new RestartManager();
    const r = record('always');
    expect([1, 2, 3, 4].map(() => m.shouldRestart(r, 0, 1100))).toEqual([100, 200, 400, 800]);
  });

  it('the backoff is back at 100 ms after a run of 10 s, and stops at a minute', () => {
    const m = new RestartManager();
    const r = record('always');
    for (let i = 0; i < 20; i++) m.shouldRestart(r, 1, 1100);
    expect(m.timeoutMs).toBe(60_000);
    expect(m.shouldRestart(r, 1, 1000 + 10_000)).toBe(100);
  });

  it('on-failure: only non-zero exits, up to the maximum count', () => {
    const m = new RestartManager();
    expect(m.shouldRestart(record('on-failure', 2), 0, 1100)).toBeUndefined();
    expect(m.shouldRestart(record('on-failure', 2, { restartCount: 1 }), 3, 1100)).toBeDefined();
    expect(m.shouldRestart(record('on-failure', 2, { restartCount: 2 }), 3, 1100)).toBeUndefined();
    expect(m.shouldRestart(record('on-failure', 0, { restartCount: 50 }), 3, 1100)).toBeDefined();
  });

  it('unless-stopped stays down after a manual stop; a cancelled manager restarts nothing', () => {
    expect(new RestartManager().shouldRestart(record('unless-stopped', 0, { manuallyStopped: true }), 1, 1100)).toBeUndefined();
    expect(new RestartManager().shouldRestart(record('unless-stopped'), 1, 1100)).toBe(100);
    const m = new RestartManager();
    m.cancel();
    expect(m.shouldRestart(record('always'), 1, 1100)).toBeUndefined();
  });
});
