// ContainerProcesses without a guest behind it: what happens between the API and the runtime.
import { describe, expect, it } from 'vitest';
import { createContainer, type ImageForCreate } from '../containers/container-create.ts';
import { ContainerStore } from '../containers/container-store.ts';
import { MemoryJsonStorage } from '../containers/json-storage.ts';
import { LogStore } from '../containers/log-store.ts';
import { parseRunRequest } from '../cli/run-options.ts';
import { VolumeStore } from '../containers/volume-store.ts';
import type { RuntimeSpec } from '../containers/runtime-spec.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { ContainerProcesses } from './container-process.ts';
import { shortRunGuest } from '../../../test/unit/engine/short-run-guest.ts';

const BUSYBOX: ImageForCreate = { id: `sha256:${'0'.repeat(64)}`, name: 'busybox', config: { Cmd: ['sh'] }, lowerDirs: ['/mnt/host/layers/aa'] };

describe('attached clients', () => {
  it('an attach made before the first start outlives the runtime that start creates (the stock CLI attaches first)', async () => {
    const containers = await ContainerStore.open(new MemoryJsonStorage());
    const volumes = await VolumeStore.open(new MemoryJsonStorage(), { usedBy: () => [] });
    const logs = await LogStore.open(new MemoryJsonStorage());
    // never called here: the runtime is only created
    const guest = {} as GuestExec;
    const processes = new ContainerProcesses({ containers, volumes, logs, guest: () => guest, imageFiles: () => undefined });
    try {
      const req = await parseRunRequest(['--name', 'hi', 'busybox', 'echo', 'hi'], { command: 'run', env: {}, cwd: '/', readFile: async () => undefined });
      if ('help' in req) throw new Error('help');
      const record = await createContainer({ containers, volumes, networks: { findNetwork: () => undefined } }, req, BUSYBOX);
      const response = processes.attach(record.id, { stream: true, logs: false, stdin: false, stdout: true, stderr: true }, undefined);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      processes.runtime(); // the first guest: what a start does first
      const state = await Promise.race([reader.read().then((r) => (r.done ? 'ended' : 'data')), new Promise((ok) => setTimeout(() => ok('open'), 20))]);
      expect(state).toBe('open');
      reader.releaseLock();
    } finally {
      processes.dispose();
    }
  });
});

/** An attach body's stdcopy frames, their payloads as text, once it ends. */
async function attachedText(body: ReadableStream<Uint8Array>): Promise<string> {
  const bytes = new Uint8Array(await new Response(body).arrayBuffer());
  let text = '';
  for (let at = 0; at + 8 <= bytes.length; ) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + at + 4, 4).getUint32(0);
    text += new TextDecoder().decode(bytes.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return text;
}

describe('attached clients across a guest change', () => {
  it("after a restore's guest was taken over and the machine restarted, an attach made before a start gets the short container's output; a client of what the old guest ran gets its end", async () => {
    const containers = await ContainerStore.open(new MemoryJsonStorage());
    const volumes = await VolumeStore.open(new MemoryJsonStorage(), { usedBy: () => [] });
    const logs = await LogStore.open(new MemoryJsonStorage());
    const create = async (...args: string[]) => {
      const req = await parseRunRequest(args, { command: 'run', env: {}, cwd: '/', readFile: async () => undefined });
      if ('help' in req) throw new Error('help');
      return createContainer({ containers, volumes, networks: { findNetwork: () => undefined } }, req, BUSYBOX);
    };
    const attach = (id: string) => processes.attach(id, { stream: true, logs: false, stdin: false, stdout: true, stderr: true }, undefined).body as ReadableStream<Uint8Array>;
    let guest = shortRunGuest('restored\n');
    // the engine opened on a checkpoint's documents (nothing ran then), as "Reset lesson" opens it
    const processes = new ContainerProcesses({ containers, volumes, logs, guest: () => guest, imageFiles: () => undefined, adopt: {} });
    try {
      // any request (the lesson's check) takes the restored guest over
      await processes.adopted();
      const old = await create('-d', '--name', 'old', 'busybox', 'sleep', '600');
      await containers.markStarted(old.id, 7);
      const oldClient = attachedText(attach(old.id));
      // the machine restarts: the engine has not looked at the new guest yet when `docker run` comes
      guest = shortRunGuest('hi\n');
      const record = await create('--rm', 'busybox', 'echo', 'hi');
      // the docker CLI attaches before it starts
      const client = attachedText(attach(record.id));
      await processes.start(record.id);
      expect(await client).toBe('hi\n');
      expect(await oldClient).toBe('');
    } finally {
      processes.dispose();
    }
  });
});

describe('a checkpoint restore', () => {
  it("adopts what the checkpoint says runs: its output goes on into the log, its own exit is recorded; one the guest has not kept is lost (255)", async () => {
    const containers = await ContainerStore.open(new MemoryJsonStorage());
    const volumes = await VolumeStore.open(new MemoryJsonStorage(), { usedBy: () => [] });
    const logs = await LogStore.open(new MemoryJsonStorage());
    const create = async (name: string) => {
      const req = await parseRunRequest(['-d', '--name', name, 'busybox', 'sleep', '600'], { command: 'run', env: {}, cwd: '/', readFile: async () => undefined });
      if ('help' in req) throw new Error('help');
      const record = await createContainer({ containers, volumes, networks: { findNetwork: () => undefined } }, req, BUSYBOX);
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
    const processes = new ContainerProcesses({ containers, volumes, logs, guest: () => guest, imageFiles: () => undefined, adopt: saved });
    try {
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
    } finally {
      processes.dispose();
    }
  });
});
