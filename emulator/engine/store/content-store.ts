// The content store: an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/<hex>`) over a
// BlobBackend, where every blob is verified against its digest while it streams in.
import { type BlobBackend, bytesStream, readAll } from './blob-backend.ts';
import { type Digest, digestHex, digestingStream, digestMismatch, isDigest, sha256Digest } from '../oci/digest.ts';
import { EngineError } from '../errors.ts';
import { MediaType } from '../oci/media-types.ts';
import type { ImageIndex, OciLayout } from '../oci/oci-types.ts';

const BLOB_DIR = 'blobs/sha256/';
const LAYOUT_FILE = 'oci-layout';
const INDEX_FILE = 'index.json';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export class ContentStore {
  readonly backend: BlobBackend;
  /** One in-flight write per digest, so two pulls sharing a layer download it once. */
  readonly #inflight = new Map<Digest, Promise<BlobInfo>>();

  constructor(backend: BlobBackend) {
    this.backend = backend;
  }

  /** Writes `oci-layout` and an empty `index.json` when the store is new. */
  async init(): Promise<void> {
    if (!(await this.backend.has(LAYOUT_FILE))) {
      const layout: OciLayout = { imageLayoutVersion: '1.0.0' };
      await this.backend.put(LAYOUT_FILE, bytesStream(encodeJson(layout)));
    }
    if (!(await this.backend.has(INDEX_FILE))) {
      await this.writeIndex({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] });
    }
  }

  blobPath(digest: Digest): string {
    return `${BLOB_DIR}${digestHex(digest)}`;
  }

  hasBlob(digest: Digest): Promise<boolean> {
    return this.backend.has(this.blobPath(digest));
  }

  blobSize(digest: Digest): Promise<number | undefined> {
    return this.backend.size(this.blobPath(digest));
  }

  /**
   * Stores a blob that must hash to `expected.digest` (and be `expected.size` bytes, when given). On a
   * mismatch or a truncated stream it throws DIGEST_MISMATCH and the store is unchanged.
   */
  async putBlob(data: ReadableStream<Uint8Array> | Uint8Array, expected: { digest: Digest; size?: number }): Promise<BlobInfo> {
    const running = this.#inflight.get(expected.digest);
    if (running) {
      if (data instanceof ReadableStream) await data.cancel().catch(() => {});
      return running;
    }
    const work = this.#put(data, expected);
    this.#inflight.set(expected.digest, work);
    try {
      return await work;
    } finally {
      this.#inflight.delete(expected.digest);
    }
  }

  async #put(data: ReadableStream<Uint8Array> | Uint8Array, expected: { digest: Digest; size?: number }): Promise<BlobInfo> {
    const path = this.blobPath(expected.digest);
    if (await this.backend.has(path)) {
      if (data instanceof ReadableStream) await data.cancel().catch(() => {});
      return { digest: expected.digest, size: (await this.backend.size(path)) ?? 0 };
    }
    const source = data instanceof ReadableStream ? data : bytesStream(data);
    const verify = digestingStream(expected);
    try {
      await this.backend.put(path, source.pipeThrough(verify.stream));
    } catch (e) {
      // Whatever the backend did, a half-written blob must not stay.
      throw e instanceof EngineError ? e : new EngineError('INTERNAL', `storing ${expected.digest} failed: ${String(e)}`, { cause: e });
    }
    return verify.result;
  }

  /** Stores bytes we produced ourselves (a config or manifest we wrote) under their computed digest. */
  async putBytes(bytes: Uint8Array): Promise<BlobInfo> {
    const digest = sha256Digest(bytes);
    return this.putBlob(bytes, { digest, size: bytes.byteLength });
  }

  async putJson(value: unknown): Promise<BlobInfo & { bytes: Uint8Array }> {
    const bytes = encodeJson(value);
    return { ...(await this.putBytes(bytes)), bytes };
  }

  /** The blob's bytes as a stream; BLOB_UNKNOWN when it is not in the store. */
  async getBlob(digest: Digest): Promise<ReadableStream<Uint8Array>> {
    const stream = await this.backend.get(this.blobPath(digest));
    if (!stream) throw new EngineError('BLOB_UNKNOWN', `blob ${digest} is not in the content store`, { details: { digest } });
    return stream;
  }

  /** Reads a whole blob and checks its digest again (guards against a corrupted store). */
  async readBlob(digest: Digest): Promise<Uint8Array> {
    const bytes = await readAll(await this.getBlob(digest));
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw digestMismatch(digest, actual);
    return bytes;
  }

  async readJson<T>(digest: Digest): Promise<T> {
    return JSON.parse(new TextDecoder().decode(await this.readBlob(digest))) as T;
  }

  async deleteBlob(digest: Digest): Promise<void> {
    await this.backend.delete(this.blobPath(digest));
  }

  async listBlobs(): Promise<Digest[]> {
    const paths = await this.backend.list(BLOB_DIR);
    return paths.map((p) => `sha256:${p.slice(BLOB_DIR.length)}`).filter(isDigest);
  }

  async readIndex(): Promise<ImageIndex> {
    const doc = await this.readDocument<ImageIndex>(INDEX_FILE);
    return doc ?? { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  }

  writeIndex(index: ImageIndex): Promise<void> {
    return this.writeDocument(INDEX_FILE, index);
  }

  /** A mutable JSON document beside the layout (e.g. the image database). */
  async readDocument<T>(name: string): Promise<T | undefined> {
    const stream = await this.backend.get(name);
    if (!stream) return undefined;
    return JSON.parse(new TextDecoder().decode(await readAll(stream))) as T;
  }

  async writeDocument(name: string, value: unknown): Promise<void> {
    await this.backend.put(name, bytesStream(encodeJson(value)));
  }
}

export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
