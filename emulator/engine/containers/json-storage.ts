// Where the container and volume stores persist their JSON: one document per store behind a tiny interface,
// in memory for tests, or on the content store's BlobBackend (OPFS in the browser, a directory in Node).
import { bytesStream, readAll, type BlobBackend } from '../store/blob-backend.ts';

export interface JsonStorage {
  /** the last saved text, or undefined before the first save */
  load(): Promise<string | undefined>;
  save(text: string): Promise<void>;
}

export class MemoryJsonStorage implements JsonStorage {
  text: string | undefined;
  async load(): Promise<string | undefined> {
    return this.text;
  }
  async save(text: string): Promise<void> {
    this.text = text;
  }
}

/** A JSON document at `path` of a BlobBackend (atomic puts, so a reload never sees half a document). */
export function blobJsonStorage(backend: BlobBackend, path: string): JsonStorage {
  return {
    async load() {
      const stream = await backend.get(path);
      return stream ? new TextDecoder().decode(await readAll(stream)) : undefined;
    },
    async save(text) {
      await backend.put(path, bytesStream(new TextEncoder().encode(text)));
    },
  };
}

/** Serialises saves so an older document never lands after a newer one. */
export class SaveQueue {
  #last: Promise<void> = Promise.resolve();
  constructor(private readonly storage: JsonStorage) {}
  save(text: string): Promise<void> {
    const next = this.#last.catch(() => undefined).then(() => this.storage.save(text));
    this.#last = next;
    return next;
  }
}
