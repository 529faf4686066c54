// Pull figures in Node: each course image pulled from the static registry (served on 127.0.0.1 like a plain
// static host) into an empty store and unpacked into a real guest's 9p share; then python and node with
// debian's layers already present (python, node, nginx, redis: only their own layers are fetched).
import { resolve } from 'node:path';
import { guestFsFromShare } from '../emulator/engine/overlay/guest-fs-share.ts';
import { openImagesService } from '../emulator/engine/images/images-service.ts';
import { withoutLibraryPrefix } from '../emulator/engine/registry/registry-client.ts';
import { MemoryBlobBackend } from '../emulator/engine/store/store-backend-memory.ts';
import { serveStaticFiles } from '../emulator/node-backends/static-files.ts';
import { startNodeMachine } from '../emulator/vm/node-machine.ts';
import { median, type Figures } from './figures.ts';

const IMAGES = ['hello-world', 'busybox', 'debian', 'python', 'node', 'nginx', 'redis'] as const;

export async function benchImagesNode(options: { runs?: number; log?: (line: string) => void } = {}): Promise<Figures> {
  const runs = options.runs ?? 3;
  const log = options.log ?? (() => undefined);
  const registry = await serveStaticFiles(resolve(import.meta.dirname, '../public'));
  const machine = await startNodeMachine();
  let round = 0;
  // A fresh store and a fresh layers directory in the share: nothing is present yet.
  const freshService = async () =>
    openImagesService({
      fetch,
      backend: new MemoryBlobBackend(),
      registries: { 'docker.io': { baseUrl: `${registry.url}/registry`, repositoryPath: withoutLibraryPrefix } },
      fs: guestFsFromShare(machine.share),
      layersDir: `/bench-${round++}/layers`,
    });
  const timed = async (service: Awaited<ReturnType<typeof freshService>>, name: string): Promise<number> => {
    const t0 = performance.now();
    await service.images.pull(name);
    return performance.now() - t0;
  };
  try {
    const figures: Figures = {};
    for (const name of IMAGES) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await timed(await freshService(), name));
      figures[`pull_${name.replace('-', '_')}_empty_ms_node`] = median(times);
      log(`images-node: pull ${name} into an empty store: ${times.map((t) => Math.round(t)).join(', ')} ms`);
    }
    for (const name of ['python', 'node', 'nginx', 'redis']) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const service = await freshService();
        await service.images.pull('debian');
        times.push(await timed(service, name));
      }
      figures[`pull_${name}_after_debian_ms_node`] = median(times);
      log(`images-node: pull ${name} with debian present: ${times.map((t) => Math.round(t)).join(', ')} ms`);
    }
    return figures;
  } finally {
    await machine.destroy();
    await registry.close();
  }
}
