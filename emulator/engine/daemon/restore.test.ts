// The daemon's restore (restore.ts) against fake guests: a checkpoint's guest taken over, a machine restart's new guest.
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeSpec } from '../containers/runtime-spec.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { daemonFixture, type DaemonFixture } from '../../../test/unit/engine/daemon-fixture.ts';
import { fakeContainerGuest } from '../../../test/unit/engine/fake-container-guest.ts';

let fx: DaemonFixture;
afterEach(() => fx?.dispose());

describe('a checkpoint restore', () => {
  it("adopts what the checkpoint says runs: its output goes on into the log, its own exit is recorded; one the guest has not kept is lost (255)", async () => {
    fx = await daemonFixture();
    const { containers, logs } = fx;
    const create = async (name: string) => {
      const record = await fx.create('-d', '--name', name, 'busybox', 'sleep', '600');
      return containers.markStarted(record.id, name === 'kept' ? 42 : 43);
    };
    const kept = await create('kept');
    await create('gone');
    let exit!: (s: { exitCode: number }) => void;
    let output: ((b: Uint8Array) => void) | undefined;
    const adopted: number[] = [];
    const files: Record<string, string> = { '/proc/sys/kernel/threads-max': '1000\n', '/proc/meminfo': 'MemTotal:  131072 kB\n' };
    const guest: GuestExec = {
      exec: async () => ({ exitCode: 0, stdout: new Uint8Array(), stderr: new Uint8Array() }),
      spawn: () => {
        throw new Error('nothing is started again');
      },
      writeFile: async () => undefined,
      readFile: async (path) => {
        if (path.endsWith('/cgroup.procs')) return new TextEncoder().encode(path.includes(kept.id) ? '41\n42\n' : '');
        const text = files[path];
        if (text === undefined) throw new Error(`ENOENT ${path}`);
        return new TextEncoder().encode(text);
      },
      adopt: (stream, pid, options) => {
        adopted.push(stream);
        output = options?.onStdout;
        return { stream, started: Promise.resolve(pid), exit: new Promise((ok) => (exit = ok)), kill: () => undefined };
      },
    };
    const spec: RuntimeSpec = { ociVersion: '1.0.2', process: { user: { uid: 0, gid: 0 }, args: ['sleep', '600'], cwd: '/' }, root: { path: 'rootfs' }, mounts: [], linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] } };
    const saved = { [kept.id]: { spec, layout: { id: kept.id, bundle: kept.bundle, rootfs: kept.overlay }, status: 'running' as const, stream: 7, pid: 42 } };
    const processes = fx.daemon(() => guest, { adopt: saved });
    await processes.adopted();
    expect(adopted).toEqual([7]);
    expect(containers.get('kept').state).toMatchObject({ status: 'running', pid: 42 });
    expect(containers.get('gone').state).toMatchObject({ status: 'exited', exitCode: 255 });
    expect(Object.keys(processes.savedRuntime())).toEqual([kept.id]);
    output?.(new TextEncoder().encode('still here\n'));
    expect(logs.read(kept.id).map((e) => e.line)).toEqual(['still here\n']);
    exit({ exitCode: 3 });
    await expect.poll(() => containers.get('kept').state.status).toBe('exited');
    expect(containers.get('kept').state.exitCode).toBe(3);
  });
});

describe('a machine restart', () => {
  it("the new guest is the daemon starting: what ran has exited 255 (--rm ones removed), and restart policies start theirs again", async () => {
    fx = await daemonFixture();
    let guest = fakeContainerGuest();
    const daemon = fx.daemon(() => guest);
    const plain = await fx.create('-d', '--name', 'plain', 'busybox', 'sleep', '600');
    const gone = await fx.create('-d', '--rm', '--name', 'gone', 'busybox', 'sleep', '600');
    const always = await fx.create('-d', '--restart', 'always', '--name', 'always', 'busybox', 'sleep', '600');
    const stopped = await fx.create('-d', '--restart', 'unless-stopped', '--name', 'stopped', 'busybox', 'sleep', '600');
    for (const r of [plain, gone, always, stopped]) await daemon.start(r.id);
    await daemon.stop(stopped.id);
    expect(guest.runs).toHaveLength(4);
    const old = guest;
    guest = fakeContainerGuest();
    daemon.runtime();
    await daemon.booted;
    expect(fx.containers.get('plain').state).toMatchObject({ status: 'exited', exitCode: 255 });
    expect(fx.containers.find(gone.id)).toBeUndefined();
    // `always` runs again in the new guest, as after dockerd's restart; `unless-stopped` stays stopped
    expect(fx.containers.get('always').state.status).toBe('running');
    expect(fx.containers.get('always').restartCount).toBe(0);
    expect(fx.containers.get('stopped').state.status).toBe('exited');
    expect(guest.runs).toHaveLength(1);
    // the old guest's processes ending later (the agent's error as it goes) change nothing
    for (const run of old.runs) run.exit({ exitCode: 255 });
    await new Promise((r) => setTimeout(r, 50));
    expect(fx.containers.get('always').state.status).toBe('running');
  });
});
