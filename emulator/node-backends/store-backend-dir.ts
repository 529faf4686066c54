// BlobBackend on a Node directory (tests, `engine:serve`): the content store as real files, an OCI image
// layout that tools such as skopeo can read. Lives outside emulator/engine because it imports node:.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { BlobBackend } from '../engine/store/blob-backend.ts';

export class DirBlobBackend implements BlobBackend {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  #abs(path: string): string {
    const abs = join(this.root, ...path.split('/'));
    if (relative(this.root, abs).startsWith('..')) throw new Error(`path escapes the store: ${path}`);
    return abs;
  }

  async has(path: string): Promise<boolean> {
    return (await this.size(path)) !== undefined;
  }

  async get(path: string): Promise<ReadableStream<Uint8Array> | undefined> {
    if (!(await this.has(path))) return undefined;
    return Readable.toWeb(createReadStream(this.#abs(path))) as ReadableStream<Uint8Array>;
  }

  async size(path: string): Promise<number | undefined> {
    try {
      const s = await stat(this.#abs(path));
      return s.isFile() ? s.size : undefined;
    } catch {
      return undefined;
    }
  }

  async put(path: string, data: ReadableStream<Uint8Array>): Promise<void> {
    // Write beside the target and rename: readers see the old file or the complete new one.
    const target = this.#abs(path);
    const tmpDir = join(this.root, '.tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomBytes(8).toString('hex'));
    const fh = await open(tmp, 'w');
    try {
      const reader = data.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await fh.write(value);
      }
      await fh.close();
      await mkdir(dirname(target), { recursive: true });
      await rename(tmp, target);
    } catch (e) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async delete(path: string): Promise<void> {
    await rm(this.#abs(path), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const abs = join(dir, e.name);
        const rel = relative(this.root, abs).split(sep).join('/');
        if (rel === '.tmp') continue;
        if (e.isDirectory()) await walk(abs);
        else if (rel.startsWith(prefix)) out.push(rel);
      }
    };
    await walk(this.root);
    return out.sort();
  }
}
