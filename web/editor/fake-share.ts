// Test support: an in-memory stand-in for the worker's 9p share folder, shaped like ShareFiles (web/share-files.ts).
import type { ShareTreeEntry, ShareTreeOptions } from '../../emulator/protocol.ts';
import type { SyncShare } from './share-sync.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Files and folders by share path ("work/a.txt"); parents are created like ShareFs.writeFile does. */
export class FakeShare implements SyncShare {
  files = new Map<string, Uint8Array>();
  dirs = new Set<string>();
  writes: string[] = [];

  async tree(root: string, options: ShareTreeOptions = {}): Promise<ShareTreeEntry[]> {
    const exclude = new Set(options.exclude ?? []);
    const out: ShareTreeEntry[] = [];
    const rel = (p: string) => p.slice(root.length + 1);
    const skip = (p: string) => rel(p).split('/').some((part) => exclude.has(part));
    for (const d of this.dirs) if (d.startsWith(`${root}/`) && !skip(d)) out.push({ path: rel(d), type: 'directory', size: 0, mtime: 0 });
    for (const [f, data] of this.files) {
      if (f.startsWith(`${root}/`) && !skip(f)) out.push({ path: rel(f), type: 'file', size: data.length, mtime: 0, hash: dec.decode(data) });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  }
  async read(path: string): Promise<Uint8Array> {
    const data = this.files.get(path);
    if (!data) throw new Error(`ENOENT ${path}`);
    return data;
  }
  async write(path: string, data: string): Promise<void> {
    this.writes.push(path);
    this.mkdirSync(path.split('/').slice(0, -1).join('/'));
    this.files.set(path, enc.encode(data));
  }
  async remove(path: string): Promise<void> {
    for (const p of [...this.files.keys()]) if (p === path || p.startsWith(`${path}/`)) this.files.delete(p);
    for (const p of [...this.dirs]) if (p === path || p.startsWith(`${path}/`)) this.dirs.delete(p);
  }
  async mkdir(path: string): Promise<void> {
    this.mkdirSync(path);
  }
  /** What the guest does: write a file directly. */
  guestWrite(path: string, text: string | Uint8Array): void {
    this.mkdirSync(path.split('/').slice(0, -1).join('/'));
    this.files.set(path, typeof text === 'string' ? enc.encode(text) : text);
  }
  text(path: string): string | undefined {
    const data = this.files.get(path);
    return data && dec.decode(data);
  }
  private mkdirSync(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) this.dirs.add(parts.slice(0, i).join('/'));
  }
}

