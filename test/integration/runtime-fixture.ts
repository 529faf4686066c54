// Shared by the runtime-*.test.ts files: the restored guest, busybox pulled from public/registry into the 9p
// share, the runtime over the agent, and a Docker-like runtime spec for `docker run busybox <args>`.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_CAPABILITIES } from '../../emulator/engine/containers/capabilities.ts';
import { DEFAULT_MASKED_PATHS, DEFAULT_PATH, DEFAULT_READONLY_PATHS } from '../../emulator/engine/containers/container-config.ts';
import { OCI_VERSION, type RuntimeSpec } from '../../emulator/engine/containers/runtime-spec.ts';
import { guestFsFromShare } from '../../emulator/engine/overlay/guest-fs-share.ts';
import { openImagesService } from '../../emulator/engine/images/images-service.ts';
import { withoutLibraryPrefix } from '../../emulator/engine/registry/registry-client.ts';
import type { ContainerLayout } from '../../emulator/engine/runtime/lower.ts';
import { ContainerRuntime } from '../../emulator/engine/runtime/runtime.ts';
import { MemoryBlobBackend } from '../../emulator/engine/store/store-backend-memory.ts';
import type { Machine } from '../../emulator/vm/machine.ts';
import { serveStaticFiles } from '../../emulator/node-backends/static-files.ts';
import { restoreGuest } from './guest.ts';

const PUBLIC = resolve(import.meta.dirname, '../../public');
export const registryBuilt = existsSync(resolve(PUBLIC, 'registry/v2'));

export const decode = (b: Uint8Array) => new TextDecoder().decode(b);

export interface RuntimeFixture {
  machine: Machine;
  runtime: ContainerRuntime;
  /** busybox's layer dirs in the guest, topmost first */
  lowerDirs: string[];
  close(): Promise<void>;
}

export async function startRuntimeFixture(): Promise<RuntimeFixture> {
  const server = await serveStaticFiles(PUBLIC);
  const machine = await restoreGuest();
  try {
    const flat = !existsSync(resolve(PUBLIC, 'registry/v2/library'));
    const { images } = await openImagesService({
      fetch,
      backend: new MemoryBlobBackend(),
      registries: { 'docker.io': flat ? { baseUrl: `${server.url}/registry`, repositoryPath: withoutLibraryPrefix } : `${server.url}/registry` },
      fs: guestFsFromShare(machine.share),
    });
    await images.pull('busybox');
    const dirs = await images.ensureUnpacked('busybox');
    const lowerDirs = dirs.map((d) => `/mnt/host${d}`).reverse();
    return {
      machine,
      runtime: new ContainerRuntime(machine.agent),
      lowerDirs,
      close: async () => {
        await machine.destroy();
        await server.close();
      },
    };
  } catch (error) {
    await machine.destroy();
    await server.close();
    throw error;
  }
}

let counter = 0;
export function newLayout(lowerDirs: string[], id = `t${Date.now().toString(36)}${(counter++).toString(36)}`): ContainerLayout {
  const dir = `/run/drydock/containers/${id}`;
  return { id, bundle: dir, rootfs: { lowerDirs, upperDir: `${dir}/upper`, workDir: `${dir}/work`, mergedDir: `${dir}/merged` } };
}

export interface SpecOptions {
  capDrop?: string[];
  uid?: number;
  readonly?: boolean;
  memory?: number;
  pids?: number;
  hostname?: string;
  network?: 'none' | 'host';
}

/** What Docker's config.json holds for `docker run busybox <args>` (moby's defaults), with a few flags. */
export function busyboxSpec(args: string[], o: SpecOptions = {}): RuntimeSpec {
  const caps = DEFAULT_CAPABILITIES.filter((c) => !(o.capDrop ?? []).includes(c));
  const hostname = o.hostname ?? 'c0ffee';
  const ns: RuntimeSpec['linux']['namespaces'] = [{ type: 'mount' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }, { type: 'cgroup' }];
  if (o.network !== 'host') ns.push({ type: 'network' });
  const resources: NonNullable<RuntimeSpec['linux']['resources']> = {};
  if (o.memory) resources.memory = { limit: o.memory, swap: o.memory * 2 };
  if (o.pids) resources.pids = { limit: o.pids };
  return {
    ociVersion: OCI_VERSION,
    process: {
      user: { uid: o.uid ?? 0, gid: o.uid ?? 0 },
      args,
      env: [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`, 'HOME=/root'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
    },
    root: { path: 'rootfs', readonly: o.readonly ?? false },
    hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864'] },
    ],
    linux: { namespaces: ns, resources, maskedPaths: [...DEFAULT_MASKED_PATHS], readonlyPaths: [...DEFAULT_READONLY_PATHS] },
  };
}

export interface RunResult {
  exitCode: number;
  signal?: number;
  oomKilled: boolean;
  /** stdout and stderr interleaved as they came */
  log: string;
  ms: number;
}

/** `docker run --rm`-like: create, start, wait, delete; returns how it ended and its output. */
export async function runToEnd(runtime: ContainerRuntime, spec: RuntimeSpec, layout: ContainerLayout): Promise<RunResult> {
  const t0 = performance.now();
  const log: string[] = [];
  await runtime.create(spec, layout);
  try {
    await runtime.start(layout.id, { onStdout: (b) => log.push(decode(b)), onStderr: (b) => log.push(decode(b)) }).catch(() => undefined);
    const end = await runtime.wait(layout.id);
    return { ...end, log: log.join(''), ms: performance.now() - t0 };
  } finally {
    await runtime.delete(layout.id);
  }
}
