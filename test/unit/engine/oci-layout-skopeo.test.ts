// The content store on disk is a real OCI image layout: Debian's skopeo reads and copies an image out of
// it by its full reference. Skipped where skopeo is not installed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openImagesService } from '../../../emulator/engine/images/images-service.ts';
import { DirBlobBackend } from '../../../emulator/node-backends/store-backend-dir.ts';
import { RegistryFixture } from './registry-fixture.ts';

const SKOPEO = '/usr/bin/skopeo';
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

it.skipIf(!existsSync(SKOPEO))('skopeo reads a pulled image from the Node directory store', { timeout: 60_000 }, async () => {
  const registry = new RegistryFixture();
  const image = await registry.addImage({
    name: 'library/busybox',
    tag: 'latest',
    layers: [{ entries: [{ header: { name: 'bin/busybox', type: 'file', size: 2, mode: 0o755 }, body: 'BB' }] }],
  });
  await registry.addImage({ name: 'library/other', tag: 'latest', layers: [{ entries: [{ header: { name: 'o', type: 'file', size: 1 }, body: 'o' }] }] });
  await registry.start();
  try {
    const store = await mkdtemp(join(tmpdir(), 'drydock-oci-'));
    const out = await mkdtemp(join(tmpdir(), 'drydock-oci-out-'));
    dirs.push(store, out);
    const { images } = await openImagesService({ fetch, backend: new DirBlobBackend(store), registries: { 'docker.io': registry.url } });
    await images.pull('busybox');
    await images.pull('other');
    const inspect = JSON.parse(execFileSync(SKOPEO, ['inspect', `oci:${store}:docker.io/library/busybox:latest`], { encoding: 'utf8' })) as {
      Digest: string;
      Architecture: string;
      Layers: string[];
    };
    expect(inspect).toMatchObject({ Digest: image.manifestDigest, Architecture: '386', Layers: [image.layers[0]!.digest] });
    execFileSync(SKOPEO, ['copy', '--quiet', `oci:${store}:docker.io/library/busybox:latest`, `dir:${out}/copy`]);
    expect((await readdir(join(out, 'copy'))).sort()).toContain(image.layers[0]!.digest.slice(7));
  } finally {
    await registry.stop();
  }
});
