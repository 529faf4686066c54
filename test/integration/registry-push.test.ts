// Push/pull round trip through the in-browser registry with the real guest: busybox from public/registry is
// pushed to localhost:5000 (in-process), removed with its layers, pulled back, unpacked into the 9p share
// and run inside the guest.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestFsFromShare } from '../../emulator/engine/overlay/guest-fs-share.ts';
import { openImagesService, type ImagesService } from '../../emulator/engine/images/images-service.ts';
import { withoutLibraryPrefix } from '../../emulator/engine/registry/registry-client.ts';
import { RegistryServer } from '../../emulator/engine/registry/server/registry-server.ts';
import { MemoryBlobBackend } from '../../emulator/engine/store/store-backend-memory.ts';
import type { Machine } from '../../emulator/vm/machine.ts';
import { serveStaticFiles } from '../../emulator/node-backends/static-files.ts';
import { restoreGuest, sh } from './guest.ts';

const PUBLIC = resolve(import.meta.dirname, '../../public');
const built = existsSync(resolve(PUBLIC, 'registry/v2/busybox'));

describe.skipIf(!built)('docker push to localhost:5000 and pull back, run in the guest', () => {
  let machine: Machine;
  let server: Awaited<ReturnType<typeof serveStaticFiles>>;
  let service: ImagesService;

  beforeAll(async () => {
    server = await serveStaticFiles(PUBLIC);
    machine = await restoreGuest();
    service = await openImagesService({
      fetch,
      backend: new MemoryBlobBackend(),
      registries: { 'docker.io': { baseUrl: `${server.url}/registry`, repositoryPath: withoutLibraryPrefix } },
      fs: guestFsFromShare(machine.share),
      localRegistry: await RegistryServer.open({ backend: new MemoryBlobBackend() }),
    });
  });
  afterAll(async () => {
    await machine?.destroy();
    await server?.close();
  });

  it('pushes busybox, removes it (layers gone from the share), pulls it back and runs it', async () => {
    await service.images.pull('busybox');
    const original = service.images.find('busybox')!;
    await service.registryLogin('localhost:5000', 'me', 'pw');
    await service.images.tag('busybox', 'localhost:5000/me/bb:1');
    const pushed = await service.push('localhost:5000/me/bb:1');
    expect(pushed.digest).toBe(original.manifestDigest);

    await service.images.remove('busybox');
    const deleted = await service.images.remove('localhost:5000/me/bb:1');
    expect(deleted).toContainEqual({ Deleted: original.id });
    const layerDirs = original.layers.map((l) => l.chainId.slice(7));
    expect(machine.share.list('/layers').map((e) => e.name).filter((n) => layerDirs.includes(n))).toEqual([]);

    const pulled = await service.images.pull('localhost:5000/me/bb:1');
    expect(pulled).toMatchObject({ id: original.id, repoDigest: original.manifestDigest });
    const dirs = await service.images.ensureUnpacked('localhost:5000/me/bb:1');
    const lower = dirs.map((d) => `/mnt/host${d}`).reverse().join(':');
    // A writable upper on tmpfs: overlayfs wants two lowerdirs otherwise, and busybox has one layer.
    const out = await sh(
      machine,
      `mkdir -p /tmp/bbrw /tmp/bb && mount -t tmpfs tmpfs /tmp/bbrw && mkdir /tmp/bbrw/u /tmp/bbrw/w && mount -t overlay overlay -o lowerdir=${lower},upperdir=/tmp/bbrw/u,workdir=/tmp/bbrw/w /tmp/bb && chroot /tmp/bb /bin/sh -c 'echo ok'`,
    );
    expect(out.trim()).toBe('ok');
  });
});
