// In-memory BlobBackend for tests and for a throwaway engine.
import { type BlobBackend, bytesStream, readAll } from './blob-backend.ts';

export class MemoryBlobBackend implements BlobBackend {
  readonly #entries = new Map<string, Uint8Array>();

  async has(path: string): Promise<boolean> {
    return this.#entries.has(path);
  }

  async get(path: string): Promise<ReadableStream<Uint8Array> | undefined> {
    const bytes = this.#entries.get(path);
    return bytes === undefined ? undefined : bytesStream(bytes);
  }

  async size(path: string): Promise<number | undefined> {
    return this.#entries.get(path)?.byteLength;
  }

  async put(path: string, data: ReadableStream<Uint8Array>): Promise<void> {
    // Buffer first: the entry appears only once the whole stream ended without error.
    const bytes = await readAll(data);
    this.#entries.set(path, bytes);
  }

  async delete(path: string): Promise<void> {
    this.#entries.delete(path);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.#entries.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Total bytes held, for tests. */
  get totalBytes(): number {
    let n = 0;
    for (const v of this.#entries.values()) n += v.byteLength;
    return n;
  }
}
