// Pulls the course's images from public/registry/ (built by `npm run images:build`) served like a plain
// static host, into an in-memory store and guest file system. Skipped until the registry is built.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageHistory, imagesDiskUsage, listImages } from '../../../emulator/engine/images/image-api.ts';
import { MemoryGuestFs } from '../../../emulator/engine/overlay/guest-fs-memory.ts';
import { openImagesService, type ImagesService } from '../../../emulator/engine/images/images-service.ts';
import type { ProgressMessage } from '../../../emulator/engine/images/pull-progress.ts';
import { withoutLibraryPrefix } from '../../../emulator/engine/registry/registry-client.ts';
import { MemoryBlobBackend } from '../../../emulator/engine/store/store-backend-memory.ts';
import { serveStaticFiles } from '../../../emulator/node-backends/static-files.ts';

const PUBLIC = resolve(import.meta.dirname, '../../../public');
const REGISTRY = resolve(PUBLIC, 'registry');
const built = existsSync(resolve(REGISTRY, 'v2'));
const has = (name: string) => existsSync(resolve(REGISTRY, 'v2', name)) || existsSync(resolve(REGISTRY, 'v2/library', name));

describe.skipIf(!built)('pulling from the static registry in public/registry', () => {
  let server: Awaited<ReturnType<typeof serveStaticFiles>>;
  let service: ImagesService;
  let fs: MemoryGuestFs;

  beforeAll(async () => {
    server = await serveStaticFiles(PUBLIC);
    fs = new MemoryGuestFs();
    // Docker Hub spells official images library/<name>; accept a registry laid out either way.
    const flat = !existsSync(resolve(REGISTRY, 'v2/library'));
    service = await openImagesService({
      fetch,
      backend: new MemoryBlobBackend(),
      registries: { 'docker.io': flat ? { baseUrl: `${server.url}/registry`, repositoryPath: withoutLibraryPrefix } : `${server.url}/registry` },
      fs,
    });
  });
  afterAll(() => server?.close());

  it.skipIf(!has('busybox'))('pulls busybox: linux/386, verified, unpacked, with a shell in it', { timeout: 60_000 }, async () => {
    const messages: ProgressMessage[] = [];
    const started = performance.now();
    const result = await service.images.pull('busybox', { onProgress: (m) => messages.push(m) });
    const ms = performance.now() - started;
    expect(result.status).toBe('downloaded');
    const [dir] = await service.images.ensureUnpacked('busybox');
    const sh = await fs.lstat(`${dir}/bin/sh`);
    expect(sh).toBeDefined();
    const summary = listImages(service.images).find((i) => i.RepoTags.includes('busybox:latest'));
    console.log(`busybox: pulled in ${ms.toFixed(0)} ms, Size ${summary?.Size} bytes, ${messages.length} progress messages`);
    expect(messages.at(-1)?.status).toBe('Status: Downloaded newer image for busybox:latest');
  });

  it.skipIf(!has('debian') || !has('python'))('pulls debian then python, fetching only python\'s own layers', { timeout: 120_000 }, async () => {
    let started = performance.now();
    await service.images.pull('debian');
    const debianMs = performance.now() - started;
    const before = server.requests.length;
    const messages: ProgressMessage[] = [];
    started = performance.now();
    await service.images.pull('python', { onProgress: (m) => messages.push(m) });
    const pythonMs = performance.now() - started;
    const debian = service.images.find('debian');
    const python = service.images.find('python');
    const shared = python!.layers.filter((l) => debian!.layers.some((d) => d.chainId === l.chainId));
    expect(shared.length).toBe(debian!.layers.length);
    expect(messages.filter((m) => m.status === 'Already exists')).toHaveLength(shared.length);
    const layerGets = server.requests.slice(before).filter((r) => r.includes('/blobs/'));
    // the config, plus each layer python does not share with debian
    expect(layerGets).toHaveLength(1 + python!.layers.length - shared.length);
    const history = await imageHistory(service.images, service.content, 'python');
    expect(history[0]?.Id).toBe(python!.id);
    const df = imagesDiskUsage(service.images);
    expect(df.Images.find((i) => i.RepoTags.includes('python:latest'))?.SharedSize).toBe(debian!.layers.reduce((n, l) => n + l.contentSize, 0));
    console.log(
      `debian: ${debianMs.toFixed(0)} ms, python after debian: ${pythonMs.toFixed(0)} ms; ` +
        df.Images.map((i) => `${i.RepoTags[0]} Size ${i.Size} shared ${i.SharedSize}`).join('; '),
    );
  });

  it.skipIf(!has('redis'))('pulls redis: /data owned by redis (999:999), the server\'s two names one hard-linked file', { timeout: 60_000 }, async () => {
    await service.images.pull('redis');
    const dirs = await service.images.ensureUnpacked('redis');
    // the top layer holds what the build wrote for redis (its own layer, not debian's)
    const top = dirs.at(-1)!;
    expect(await fs.lstat(`${top}/data`)).toMatchObject({ kind: 'directory', uid: 999, gid: 999, mode: 0o755 });
    expect(await fs.lstat(`${top}/usr/local/bin/docker-entrypoint.sh`)).toMatchObject({ kind: 'file', uid: 0, mode: 0o755 });
    expect(await fs.lstat(`${top}/usr/bin/redis-check-rdb`)).toMatchObject({ kind: 'file', nlink: 2 });
    expect(await fs.lstat(`${top}/usr/bin/redis-check-aof`)).toMatchObject({ kind: 'file', nlink: 2 });
    expect((await fs.lstat(`${top}/usr/bin/redis-server`))?.target).toBe('redis-check-rdb');
  });

  it('pulls every image the registry lists, with the unpacked size the build reports', { timeout: 120_000 }, async () => {
    const summary = JSON.parse(readFileSync(resolve(REGISTRY, 'images.json'), 'utf8')) as {
      images: { name: string; tags: string[]; unpackedSize: number; size: number }[];
    };
    for (const image of summary.images) {
      const started = performance.now();
      const result = await service.images.pull(`${image.name}:${image.tags[0]}`);
      const ms = performance.now() - started;
      const record = service.images.find(result.id)!;
      expect(service.images.imageSize(record)).toBe(image.unpackedSize);
      for (const tag of image.tags.slice(1)) await service.images.pull(`${image.name}:${tag}`);
      console.log(`${image.name}: ${(image.size / 1e6).toFixed(2)} MB compressed, ${(image.unpackedSize / 1e6).toFixed(2)} MB unpacked, pulled in ${ms.toFixed(0)} ms`);
    }
    const tags = listImages(service.images).flatMap((i) => i.RepoTags);
    for (const image of summary.images) for (const tag of image.tags) expect(tags).toContain(`${image.name}:${tag}`);
  });
});
