import { gzipSync } from 'node:zlib';
import { packTar } from 'modern-tar';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryFixture, sha } from '../../../test/unit/engine/registry-fixture.ts';
import { chainIds } from '../oci/chain-id.ts';
import { ContentStore } from '../store/content-store.ts';
import type { Digest } from '../oci/digest.ts';
import { imageHistory, imagesDiskUsage, inspectImage, listImages } from './image-api.ts';
import { ImageDb } from './image-db.ts';
import { ImageStore, type ImageUsage } from './image-store.ts';
import { MemoryGuestFs } from '../overlay/guest-fs-memory.ts';
import type { ProgressMessage } from './pull-progress.ts';
import { RegistryClient } from '../registry/registry-client.ts';
import { MemoryBlobBackend } from '../store/store-backend-memory.ts';

const t0 = new Date('2024-01-02T03:04:05Z');
const file = (name: string, body: string, mode = 0o644) => ({ header: { name, type: 'file' as const, size: body.length, mode, mtime: t0 }, body });
const dir = (name: string) => ({ header: { name, type: 'directory' as const, size: 0, mode: 0o755, mtime: t0 } });

const debianLayers = [
  { entries: [dir('etc/'), file('etc/os-release', 'ID=debian\n'), file('bin/sh', '#!sh', 0o755), file('var/cache/apt/pkgcache.bin', 'cache'), file('etc/motd', 'hi')], createdBy: '/bin/sh -c #(nop) ADD file:base in /' },
  { entries: [file('usr/bin/bash', 'BASH', 0o755), file('etc/.wh.motd', '')], createdBy: '/bin/sh -c apt-get install -y bash' },
];

const registry = new RegistryFixture();
let built: Record<string, Awaited<ReturnType<RegistryFixture['addImage']>>> = {};

beforeAll(async () => {
  built = {
    busybox: await registry.addImage({ name: 'library/busybox', tag: 'latest', layers: [{ entries: [file('bin/busybox', 'BUSYBOX', 0o755)] }], emptyHistory: ['/bin/sh -c #(nop)  CMD ["sh"]'] }),
    debian: await registry.addImage({ name: 'library/debian', tag: 'latest', layers: debianLayers, emptyHistory: ['/bin/sh -c #(nop)  CMD ["bash"]'], created: '2025-01-01T00:00:00Z' }),
    python: await registry.addImage({
      name: 'library/python',
      tag: 'latest',
      created: '2025-02-01T00:00:00Z',
      layers: [...debianLayers, { entries: [file('usr/bin/python3', 'PY', 0o755), file('var/cache/apt/.wh..wh..opq', ''), file('var/cache/apt/new', 'n')], createdBy: '/bin/sh -c apt-get install -y python3' }],
    }),
    bad: await registry.addImage({ name: 'library/bad', tag: 'latest', layers: [{ entries: [file('x', 'x')] }] }),
  };
  // Corrupt the bad image's layer: the bytes no longer match the digest in its manifest.
  const badLayer = built.bad!.layers[0]!;
  const corrupt = badLayer.gz.slice();
  corrupt[20] = (corrupt[20] ?? 0) ^ 0xff;
  registry.files.set(`library/bad/blobs/${badLayer.digest}`, { body: corrupt, type: 'application/octet-stream' });
  await registry.start();
});
afterAll(() => registry.stop());

let backend: MemoryBlobBackend;
let content: ContentStore;
let fs: MemoryGuestFs;
let inUse: ReturnType<ImageUsage>;
let images: ImageStore;

async function makeStore(withFs = true): Promise<ImageStore> {
  content = new ContentStore(backend);
  await content.init();
  const db = new ImageDb(content);
  await db.load();
  return new ImageStore({
    content,
    db,
    registry: new RegistryClient({ fetch, registries: { 'docker.io': registry.url } }),
    ...(withFs ? { fs } : {}),
    usage: () => inUse,
    now: () => new Date('2026-11-25T12:00:00Z'),
  });
}

beforeEach(async () => {
  backend = new MemoryBlobBackend();
  fs = new MemoryGuestFs();
  inUse = undefined;
  images = await makeStore();
  registry.requests.length = 0;
});

