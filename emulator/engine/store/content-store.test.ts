import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirBlobBackend } from '../../node-backends/store-backend-dir.ts';
import type { BlobBackend } from './blob-backend.ts';
import { ContentStore } from './content-store.ts';
import { type Digest, sha256Digest } from '../oci/digest.ts';
import { MemoryBlobBackend } from './store-backend-memory.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function streamOf(chunks: Uint8Array[], failAfter?: Error): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      if (failAfter) c.error(failAfter);
      else c.close();
    },
  });
}

const backends: [string, () => Promise<BlobBackend>][] = [
  ['memory', async () => new MemoryBlobBackend()],
  [
    'directory',
    async () => {
      const d = await mkdtemp(join(tmpdir(), 'drydock-store-'));
      dirs.push(d);
      return new DirBlobBackend(d);
    },
  ],
];

describe.each(backends)('ContentStore on the %s backend', (_name, make) => {
  const data = new TextEncoder().encode('hello layer\n'.repeat(1000));
  const digest = sha256Digest(data);

  it('lays out an OCI image layout', async () => {
    const backend = await make();
    const store = new ContentStore(backend);
    await store.init();
    expect(await backend.list('')).toEqual(['index.json', 'oci-layout']);
    expect(await store.readIndex()).toEqual({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] });
    await store.putBlob(data, { digest, size: data.length });
    expect(await backend.list('blobs/')).toEqual([`blobs/sha256/${digest.slice(7)}`]);
  });

  it('stores a verified streamed blob and reads it back', async () => {
    const store = new ContentStore(await make());
    const info = await store.putBlob(streamOf([data.subarray(0, 5000), data.subarray(5000)]), { digest, size: data.length });
    expect(info).toEqual({ digest, size: data.length });
    expect(await store.hasBlob(digest)).toBe(true);
    expect(await store.blobSize(digest)).toBe(data.length);
    expect(await store.readBlob(digest)).toEqual(data);
    expect(await store.listBlobs()).toEqual([digest]);
  });

  it('refuses a blob whose digest does not match and writes nothing', async () => {
    const backend = await make();
    const store = new ContentStore(backend);
    await store.init();
    const before = await backend.list('');
    const wrong = ('sha256:' + 'ab'.repeat(32)) as Digest;
    await expect(store.putBlob(streamOf([data]), { digest: wrong })).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      details: { expected: wrong, actual: digest },
    });
    expect(await store.hasBlob(wrong)).toBe(false);
    expect(await backend.list('')).toEqual(before);
  });

  it('refuses a truncated blob (size known, or the source failing midway) and writes nothing', async () => {
    const backend = await make();
    const store = new ContentStore(backend);
    await expect(store.putBlob(streamOf([data.subarray(0, 100)]), { digest, size: data.length })).rejects.toThrow(/truncated/);
    await expect(store.putBlob(streamOf([data.subarray(0, 100)], new Error('connection reset')), { digest })).rejects.toThrow(/connection reset/);
    expect(await store.hasBlob(digest)).toBe(false);
    expect(await backend.list('')).toEqual([]);
  });

  it('stores a blob once when two writers race, and deletes it', async () => {
    const store = new ContentStore(await make());
    const [a, b] = await Promise.all([store.putBlob(streamOf([data]), { digest }), store.putBlob(streamOf([data]), { digest })]);
    expect(a).toEqual(b);
    await store.deleteBlob(digest);
    expect(await store.hasBlob(digest)).toBe(false);
    await expect(store.getBlob(digest)).rejects.toMatchObject({ code: 'BLOB_UNKNOWN' });
  });

  it('round-trips JSON blobs and documents', async () => {
    const store = new ContentStore(await make());
    const { digest: d } = await store.putJson({});
    expect(d).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(await store.readJson(d)).toEqual({});
    await store.writeDocument('images.json', { a: 1 });
    expect(await store.readDocument('images.json')).toEqual({ a: 1 });
    expect(await store.readDocument('nope.json')).toBeUndefined();
  });
});

describe('DirBlobBackend', () => {
  it('leaves no temporary file after a failed write', async () => {
    const d = await mkdtemp(join(tmpdir(), 'drydock-store-'));
    dirs.push(d);
    const store = new ContentStore(new DirBlobBackend(d));
    await store.init();
    await expect(store.putBlob(streamOf([new Uint8Array(10)]), { digest: sha256Digest(new Uint8Array(11)) })).rejects.toThrow();
    expect(await readdir(join(d, '.tmp'))).toEqual([]);
    expect(JSON.parse(await readFile(join(d, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
  });
});
