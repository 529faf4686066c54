// BlobBackend on the Origin Private File System (browser workers): persists the content store across reloads.
import type { BlobBackend } from './blob-backend.ts';
import { KeyedTurns } from '../keyed-turns.ts';

/**
 * Keys are `/`-separated paths under `root`. Writes go through createWritable(), whose swap file is
 * only committed on close(), so a failed stream leaves the old content; a file created for a failed
 * write is removed again.
 */
export class OpfsBlobBackend implements BlobBackend {
  readonly #root: FileSystemDirectoryHandle;
  /** Paths being written now: their (empty) file exists but is not yet a value. */
  readonly #pending = new Set<string>();
  /**
   * The last write or delete of each path, which the next one waits for: OPFS refuses to remove a file while a
   * writable is open on it (NoModificationAllowedError), which failed "Reset lesson" when the checkpoint's
   * documents were written while the old engine was still saving one of them.
   */
  readonly #changes = new KeyedTurns();

  constructor(root: FileSystemDirectoryHandle) {
    this.#root = root;
  }

  /** The backend on `navigator.storage.getDirectory()/<dirName>`. */
  static async open(dirName = 'drydock-store'): Promise<OpfsBlobBackend> {
    const opfs = await navigator.storage.getDirectory();
    return new OpfsBlobBackend(await opfs.getDirectoryHandle(dirName, { create: true }));
  }

  async #dir(parts: string[], create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    let dir = this.#root;
    for (const part of parts) {
      try {
        dir = await dir.getDirectoryHandle(part, { create });
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    }
    return dir;
  }

  async #file(path: string): Promise<FileSystemFileHandle | undefined> {
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined) return undefined;
    const dir = await this.#dir(parts, false);
    if (!dir) return undefined;
    try {
      return await dir.getFileHandle(name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async has(path: string): Promise<boolean> {
    if (this.#pending.has(path)) return false;
    return (await this.#file(path)) !== undefined;
  }

  async get(path: string): Promise<ReadableStream<Uint8Array> | undefined> {
    if (this.#pending.has(path)) return undefined;
    const handle = await this.#file(path);
    if (!handle) return undefined;
    const file = await handle.getFile();
    return file.stream() as ReadableStream<Uint8Array>;
  }

  async size(path: string): Promise<number | undefined> {
    if (this.#pending.has(path)) return undefined;
    const handle = await this.#file(path);
    return handle ? (await handle.getFile()).size : undefined;
  }

  put(path: string, data: ReadableStream<Uint8Array>): Promise<void> {
    return this.#changes.run(path, () => this.#put(path, data));
  }

  delete(path: string): Promise<void> {
    return this.#changes.run(path, () => this.#delete(path));
  }

  async #put(path: string, data: ReadableStream<Uint8Array>): Promise<void> {
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined) throw new TypeError(`empty path`);
    const dir = await this.#dir(parts, true);
    if (!dir) throw new Error(`cannot create directory for ${path}`);
    const existed = await this.#file(path) !== undefined;
    const handle = await dir.getFileHandle(name, { create: true });
    this.#pending.add(path);
    try {
      const writable = await handle.createWritable({ keepExistingData: false });
      // pipeTo aborts the writable (discarding the swap file) when the source errors.
      await data.pipeTo(writable as unknown as WritableStream<Uint8Array>);
    } catch (e) {
      if (!existed) await dir.removeEntry(name).catch(() => {});
      throw e;
    } finally {
      this.#pending.delete(path);
    }
  }

  async #delete(path: string): Promise<void> {
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined) return;
    const dir = await this.#dir(parts, false);
    if (!dir) return;
    try {
      await dir.removeEntry(name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: FileSystemDirectoryHandle, base: string): Promise<void> => {
      // The async iterator is in the spec but not in every TS lib; values() is typed in lib.dom.asynciterable.
      const entries = (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
      for await (const [name, handle] of entries) {
        const path = base ? `${base}/${name}` : name;
        if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, path);
        else if (path.startsWith(prefix) && !this.#pending.has(path)) out.push(path);
      }
    };
    await walk(this.#root, '');
    return out.sort();
  }
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '');
}

function isNotFound(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: string }).name === 'NotFoundError';
}