const lines = (messages: ProgressMessage[]) => messages.map((m) => (m.id ? `${m.id}: ${m.status}` : m.status));
const short = (d: string) => d.slice(7, 19);

describe('pull', () => {
  it('pulls busybox with Docker-like progress, unpacks it by chainID, and lists it', async () => {
    const messages: ProgressMessage[] = [];
    const result = await images.pull('busybox', { onProgress: (m) => messages.push(m) });
    const b = built.busybox!;
    const layerId = short(b.layers[0]!.digest);
    expect(result).toEqual({ id: b.configDigest, repoDigest: b.indexDigest, status: 'downloaded' });
    const withoutProgress = lines(messages.filter((m) => m.status !== 'Downloading' && m.status !== 'Extracting'));
    expect(withoutProgress).toEqual([
      'Using default tag: latest',
      'latest: Pulling from library/busybox',
      `${layerId}: Pulling fs layer`,
      `${layerId}: Verifying Checksum`,
      `${layerId}: Download complete`,
      `${layerId}: Pull complete`,
      `Digest: ${b.indexDigest}`,
      'Status: Downloaded newer image for busybox:latest',
    ]);
    expect(messages.find((m) => m.status === 'Downloading' && m.progressDetail?.current === b.layers[0]!.size)).toBeTruthy();
    expect(await fs.tree(`layers/${b.layers[0]!.diffId.slice(7)}`)).toEqual(['bin directory 0755 0:0', 'bin/busybox file 0755 0:0']);
    expect(await fs.lstat(`layers/${b.layers[0]!.diffId.slice(7)}.json`)).toBeDefined();

    const list = listImages(images);
    expect(list).toEqual([
      {
        Id: b.configDigest,
        ParentId: '',
        RepoTags: ['busybox:latest'],
        RepoDigests: [`busybox@${b.indexDigest}`],
        Created: Math.floor(Date.parse('2026-01-02T03:04:05Z') / 1000),
        Size: 7,
        SharedSize: -1,
        Labels: {},
        Containers: -1,
      },
    ]);
    // The store is an OCI image layout whose index.json names the tag.
    const index = await content.readIndex();
    expect(index.manifests).toEqual([
      expect.objectContaining({
        digest: b.manifestDigest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        annotations: { 'io.containerd.image.name': 'docker.io/library/busybox:latest', 'org.opencontainers.image.ref.name': 'docker.io/library/busybox:latest' },
      }),
    ]);
    expect(await content.hasBlob(b.indexDigest as Digest)).toBe(true);
  });

  it('says the image is up to date on a second pull and fetches no blob', async () => {
    await images.pull('busybox');
    registry.requests.length = 0;
    const messages: ProgressMessage[] = [];
    const result = await images.pull('busybox:latest', { onProgress: (m) => messages.push(m) });
    expect(result.status).toBe('up-to-date');
    expect(lines(messages)).toEqual([
      'latest: Pulling from library/busybox',
      `${short(built.busybox!.layers[0]!.digest)}: Already exists`,
      `Digest: ${built.busybox!.indexDigest}`,
      'Status: Image is up to date for busybox:latest',
    ]);
    expect(registry.requests.filter((r) => r.includes('/blobs/') && !r.includes(built.busybox!.configDigest))).toEqual([]);
  });

  it('fetches and unpacks only the new layer of python after debian, with opaque dirs as whiteouts', async () => {
    await images.pull('debian');
    registry.requests.length = 0;
    const messages: ProgressMessage[] = [];
    await images.pull('python', { onProgress: (m) => messages.push(m) });
    const p = built.python!;
    const blobGets = registry.requests.filter((r) => r.includes('/blobs/'));
    expect(blobGets).toEqual([`GET /v2/library/python/blobs/${p.configDigest}`, `GET /v2/library/python/blobs/${p.layers[2]!.digest}`]);
    expect(lines(messages).filter((l) => l.endsWith('Already exists'))).toHaveLength(2);
    const chains = chainIds(p.layers.map((l) => l.diffId as Digest));
    expect((await fs.readdir('layers')).filter((n) => !n.endsWith('.json'))).toHaveLength(3);
    // debian's second layer deleted /etc/motd with a whiteout device
    expect(await fs.tree(`layers/${chains[1]!.slice(7)}/etc`)).toEqual(['motd char(0,0) 0000 0:0']);
    // python's layer made var/cache/apt opaque: the lower pkgcache.bin is whited out explicitly
    expect(await fs.tree(`layers/${chains[2]!.slice(7)}/var/cache/apt`)).toEqual(['new file 0644 0:0', 'pkgcache.bin char(0,0) 0000 0:0']);
    expect(await images.ensureUnpacked('python')).toEqual(chains.map((c) => `/layers/${c.slice(7)}`));

    const df = imagesDiskUsage(images);
    const sharedSize = 10 + 4 + 5 + 2 + 4;
    expect(df.LayersSize).toBe(sharedSize + 2 + 1);
    expect(df.Images.map((i) => [i.RepoTags[0], i.Size, i.SharedSize])).toEqual([
      ['python:latest', sharedSize + 3, sharedSize],
      ['debian:latest', sharedSize, sharedSize],
    ]);
  });

  it('pulls two images sharing layers at the same time, downloading and unpacking each layer once', async () => {
    await Promise.all([images.pull('debian'), images.pull('python')]);
    const p = built.python!;
    const layerGets = registry.requests.filter((r) => r.includes('/blobs/') && !r.includes(p.configDigest) && !r.includes(built.debian!.configDigest));
    expect(layerGets).toHaveLength(3);
    expect(await images.ensureUnpacked('python')).toHaveLength(3);
    expect(listImages(images)).toHaveLength(2);
  });

  it('stops when aborted and leaves no image behind', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(images.pull('busybox', { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(listImages(images)).toEqual([]);
    expect(await backend.list('blobs/')).toEqual([]);
  });

  it('refuses a layer whose bytes do not match its digest and leaves the store unchanged', async () => {
    await images.pull('busybox');
    const before = await backend.list('');
    const beforeFs = await fs.tree('layers');
    const err = await images.pull('bad').catch((e) => e);
    expect(err.code).toBe('DIGEST_MISMATCH');
    expect(err.message).toContain(`expected ${built.bad!.layers[0]!.digest}`);
    expect(await backend.list('')).toEqual(before);
    expect(await fs.tree('layers')).toEqual(beforeFs);
    expect(listImages(images).map((i) => i.RepoTags)).toEqual([['busybox:latest']]);
  });

  it('refuses an unknown tag and an invalid reference without touching the store', async () => {
    await expect(images.pull('busybox:nope')).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN', message: 'manifest for busybox:nope not found: manifest unknown' });
    await expect(images.pull('Busybox')).rejects.toMatchObject({ code: 'REFERENCE_INVALID' });
    expect(await backend.list('blobs/')).toEqual([]);
  });

  it('without a guest file system, stores and checks layers and measures them', async () => {
    images = await makeStore(false);
    await images.pull('debian');
    expect(listImages(images)[0]?.Size).toBe(10 + 4 + 5 + 2 + 4);
    expect(await fs.readdir('')).toEqual([]);
  });

  it('persists the image database across restarts and unpacks again into a fresh share', async () => {
    await images.pull('debian');
    fs = new MemoryGuestFs();
    const reopened = await makeStore();
    expect(listImages(reopened).map((i) => i.RepoTags)).toEqual([['debian:latest']]);
    const dirs = await reopened.ensureUnpacked('debian');
    expect(await fs.lstat(`${dirs[1]}/usr/bin/bash`)).toBeDefined();
  });
});

describe('inspect and history', () => {
  it('inspects an image like Docker', async () => {
    await images.pull('debian');
    const d = built.debian!;
    for (const name of ['debian', 'debian:latest', 'docker.io/library/debian', d.configDigest, d.configDigest.slice(7), d.configDigest.slice(7, 19), `debian@${d.indexDigest}`]) {
      expect((await inspectImage(images, content, name)).Id).toBe(d.configDigest);
    }
    const inspect = await inspectImage(images, content, 'debian');
    expect(inspect).toMatchObject({
      RepoTags: ['debian:latest'],
      RepoDigests: [`debian@${d.indexDigest}`],
      Created: '2025-01-01T00:00:00Z',
      Architecture: '386',
      Os: 'linux',
      Size: 25,
      RootFS: { Type: 'layers', Layers: d.layers.map((l) => l.diffId) },
      Metadata: { LastTagTime: '2026-11-25T12:00:00.000Z' },
      Config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Entrypoint: null, WorkingDir: '', User: '' },
    });
    await expect(inspectImage(images, content, 'nothere')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No such image: nothere' });
  });

  it('gives history newest first, with <missing> below the top and empty layers of size 0', async () => {
    await images.pull('debian');
    const history = await imageHistory(images, content, 'debian');
    expect(history.map((h) => [h.Id === built.debian!.configDigest ? 'ID' : h.Id, h.CreatedBy, h.Size, h.Tags])).toEqual([
      ['ID', '/bin/sh -c #(nop)  CMD ["bash"]', 0, ['debian:latest']],
      ['<missing>', '/bin/sh -c apt-get install -y bash', 4, null],
      ['<missing>', '/bin/sh -c #(nop) ADD file:base in /', 21, null],
    ]);
    expect(history[0]?.Created).toBe(Math.floor(Date.parse('2025-01-01T00:00:00Z') / 1000));
  });
});

describe('tag and rmi', () => {
  it('tags, untags, and deletes with Docker\'s Untagged:/Deleted: lines', async () => {
    await images.pull('busybox');
    const b = built.busybox!;
    await images.tag('busybox', 'me/bb:1');
    await images.tag(b.configDigest.slice(7, 19), 'localhost:5000/me/bb');
    expect(listImages(images)[0]?.RepoTags).toEqual(['busybox:latest', 'me/bb:1', 'localhost:5000/me/bb:latest']);
    expect(await images.remove('me/bb:1')).toEqual([{ Untagged: 'me/bb:1' }]);
    await expect(images.remove(short(b.configDigest))).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('referenced in multiple repositories') });
    expect(await images.remove('localhost:5000/me/bb')).toEqual([{ Untagged: 'localhost:5000/me/bb:latest' }]);
    expect(await images.remove('busybox')).toEqual([
      { Untagged: 'busybox:latest' },
      { Untagged: `busybox@${b.indexDigest}` },
      { Deleted: b.configDigest },
      { Deleted: b.layers[0]!.diffId },
    ]);
    expect(listImages(images)).toEqual([]);
    expect(await backend.list('blobs/')).toEqual([]);
    expect(await fs.readdir('layers')).toEqual([]);
    expect((await content.readIndex()).manifests).toEqual([]);
    await expect(images.remove('busybox')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No such image: busybox' });
  });

  it('untagging a repository\'s last tag untags its digests too, and only that repository\'s (moby ImageDelete)', async () => {
    await images.pull('busybox');
    const b = built.busybox!;
    await images.tag('busybox', 'me/bb:1');
    expect(await images.remove('busybox')).toEqual([{ Untagged: 'busybox:latest' }, { Untagged: `busybox@${b.indexDigest}` }]);
    expect(listImages(images)[0]).toMatchObject({ RepoTags: ['me/bb:1'], RepoDigests: [] });
    // A digest pull names the image again without a tag; removing another repository's tag leaves it.
    expect((await images.pull(`busybox@${b.indexDigest}`)).status).toBe('downloaded');
    expect((await images.pull(`busybox@${b.indexDigest}`)).status).toBe('up-to-date');
    await images.tag('busybox@' + b.indexDigest, 'me/bb:2');
    expect(await images.remove('me/bb:2')).toEqual([{ Untagged: 'me/bb:2' }]);
    expect(listImages(images)[0]).toMatchObject({ RepoTags: ['me/bb:1'], RepoDigests: [`busybox@${b.indexDigest}`] });
  });

  it('a tag moved to another image leaves the old one its digest (Docker lists it as `busybox <none>`)', async () => {
    await images.pull('busybox');
    await images.pull('debian');
    await images.tag('debian', 'busybox:latest');
    const old = listImages(images).find((i) => i.Id === built.busybox!.configDigest);
    expect(old).toMatchObject({ RepoTags: [], RepoDigests: [`busybox@${built.busybox!.indexDigest}`] });
    expect((await images.pull(`busybox@${built.busybox!.indexDigest}`)).status).toBe('up-to-date');
  });

  it('keeps layers another image shares', async () => {
    await images.pull('debian');
    await images.pull('python');
    const items = await images.remove('debian');
    expect(items).toEqual([{ Untagged: 'debian:latest' }, { Untagged: `debian@${built.debian!.indexDigest}` }, { Deleted: built.debian!.configDigest }]);
    expect(await images.ensureUnpacked('python')).toHaveLength(3);
    expect(await content.hasBlob(built.python!.layers[0]!.digest as Digest)).toBe(true);
  });

  it('moves a tag to a newer image, leaving the old one dangling', async () => {
    await images.pull('busybox');
    await images.tag('debian:latest'.replace('debian', 'busybox'), 'me/app');
    await images.pull('debian');
    await images.tag('debian', 'me/app');
    const list = listImages(images);
    expect(list.find((i) => i.Id === built.busybox!.configDigest)?.RepoTags).toEqual(['busybox:latest']);
    expect(list.find((i) => i.Id === built.debian!.configDigest)?.RepoTags).toEqual(['debian:latest', 'me/app:latest']);
  });

  it('refuses to remove an image a container uses, and changes nothing', async () => {
    await images.pull('busybox');
    const before = await backend.list('');
    inUse = { containerId: 'c0ffee1234567890', running: false };
    await expect(images.remove('busybox')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `conflict: unable to remove repository reference "busybox" (must force) - container c0ffee123456 is using its referenced image ${short(built.busybox!.configDigest)}`,
    });
    await expect(images.remove(short(built.busybox!.configDigest))).rejects.toThrow('image is being used by stopped container c0ffee123456');
    inUse = { containerId: 'c0ffee1234567890', running: true };
    await expect(images.remove(short(built.busybox!.configDigest), { force: true })).rejects.toThrow('(cannot be forced) - image is being used by running container');
    expect(await backend.list('')).toEqual(before);
    expect(listImages(images)).toHaveLength(1);
  });
});

