// An in-memory GuestFs with inodes (so hard links share content): for tests and for Node runs without a VM.
import { readAll } from '../store/blob-backend.ts';
import { EngineError } from '../errors.ts';
import { baseName, type FileAttrs, type FileKind, type FileStat, type GuestFs, parentOf } from './guest-fs.ts';

interface Inode extends FileAttrs {
  kind: FileKind;
  data?: Uint8Array;
  target?: string;
  major?: number;
  minor?: number;
  nlink: number;
  children?: Map<string, Inode>;
}

export class MemoryGuestFs implements GuestFs {
  readonly root: Inode = { kind: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: new Date(0), nlink: 1, children: new Map() };

  #lookup(path: string): Inode | undefined {
    let node: Inode | undefined = this.root;
    for (const part of path.split('/').filter((p) => p !== '')) {
      node = node?.children?.get(part);
      if (!node) return undefined;
    }
    return node;
  }

  #parent(path: string): Inode {
    const parent = this.#lookup(parentOf(path));
    if (!parent || parent.kind !== 'directory' || !parent.children) {
      throw new EngineError('NOT_FOUND', `no directory ${parentOf(path) || '/'} for ${path}`);
    }
    return parent;
  }

  #create(path: string, inode: Inode, replace = false): void {
    const parent = this.#parent(path);
    const name = baseName(path);
    if (parent.children?.has(name) && !replace) throw new EngineError('CONFLICT', `${path} exists`);
    parent.children?.set(name, inode);
  }

  #must(path: string): Inode {
    const node = this.#lookup(path);
    if (!node) throw new EngineError('NOT_FOUND', `${path} does not exist`);
    return node;
  }

  async lstat(path: string): Promise<FileStat | undefined> {
    const n = this.#lookup(path);
    if (!n) return undefined;
    const st: FileStat = { kind: n.kind, mode: n.mode, uid: n.uid, gid: n.gid, mtime: n.mtime, size: n.data?.byteLength ?? 0, nlink: n.nlink };
    if (n.target !== undefined) st.target = n.target;
    if (n.major !== undefined) st.major = n.major;
    if (n.minor !== undefined) st.minor = n.minor;
    return st;
  }

  async readdir(path: string): Promise<string[]> {
    const n = this.#must(path);
    if (!n.children) throw new EngineError('INVALID_ARGUMENT', `${path} is not a directory`);
    return [...n.children.keys()].sort();
  }

  async readFile(path: string): Promise<Uint8Array> {
    const n = this.#must(path);
    if (n.kind !== 'file') throw new EngineError('INVALID_ARGUMENT', `${path} is not a regular file`);
    return n.data ?? new Uint8Array(0);
  }

  async mkdir(path: string, attrs: FileAttrs): Promise<void> {
    this.#create(path, { kind: 'directory', ...attrs, nlink: 1, children: new Map() });
  }

  async writeFile(path: string, data: Uint8Array | ReadableStream<Uint8Array>, attrs: FileAttrs): Promise<void> {
    const bytes = data instanceof Uint8Array ? data : await readAll(data);
    this.#create(path, { kind: 'file', ...attrs, nlink: 1, data: bytes }, true);
  }

  async symlink(path: string, target: string, attrs: FileAttrs): Promise<void> {
    this.#create(path, { kind: 'symlink', ...attrs, nlink: 1, target });
  }

  async link(path: string, existing: string): Promise<void> {
    const node = this.#must(existing);
    if (node.kind === 'directory') throw new EngineError('INVALID_ARGUMENT', `cannot hard-link directory ${existing}`);
    this.#create(path, node);
    node.nlink++;
  }

  async mknod(path: string, kind: 'char' | 'block' | 'fifo', major: number, minor: number, attrs: FileAttrs): Promise<void> {
    this.#create(path, { kind, ...attrs, nlink: 1, major, minor });
  }

  async chmod(path: string, mode: number): Promise<void> {
    this.#must(path).mode = mode;
  }

  async chown(path: string, uid: number, gid: number): Promise<void> {
    const n = this.#must(path);
    n.uid = uid;
    n.gid = gid;
  }

  async utimes(path: string, mtime: Date): Promise<void> {
    this.#must(path).mtime = mtime;
  }

  async rm(path: string): Promise<void> {
    const node = this.#lookup(path);
    if (!node) return;
    this.#parent(path).children?.delete(baseName(path));
    node.nlink--;
  }

  /** Test helper: a file's content as text. */
  async readText(path: string): Promise<string> {
    const n = this.#must(path);
    return new TextDecoder().decode(n.data ?? new Uint8Array());
  }

  /** Test helper: every path under `dir`, with a one-word description, sorted. */
  async tree(dir: string): Promise<string[]> {
    const out: string[] = [];
    const walk = (node: Inode, prefix: string) => {
      for (const [name, child] of [...(node.children ?? new Map<string, Inode>()).entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const path = prefix ? `${prefix}/${name}` : name;
        out.push(`${path} ${describe(child)}`);
        if (child.children) walk(child, path);
      }
    };
    walk(this.#must(dir), '');
    return out;
  }
}

function describe(n: Inode): string {
  const mode = (n.mode & 0o7777).toString(8).padStart(4, '0');
  const owner = `${n.uid}:${n.gid}`;
  switch (n.kind) {
    case 'symlink':
      return `symlink->${n.target} ${owner}`;
    case 'char':
    case 'block':
      return `${n.kind}(${n.major},${n.minor}) ${mode} ${owner}`;
    default:
      return `${n.kind} ${mode} ${owner}`;
  }
}
