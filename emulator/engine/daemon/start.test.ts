// The daemon's start and its monitor (start.ts, monitor.ts) against a fake guest: a run's exit recorded, the
// restart policy applied with its backoff and its limit, `--rm` removing the container.
import { afterEach, describe, expect, it } from 'vitest';
import { daemonFixture, type DaemonFixture } from '../../../test/unit/engine/daemon-fixture.ts';
import { fakeContainerGuest } from '../../../test/unit/engine/fake-container-guest.ts';

let fx: DaemonFixture;
afterEach(() => fx?.dispose());

describe('start and exit', () => {
  it('a detached run is started with PID 1 as State.Pid, its output logged, and its exit recorded as exited', async () => {
    fx = await daemonFixture();
    const guest = fakeContainerGuest();
    const daemon = fx.daemon(() => guest);
    const record = await fx.create('-d', '--name', 'one', 'busybox', 'sh', '-c', 'exit 3');
    expect(await daemon.start(record.id)).toBe(true);
    expect(guest.runs).toHaveLength(1);
    expect(fx.containers.get('one').state).toMatchObject({ status: 'running', pid: 42 });
    // already running: 304 in the API
    expect(await daemon.start(record.id)).toBe(false);
    guest.runs[0]!.print('bye\n');
    guest.runs[0]!.exit({ exitCode: 3 });
    await expect.poll(() => fx.containers.get('one').state.status).toBe('exited');
    expect(fx.containers.get('one').state.exitCode).toBe(3);
    expect(fx.logs.read(record.id).map((e) => e.line)).toEqual(['bye\n']);
  });

  it('a process killed by a signal exits 128 + the signal', async () => {
    fx = await daemonFixture();
    const guest = fakeContainerGuest();
    const daemon = fx.daemon(() => guest);
    const record = await fx.create('-d', 'busybox', 'sleep', '600');
    await daemon.start(record.id);
    guest.runs[0]!.exit({ exitCode: 15, signal: 15 });
    await expect.poll(() => fx.containers.get(record.id).state.status).toBe('exited');
    expect(fx.containers.get(record.id).state.exitCode).toBe(143);
  });

  it('--rm: the record is removed at the exit', async () => {
    fx = await daemonFixture();
    const guest = fakeContainerGuest();
    const daemon = fx.daemon(() => guest);
    const record = await fx.create('-d', '--rm', 'busybox', 'true');
    await daemon.start(record.id);
    guest.runs[0]!.exit({ exitCode: 0 });
    await expect.poll(() => fx.containers.find(record.id)).toBeUndefined();
  });

  it('a paused container is not started: unpause it', async () => {
    fx = await daemonFixture();
    const daemon = fx.daemon(() => fakeContainerGuest());
    const record = await fx.create('-d', 'busybox', 'sleep', '600');
    await fx.containers.markStarted(record.id, 7);
    await fx.containers.markPaused(record.id);
    await expect(daemon.start(record.id)).rejects.toThrow('cannot start a paused container, try unpause instead');
  });
});

describe('restart policy', () => {
  it('on-failure:1 runs again once after a failure (restarting meanwhile), then stays exited', async () => {
    fx = await daemonFixture();
    const guest = fakeContainerGuest();
    const daemon = fx.daemon(() => guest);
    const record = await fx.create('-d', '--restart', 'on-failure:1', '--name', 'flaky', 'busybox', 'false');
    await daemon.start(record.id);
    guest.runs[0]!.exit({ exitCode: 1 });
    await expect.poll(() => fx.containers.get('flaky').state.status).toBe('restarting');
    // after the first backoff (100 ms) it runs again
    await expect.poll(() => guest.runs.length).toBe(2);
    await expect.poll(() => fx.containers.get('flaky').state.status).toBe('running');
    expect(fx.containers.get('flaky').restartCount).toBe(1);
    guest.runs[1]!.exit({ exitCode: 1 });
    await expect.poll(() => fx.containers.get('flaky').state.status).toBe('exited');
    expect(fx.containers.get('flaky').state.exitCode).toBe(1);
    expect(guest.runs).toHaveLength(2);
  });

  it('on-failure does not restart a clean exit; always does; a manual start resets the count', async () => {
    fx = await daemonFixture();
    const guest = fakeContainerGuest();
    const daemon = fx.daemon(() => guest);
    const clean = await fx.create('-d', '--restart', 'on-failure', 'busybox', 'true');
    await daemon.start(clean.id);
    guest.runs[0]!.exit({ exitCode: 0 });
    await expect.poll(() => fx.containers.get(clean.id).state.status).toBe('exited');
    const always = await fx.create('-d', '--restart', 'always', 'busybox', 'true');
    await daemon.start(always.id);
    guest.runs[1]!.exit({ exitCode: 0 });
    await expect.poll(() => guest.runs.length).toBe(3);
    await expect.poll(() => fx.containers.get(always.id).state.status).toBe('running');
    expect(fx.containers.get(always.id).restartCount).toBe(1);
    // docker stop: the policy no longer applies, and a start begins the count again
    await daemon.stop(always.id, 0);
    expect(fx.containers.get(always.id).state.status).toBe('exited');
    await daemon.start(always.id);
    expect(fx.containers.get(always.id).restartCount).toBe(0);
  });
});
