// The build cache: a step's key (its parent's key, the instruction after expansion, the build args and state in
// effect, the checksums of the files it reads) -> the layer it made. One JSON document beside the image db.
import { sha256DigestOfString } from '../oci/digest.ts';
import { SaveQueue, type JsonStorage } from '../containers/json-storage.ts';
import type { BuiltLayer } from './layer.ts';

export interface CacheRecord {
  /** absent when the step changed no files (an empty layer in the history) */
  layer?: BuiltLayer;
  created: string;
}

interface CacheDocument {
  version: 1;
  steps: Record<string, CacheRecord>;
}

/** A cache key from its parts, order-sensitive (`sha256:` of their JSON). */
export function cacheKey(...parts: unknown[]): string {
  return sha256DigestOfString(JSON.stringify(parts));
}

export class BuildCache {
  readonly #steps: Map<string, CacheRecord>;
  readonly #queue: SaveQueue;

  private constructor(steps: Map<string, CacheRecord>, storage: JsonStorage) {
    this.#steps = steps;
    this.#queue = new SaveQueue(storage);
  }

  static async open(storage: JsonStorage): Promise<BuildCache> {
    const text = await storage.load();
    let steps = new Map<string, CacheRecord>();
    if (text) {
      try {
        const doc = JSON.parse(text) as CacheDocument;
        if (doc.version === 1) steps = new Map(Object.entries(doc.steps));
      } catch {
        // A damaged cache is only a slower build: start empty.
      }
    }
    return new BuildCache(steps, storage);
  }

  get(key: string): CacheRecord | undefined {
    return this.#steps.get(key);
  }

  async put(key: string, record: CacheRecord): Promise<void> {
    this.#steps.set(key, record);
    await this.#save();
  }

  async delete(key: string): Promise<void> {
    if (this.#steps.delete(key)) await this.#save();
  }

  /** `docker builder prune`: forget every step; returns their keys and the layer bytes they named. */
  async prune(): Promise<{ keys: string[]; bytes: number }> {
    const entries = [...this.#steps];
    this.#steps.clear();
    await this.#save();
    return { keys: entries.map(([k]) => k), bytes: entries.reduce((n, [, r]) => n + (r.layer?.size ?? 0), 0) };
  }

  get size(): number {
    return this.#steps.size;
  }

  #save(): Promise<void> {
    const doc: CacheDocument = { version: 1, steps: Object.fromEntries(this.#steps) };
    return this.#queue.save(JSON.stringify(doc));
  }
}
