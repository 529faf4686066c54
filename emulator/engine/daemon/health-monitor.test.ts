import { afterEach, describe, expect, it, vi } from 'vitest';
import { createContainer } from '../containers/container-create.ts';
import { ContainerStore } from '../containers/container-store.ts';
import { MemoryJsonStorage } from '../containers/json-storage.ts';
import { createConfigFor } from '../../../test/unit/engine/run-line.ts';
import { VolumeStore } from '../containers/volume-store.ts';
import { HealthMonitor, type ProbeOutcome } from './health-monitor.ts';

const IMAGE = { id: `sha256:${'a'.repeat(64)}`, name: 'busybox', config: { Cmd: ['sh'], Healthcheck: { Test: ['CMD-SHELL', 'test -f /ok'], Interval: 1e9, Retries: 2 } }, lowerDirs: ['/l'] };

async function setup(probe: (argv: string[]) => Promise<ProbeOutcome>) {
  const containers = await ContainerStore.open(new MemoryJsonStorage(), { now: () => Date.now() });
  const volumes = await VolumeStore.open(new MemoryJsonStorage(), { usedBy: () => [] });
  const calls: string[][] = [];
  let inFlight = 0;
  let most = 0;
  const monitor = new HealthMonitor({
    containers,
    probe: async (_id, argv) => {
      calls.push(argv);
      most = Math.max(most, ++inFlight);
      try {
        return await probe(argv);
      } finally {
        inFlight--;
      }
    },
  });
  const record = await createContainer({ containers, volumes }, await createConfigFor('busybox'), IMAGE);
  const events: string[] = [];
  containers.subscribe((_r, e) => events.push(e));
  return { containers, monitor, record, calls, events, most: () => most };
}

describe('HealthMonitor', () => {
  afterEach(() => vi.useRealTimers());
  it('probes one at a time, turns unhealthy after the retries, stops with the container', async () => {
    vi.useFakeTimers();
    const s = await setup(async () => ({ exitCode: 1, output: new TextEncoder().encode('no /ok\n') }));
    await s.containers.markStarted(s.record.id, 10);
    expect(s.containers.get(s.record.id).state.health?.status).toBe('starting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.containers.get(s.record.id).state.health).toMatchObject({ status: 'starting', failingStreak: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.containers.get(s.record.id).state.health).toMatchObject({ status: 'unhealthy', failingStreak: 2, log: [{ exitCode: 1, output: 'no /ok\n' }, { exitCode: 1 }] });
    expect(s.calls[0]).toEqual(['/bin/sh', '-c', 'test -f /ok']);
    expect(s.events).toContain('health_status: unhealthy');
    await s.containers.markExited(s.record.id, { exitCode: 0 });
    const probes = s.calls.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.calls.length).toBe(probes);
    expect(s.monitor.active).toBe(0);
    expect(s.containers.get(s.record.id).state.health?.status).toBe('unhealthy');
  });
  it('adopt (a checkpoint restore): the probes go on from the health the container had', async () => {
    vi.useFakeTimers();
    const s = await setup(async () => ({ exitCode: 0, output: new Uint8Array() }));
    await s.containers.markStarted(s.record.id, 10);
    s.monitor.dispose();
    await s.containers.setHealth(s.record.id, { status: 'unhealthy', failingStreak: 2, log: [] });
    const next = new HealthMonitor({ containers: s.containers, probe: async () => ({ exitCode: 0, output: new Uint8Array() }) });
    next.adopt(s.containers.get(s.record.id));
    expect(s.containers.get(s.record.id).state.health?.status).toBe('unhealthy');
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.containers.get(s.record.id).state.health).toMatchObject({ status: 'healthy', failingStreak: 0 });
    expect(next.active).toBe(1);
    next.dispose();
  });
  it('a probe slower than the interval delays the next one; a result after the stop is dropped', async () => {
    vi.useFakeTimers();
    const s = await setup(() => new Promise((resolve) => setTimeout(() => resolve({ exitCode: 0, output: new Uint8Array() }), 3000)));
    await s.containers.markStarted(s.record.id, 10);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.most()).toBe(1);
    expect(s.calls.length).toBe(3);
    expect(s.containers.get(s.record.id).state.health?.status).toBe('healthy');
    await vi.advanceTimersByTimeAsync(500);
    await s.containers.markExited(s.record.id, { exitCode: 0 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.containers.get(s.record.id).state.health?.log).toHaveLength(2);
    expect(s.monitor.active).toBe(0);
  });
  it('a timed-out probe is -1 with dockerd\'s words', async () => {
    vi.useFakeTimers();
    const s = await setup(async () => ({ timedOut: true }));
    await s.containers.markStarted(s.record.id, 10);
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.containers.get(s.record.id).state.health?.log[0]).toMatchObject({ exitCode: -1, output: 'Health check exceeded timeout (30s)' });
    s.monitor.dispose();
  });
});
