// ContainerProcesses without a guest behind it: what happens between the API and the runtime.
import { describe, expect, it } from 'vitest';
import { createContainer, type ImageForCreate } from '../containers/container-create.ts';
import { ContainerStore } from '../containers/container-store.ts';
import { MemoryJsonStorage } from '../containers/json-storage.ts';
import { LogStore } from '../containers/log-store.ts';
import { parseRunRequest } from '../cli/run-options.ts';
import { VolumeStore } from '../containers/volume-store.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { ContainerProcesses } from './container-process.ts';

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
