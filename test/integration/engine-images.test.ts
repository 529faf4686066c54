// Images core against the real guest: layers pulled from public/registry (served like a plain static host)
// are unpacked by TypeScript into the 9p share, then mounted with overlayfs and run inside the guest.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestFsFromShare } from '../../emulator/engine/overlay/guest-fs-share.ts';
import { listImages } from '../../emulator/engine/images/image-api.ts';
import { openImagesService, type ImagesService } from '../../emulator/engine/images/images-service.ts';
import { withoutLibraryPrefix } from '../../emulator/engine/registry/registry-client.ts';
import { MemoryBlobBackend } from '../../emulator/engine/store/store-backend-memory.ts';
import type { Machine } from '../../emulator/vm/machine.ts';
import { RegistryFixture } from '../unit/engine/registry-fixture.ts';
import { serveStaticFiles } from '../../emulator/node-backends/static-files.ts';
import { restoreGuest, sh } from './guest.ts';

const PUBLIC = resolve(import.meta.dirname, '../../public');
const built = existsSync(resolve(PUBLIC, 'registry/v2/debian')) && existsSync(resolve(PUBLIC, 'registry/v2/python'));

describe.skipIf(!built)('pulled images run in the guest', () => {
  let machine: Machine;
  let server: Awaited<ReturnType<typeof serveStaticFiles>>;
  let service: ImagesService;
  let backend: MemoryBlobBackend;

  beforeAll(async () => {
    server = await serveStaticFiles(PUBLIC);
    machine = await restoreGuest();
    backend = new MemoryBlobBackend();
    const flat = !existsSync(resolve(PUBLIC, 'registry/v2/library'));
    service = await openImagesService({
      fetch,
      backend,
      registries: { 'docker.io': flat ? { baseUrl: `${server.url}/registry`, repositoryPath: withoutLibraryPrefix } : `${server.url}/registry` },
      fs: guestFsFromShare(machine.share),
    });
  });
  afterAll(async () => {
    await machine?.destroy();
    await server?.close();
  });

  it('pulls debian and runs a shell in its layers (overlayfs, lowerdirs on 9p)', async () => {
    await service.images.pull('debian');
    const dirs = await service.images.ensureUnpacked('debian');
    const lower = dirs.map((d) => `/mnt/host${d}`).reverse().join(':');
    const out = await sh(machine, `mkdir -p /tmp/debian && mount -t overlay overlay -o lowerdir=${lower} /tmp/debian && chroot /tmp/debian /bin/sh -c 'echo ok'`);
    expect(out.trim()).toBe('ok');
  });

  it('pulls python after debian, fetching and unpacking only the new layers', async () => {
    const before = server.requests.length;
    await service.images.pull('python');
    const debian = service.images.find('debian')!;
    const python = service.images.find('python')!;
    const own = python.layers.filter((l) => !debian.layers.some((d) => d.chainId === l.chainId));
    const blobGets = server.requests.slice(before).filter((r) => r.includes('/blobs/'));
    expect(blobGets).toHaveLength(1 + own.length);
    const dirs = await service.images.ensureUnpacked('python');
    const lower = dirs.map((d) => `/mnt/host${d}`).reverse().join(':');
    const out = await sh(machine, `mkdir -p /tmp/python && mount -t overlay overlay -o lowerdir=${lower} /tmp/python && chroot /tmp/python /bin/sh -c 'ls /usr/bin/python3 && test -x /bin/bash && echo ok'`);
    expect(out.trim().split('\n').at(-1)).toBe('ok');
  });

  it('refuses a blob with a wrong digest and leaves the store and the share unchanged', async () => {
    const bad = new RegistryFixture();
    const image = await bad.addImage({ name: 'me/bad', tag: 'latest', layers: [{ entries: [{ header: { name: 'x', type: 'file', size: 1 }, body: 'x' }] }] });
    const layer = image.layers[0]!;
    const corrupt = layer.gz.slice();
    corrupt[20] = (corrupt[20] ?? 0) ^ 0xff;
    bad.files.set(`me/bad/blobs/${layer.digest}`, { body: corrupt, type: 'application/octet-stream' });
    await bad.start();
    try {
      const withBad = await openImagesService({ fetch, backend, registries: { 'localhost:5000': bad.url }, fs: guestFsFromShare(machine.share) });
      const storeBefore = await backend.list('');
      const shareBefore = machine.share.list('/layers').map((e) => e.name);
      await expect(withBad.images.pull('localhost:5000/me/bad')).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
      expect(await backend.list('')).toEqual(storeBefore);
      expect(machine.share.list('/layers').map((e) => e.name)).toEqual(shareBefore);
      expect(listImages(withBad.images).flatMap((i) => i.RepoTags).sort()).toEqual(['debian:latest', 'python:latest']);
    } finally {
      await bad.stop();
    }
  });
});
