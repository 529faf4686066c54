// The daemon's signals (signal.ts) against a fake guest: `docker stop` escalating to SIGKILL, `kill`, `rm -f`.
import { afterEach, describe, expect, it } from 'vitest';
import { daemonFixture, type DaemonFixture } from '../../../test/unit/engine/daemon-fixture.ts';
import { fakeContainerGuest } from '../../../test/unit/engine/fake-container-guest.ts';

let fx: DaemonFixture;
afterEach(() => fx?.dispose());

const actions = (fx: DaemonFixture, id: string) =>
  fx.events.kept(0n, BigInt(Date.now() + 1000) * 1_000_000n).filter((m) => m.Actor.ID === id).map((m) => (m.Action === 'kill' ? `kill ${m.Actor.Attributes['signal']}` : m.Action));

describe('docker stop', () => {
  it('a process that handles SIGTERM gets SIGKILL after the timeout: exited 137, policy cancelled', async () => {
    fx = await daemonFixture();
    const guest = fakeContainerGuest({ ignores: (signal) => signal === 15 });
    const daemon = fx.daemon(() => guest);
    const record = await fx.create('-d', '--restart', 'always', 'busybox', 'sleep', '600');
    await daemon.start(record.id);
    const began = Date.now();
    expect(await daemon.stop(record.id, 1)).toBe(true);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1000);
    expect(guest.signals).toEqual([15]);
    expect(fx.containers.get(record.id).state).toMatchObject({ status: 'exited', exitCode: 137 });
    expect(fx.containers.get(record.id).manuallyStopped).toBe(true);
    expect(actions(fx, record.id).slice(-3)).toEqual(['kill 15', 'kill 9', 'stop']);
    // `always` does not start it again after a docker stop
    await new Promise((r) => setTimeout(r, 200));
    expect(guest.runs).toHaveLength(1);
  });

  it('a process that ends at its stop signal is stopped without SIGKILL; a stopped one is not stopped again', async () => {
    fx = await daemonFixture();
    const guest = fakeContainerGuest();
    const daemon = fx.daemon(() => guest);
    const record = await fx.create('-d', '--stop-signal', 'SIGUSR1', 'busybox', 'sleep', '600');
    await daemon.start(record.id);
    expect(await daemon.stop(record.id, 10)).toBe(true);
    expect(guest.signals).toEqual([10]);
    expect(fx.containers.get(record.id).state).toMatchObject({ status: 'exited', exitCode: 138 });
    expect(actions(fx, record.id).slice(-2)).toEqual(['kill 10', 'stop']);
    expect(await daemon.stop(record.id)).toBe(false);
  });

  it('a restarting container is stopped with a state change only', async () => {
    fx = await daemonFixture();
    const guest = fakeContainerGuest();
    const daemon = fx.daemon(() => guest);
    const record = await fx.create('-d', '--restart', 'always', 'busybox', 'false');
    await daemon.start(record.id);
    await fx.containers.markRestarting(record.id, 1);
    expect(await daemon.stop(record.id)).toBe(true);
    expect(fx.containers.get(record.id).state).toMatchObject({ status: 'exited', exitCode: 1 });
  });
});

describe('docker kill and rm -f', () => {
  it('kill: the signal given (by name or number), SIGKILL through cgroup.kill; a stopped container is refused', async () => {
    fx = await daemonFixture();
    const guest = fakeContainerGuest({ ignores: (signal) => signal === 1 });
    const daemon = fx.daemon(() => guest);
    const record = await fx.create('-d', 'busybox', 'sleep', '600');
    await daemon.start(record.id);
    await daemon.kill(record.id, 'HUP');
    expect(fx.containers.get(record.id).state.status).toBe('running');
    await expect(daemon.kill(record.id, 'SIGNOPE')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await daemon.kill(record.id);
    expect(guest.signals).toEqual([1]);
    expect(fx.containers.get(record.id).state).toMatchObject({ status: 'exited', exitCode: 137 });
    await expect(daemon.kill(record.id)).rejects.toThrow(`container ${record.id} is not running`);
  });

  it('rm -f: killed and its exit recorded before it returns', async () => {
    fx = await daemonFixture();
    const guest = fakeContainerGuest({ ignores: () => true });
    const daemon = fx.daemon(() => guest);
    const record = await fx.create('-d', 'busybox', 'sleep', '600');
    await daemon.start(record.id);
    await daemon.killAndWait(fx.containers.get(record.id));
    expect(fx.containers.get(record.id).state).toMatchObject({ status: 'exited', exitCode: 137 });
  });
});
