// Test support: a container daemon (emulator/engine/daemon/) over in-memory stores and a guest the test provides,
// with `docker create`'s records made from `docker run` arguments.
import { createContainer, type ImageForCreate } from '../../../emulator/engine/containers/container-create.ts';
import { ContainerStore, type ContainerRecord } from '../../../emulator/engine/containers/container-store.ts';
import { MemoryJsonStorage } from '../../../emulator/engine/containers/json-storage.ts';
import { LogStore } from '../../../emulator/engine/containers/log-store.ts';
import { VolumeStore } from '../../../emulator/engine/containers/volume-store.ts';
import { createConfigFor } from './run-line.ts';
import { EventLog } from '../../../emulator/engine/api/events.ts';
import type { GuestExec } from '../../../emulator/engine/runtime/guest-exec.ts';
import { ContainerDaemon, type DaemonDeps } from '../../../emulator/engine/daemon/daemon.ts';

export const BUSYBOX: ImageForCreate = { id: `sha256:${'0'.repeat(64)}`, name: 'busybox', config: { Cmd: ['sh'] }, lowerDirs: ['/mnt/host/layers/aa'] };

export interface DaemonFixture {
  containers: ContainerStore;
  logs: LogStore;
  events: EventLog;
  /** `docker create` with `docker run`'s arguments (image busybox) */
  create(...args: string[]): Promise<ContainerRecord>;
  /** a daemon over these stores; disposed by dispose() */
  daemon(guest: () => GuestExec | undefined, extra?: Partial<DaemonDeps>): ContainerDaemon;
  dispose(): void;
}

export async function daemonFixture(): Promise<DaemonFixture> {
  const containers = await ContainerStore.open(new MemoryJsonStorage());
  const volumes = await VolumeStore.open(new MemoryJsonStorage(), { usedBy: () => [] });
  const logs = await LogStore.open(new MemoryJsonStorage());
  const events = new EventLog();
  const made: ContainerDaemon[] = [];
  return {
    containers,
    logs,
    events,
    create: async (...args) => {
      return createContainer({ containers, volumes, networks: { findNetwork: () => undefined } }, await createConfigFor(args), BUSYBOX);
    },
    daemon: (guest, extra = {}) => {
      const d = new ContainerDaemon({ containers, volumes, logs, events, guest, imageFiles: () => undefined, ...extra });
      made.push(d);
      return d;
    },
    dispose: () => made.forEach((d) => d.dispose()),
  };
}