it('the sha helper matches the store digest format', () => {
  expect(sha('{}')).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
});

describe('addImage (builds, loads, pushes received)', () => {
  it('records an image whose blobs are in the store, unpacks it on top of a pulled base, and tags it', async () => {
    await images.pull('busybox');
    const base = built.busybox!;
    const tar = await packTar([file('app/index.js', 'console.log(1)')]);
    const gz = new Uint8Array(gzipSync(tar));
    const layer = await content.putBytes(gz);
    const config = await content.putJson({
      created: '2026-11-25T10:00:00Z',
      architecture: '386',
      os: 'linux',
      config: { Cmd: ['node', 'app/index.js'], WorkingDir: '/app' },
      rootfs: { type: 'layers', diff_ids: [base.layers[0]!.diffId, sha(tar)] },
      history: [{ created_by: 'ADD busybox' }, { created_by: 'COPY . /app' }],
    });
    const manifest = await content.putJson({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: base.layers[0]!.digest, size: base.layers[0]!.size },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size },
      ],
    });
    const id = await images.addImage(manifest.digest, { tags: ['me/app:v1'] });
    expect(id).toBe(config.digest);
    const dirs = await images.ensureUnpacked('me/app:v1');
    expect(dirs[0]).toBe(`/layers/${base.layers[0]!.diffId.slice(7)}`);
    expect(await fs.readText(`${dirs[1]}/app/index.js`)).toBe('console.log(1)');
    expect(listImages(images).find((i) => i.Id === id)).toMatchObject({ RepoTags: ['me/app:v1'], Size: 7 + 14 });
    expect((await imagesDiskUsage(images)).Images.find((i) => i.Id === id)?.SharedSize).toBe(7);
  });

  it('refuses a manifest whose layers are missing', async () => {
    const config = await content.putJson({ architecture: '386', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha('x')] } });
    const manifest = await content.putJson({
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha('missing'), size: 1 }],
    });
    await expect(images.addImage(manifest.digest)).rejects.toMatchObject({ code: 'BLOB_UNKNOWN' });
    expect(listImages(images)).toEqual([]);
  });
});
