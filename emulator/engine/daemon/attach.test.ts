// The daemon's attach (attach.ts, container-attach.ts) without a kernel: clients attached before a start, across a guest change.
import { describe, expect, it } from 'vitest';
import { createContainer, type ImageForCreate } from '../containers/container-create.ts';
import { ContainerStore } from '../containers/container-store.ts';
import { MemoryJsonStorage } from '../containers/json-storage.ts';
import { LogStore } from '../containers/log-store.ts';
import { parseRunRequest } from '../cli/run-options.ts';
import { VolumeStore } from '../containers/volume-store.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { ContainerDaemon } from './daemon.ts';
import { shortRunGuest } from '../../../test/unit/engine/short-run-guest.ts';

const BUSYBOX: ImageForCreate = { id: `sha256:${'0'.repeat(64)}`, name: 'busybox', config: { Cmd: ['sh'] }, lowerDirs: ['/mnt/host/layers/aa'] };

describe('attached clients', () => {
  it('an attach made before the first start outlives the runtime that start creates (the stock CLI attaches first)', async () => {
    const containers = await ContainerStore.open(new MemoryJsonStorage());
    const volumes = await VolumeStore.open(new MemoryJsonStorage(), { usedBy: () => [] });
    const logs = await LogStore.open(new MemoryJsonStorage());
    // never called here: the runtime is only created
    const guest = {} as GuestExec;
    const processes = new ContainerDaemon({ containers, volumes, logs, guest: () => guest, imageFiles: () => undefined });
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
    const processes = new ContainerDaemon({ containers, volumes, logs, guest: () => guest, imageFiles: () => undefined, adopt: {} });
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
