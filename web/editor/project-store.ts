// Where the learner's project survives a reload: one record in IndexedDB (or in memory for tests).
import type { ProjectSnapshot } from './project.svelte.ts';

export interface ProjectStore {
  load(): Promise<ProjectSnapshot | null>;
  save(snapshot: ProjectSnapshot): Promise<void>;
}

const DB_NAME = 'drydock-editor';
const STORE = 'projects';
/** One project for now; the key leaves room for one per course later. */
const KEY = 'current';

/** IndexedDB rather than OPFS: one small structured record, written often, readable on the main thread everywhere. */
export class IndexedDbProjectStore implements ProjectStore {
  readonly #factory: IDBFactory;
  #db: Promise<IDBDatabase> | null = null;

  constructor(factory: IDBFactory = globalThis.indexedDB) {
    this.#factory = factory;
  }

  async load(): Promise<ProjectSnapshot | null> {
    const db = await this.#open();
    const value = await request<unknown>(db.transaction(STORE, 'readonly').objectStore(STORE).get(KEY));
    return isSnapshot(value) ? value : null;
  }

  async save(snapshot: ProjectSnapshot): Promise<void> {
    const db = await this.#open();
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(snapshot, KEY);
    await done(tx);
  }

  #open(): Promise<IDBDatabase> {
    if (!this.#db) {
      const opening = this.#factory.open(DB_NAME, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
      this.#db = request(opening);
      // A failed open may succeed later (private mode quirks, a blocked upgrade): try again next time.
      this.#db.catch(() => (this.#db = null));
    }
    return this.#db;
  }
}

export class MemoryProjectStore implements ProjectStore {
  saved: ProjectSnapshot | null;
  saves = 0;

  constructor(initial: ProjectSnapshot | null = null) {
    this.saved = initial;
  }

  async load(): Promise<ProjectSnapshot | null> {
    return this.saved && structuredClone(this.saved);
  }

  async save(snapshot: ProjectSnapshot): Promise<void> {
    this.saves++;
    this.saved = structuredClone(snapshot);
  }
}

function isSnapshot(value: unknown): value is ProjectSnapshot {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<ProjectSnapshot>;
  return (
    !!v.files &&
    typeof v.files === 'object' &&
    Object.values(v.files).every((c) => typeof c === 'string') &&
    Array.isArray(v.folders) &&
    (v.open === null || typeof v.open === 'string')
  );
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}
