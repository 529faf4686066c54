// The 9p share (/mnt/host in the guest) as a small typed file system over v86's untyped `emulator.fs9p`.
//
// v86's lib/filesystem.js is not part of v86.d.ts, so this module is the one place that knows its shape (pinned to
// the v86 version in package.json). Paths are absolute inside the share: "/layers/sha256-.../etc/passwd".
import { EngineError } from '../engine/errors.ts';

const S_IFMT = 0o170000;
const S_IFSOCK = 0o140000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFBLK = 0o060000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFIFO = 0o010000;

export type ShareEntryType = 'file' | 'directory' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface ShareStat {
  type: ShareEntryType;
  /** permission bits and set-id/sticky bits (no type bits) */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** seconds since the epoch */
  mtime: number;
  nlinks: number;
  /** for symlinks */
  target?: string;
  /** for device nodes */
  major?: number;
  minor?: number;
}

export interface ShareDirEntry extends ShareStat {
  name: string;
}

/** Ownership, permissions and times; whatever is left out keeps its default. */
export interface ShareAttributes {
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

// ---- the slice of v86's lib/filesystem.js this module uses (v86 0.5.462) ----
interface V86Inode {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  ctime: number;
  atime: number;
  nlinks: number;
  symlink: string;
  major: number;
  minor: number;
  direntries: Map<string, number>;
}
interface V86SearchResult {
  id: number;
  parentid: number;
  /** only meaningful when id is -1 (v86 leaves it undefined for found paths) */
  name: string | undefined;
}
/** v86's FS object (`emulator.fs9p`). */
export interface V86FileSystem {
  SearchPath(path: string): V86SearchResult;
  Search(parentid: number, name: string): number;
  GetInode(id: number): V86Inode;
  CreateDirectory(name: string, parentid: number): number;
  CreateBinaryFile(name: string, parentid: number, data: Uint8Array): Promise<number>;
  CreateSymlink(name: string, parentid: number, target: string): number;
  CreateNode(name: string, parentid: number, major: number, minor: number): number;
  Link(parentid: number, targetid: number, name: string): number;
  Unlink(parentid: number, name: string): number;
  Read(id: number, offset: number, count: number): Promise<Uint8Array | null>;
  ChangeSize(id: number, size: number): Promise<void>;
  Write(id: number, offset: number, count: number, data: Uint8Array): Promise<void>;
  IsDirectory(id: number): boolean;
  RecursiveDelete(path: string): void;
}

function typeOf(mode: number): ShareEntryType {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return 'directory';
    case S_IFLNK:
      return 'symlink';
    case S_IFCHR:
      return 'char';
    case S_IFBLK:
      return 'block';
    case S_IFIFO:
      return 'fifo';
    case S_IFSOCK:
      return 'socket';
    default:
      return 'file';
  }
}

const typeBits: Record<'char' | 'block' | 'fifo', number> = { char: S_IFCHR, block: S_IFBLK, fifo: S_IFIFO };

/** "/a//b/c/" -> ["a", "b", "c"]; refuses ".." so nothing can name a place outside the share. */
export function splitSharePath(path: string): string[] {
  if (!path.startsWith('/')) throw new EngineError('INVALID_ARGUMENT', `share paths are absolute: ${JSON.stringify(path)}`);
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new EngineError('INVALID_ARGUMENT', `share paths may not contain "..": ${JSON.stringify(path)}`);
  for (const p of parts) {
    if (p.includes('\0')) throw new EngineError('INVALID_ARGUMENT', `share path contains a NUL byte: ${JSON.stringify(path)}`);
  }
  return parts;
}

export class ShareFs {
  constructor(private readonly fs: V86FileSystem) {}

  /** Create or replace a regular file, creating missing parent directories (v86's create_file does not). */
  async writeFile(path: string, data: Uint8Array, attributes: ShareAttributes = {}): Promise<void> {
    const { parent, name } = this.parentOf(path, true);
    const existing = this.fs.Search(parent, name);
    let id: number;
    if (existing === -1) {
      id = await this.fs.CreateBinaryFile(name, parent, data);
      this.inode(id).mode = S_IFREG | 0o644;
    } else {
      const inode = this.inode(existing);
      if (typeOf(inode.mode) !== 'file') {
        throw new EngineError('CONFLICT', `cannot write ${path}: it is a ${typeOf(inode.mode)}`);
      }
      // A hard link shares the inode; writing through one name changes all of them, as on Linux.
      // Truncate, then size exactly: FS.Write alone would over-allocate by half.
      await this.fs.ChangeSize(existing, 0);
      await this.fs.ChangeSize(existing, data.length);
      await this.fs.Write(existing, 0, data.length, data);
      inode.mtime = Math.round(Date.now() / 1000);
      id = existing;
    }
    this.apply(id, attributes);
  }

  async readFile(path: string): Promise<Uint8Array> {
    const id = this.resolve(path);
    const inode = this.inode(id);
    if (typeOf(inode.mode) !== 'file') throw new EngineError('CONFLICT', `cannot read ${path}: it is a ${typeOf(inode.mode)}`);
    const data = await this.fs.Read(id, 0, inode.size);
    // Empty files have no data buffer at all.
    return data ? data.slice() : new Uint8Array(0);
  }

  /** mkdir -p; existing directories are kept (their attributes updated when given). */
  mkdir(path: string, attributes: ShareAttributes = {}): void {
    let id = 0;
    for (const part of splitSharePath(path)) {
      const child = this.fs.Search(id, part);
      if (child === -1) {
        id = this.fs.CreateDirectory(part, id);
        this.inode(id).mode = S_IFDIR | 0o755;
      } else if (!this.fs.IsDirectory(child)) {
        throw new EngineError('CONFLICT', `cannot create directory ${path}: ${part} is not a directory`);
      } else {
        id = child;
      }
    }
    this.apply(id, attributes);
  }

  symlink(path: string, target: string, attributes: Omit<ShareAttributes, 'mode'> = {}): void {
    const { parent, name } = this.parentOf(path, true);
    this.refuseExisting(parent, name, path);
    const id = this.fs.CreateSymlink(name, parent, target);
    this.inode(id).mode = S_IFLNK | 0o777;
    this.apply(id, attributes);
  }

  /** A hard link at `path` to the existing non-directory `existingPath`. */
  link(path: string, existingPath: string): void {
    const target = this.resolve(existingPath);
    if (this.fs.IsDirectory(target)) throw new EngineError('INVALID_ARGUMENT', `cannot hard-link a directory: ${existingPath}`);
    const { parent, name } = this.parentOf(path, true);
    this.refuseExisting(parent, name, path);
    const result = this.fs.Link(parent, target, name);
    if (result !== 0) throw new EngineError('INTERNAL', `hard link ${path} -> ${existingPath} failed (errno ${-result})`);
  }

  /** A device node or FIFO. Overlay whiteouts are char devices 0/0. */
  mknod(path: string, type: 'char' | 'block' | 'fifo', options: ShareAttributes & { major?: number; minor?: number } = {}): void {
    const { parent, name } = this.parentOf(path, true);
    this.refuseExisting(parent, name, path);
    const id = this.fs.CreateNode(name, parent, options.major ?? 0, options.minor ?? 0);
    // CreateNode leaves the type bits to the caller (v86's 9p mknod sets the whole mode the same way).
    this.inode(id).mode = typeBits[type] | ((options.mode ?? 0o644) & 0o7777);
    const { mode: _mode, ...rest } = options;
    this.apply(id, rest);
  }

  /** Change mode (permission bits), owner or mtime; symlinks are not followed. */
  setAttributes(path: string, attributes: ShareAttributes): void {
    this.apply(this.resolve(path), attributes);
  }

  stat(path: string): ShareStat | null {
    const parts = splitSharePath(path);
    const found = this.fs.SearchPath('/' + parts.join('/'));
    return found.id === -1 ? null : this.describe(found.id);
  }

  exists(path: string): boolean {
    return this.stat(path) !== null;
  }

  list(path: string): ShareDirEntry[] {
    const id = this.resolve(path);
    const inode = this.inode(id);
    if (typeOf(inode.mode) !== 'directory') throw new EngineError('CONFLICT', `cannot list ${path}: not a directory`);
    const entries: ShareDirEntry[] = [];
    for (const [name, child] of inode.direntries) {
      if (name === '.' || name === '..') continue;
      entries.push({ name, ...this.describe(child) });
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** rm (or rm -r with recursive); a missing path is not an error. */
  remove(path: string, options: { recursive?: boolean } = {}): void {
    const parts = splitSharePath(path);
    if (parts.length === 0) throw new EngineError('INVALID_ARGUMENT', 'refusing to remove the share root');
    const clean = '/' + parts.join('/');
    const found = this.fs.SearchPath(clean);
    if (found.id === -1) return;
    if (this.fs.IsDirectory(found.id)) {
      if (this.inode(found.id).direntries.size > 2 && !options.recursive) {
        throw new EngineError('CONFLICT', `cannot remove ${path}: directory not empty`);
      }
      this.fs.RecursiveDelete(clean);
    }
    // SearchPath's `name` is only set when the path is missing; use our own last component.
    const result = this.fs.Unlink(found.parentid, parts[parts.length - 1]!);
    if (result !== 0) throw new EngineError('INTERNAL', `cannot remove ${path} (errno ${-result})`);
  }

  private describe(id: number): ShareStat {
    const inode = this.inode(id);
    const type = typeOf(inode.mode);
    const stat: ShareStat = {
      type,
      mode: inode.mode & 0o7777,
      uid: inode.uid,
      gid: inode.gid,
      size: type === 'symlink' ? inode.symlink.length : inode.size,
      mtime: inode.mtime,
      nlinks: inode.nlinks,
    };
    if (type === 'symlink') stat.target = inode.symlink;
    if (type === 'char' || type === 'block') {
      stat.major = inode.major;
      stat.minor = inode.minor;
    }
    return stat;
  }

  private apply(id: number, attributes: ShareAttributes): void {
    const inode = this.inode(id);
    if (attributes.mode !== undefined) inode.mode = (inode.mode & S_IFMT) | (attributes.mode & 0o7777);
    if (attributes.uid !== undefined) inode.uid = attributes.uid;
    if (attributes.gid !== undefined) inode.gid = attributes.gid;
    if (attributes.mtime !== undefined) inode.mtime = attributes.mtime;
  }

  private inode(id: number): V86Inode {
    return this.fs.GetInode(id);
  }

  private resolve(path: string): number {
    const parts = splitSharePath(path);
    const found = this.fs.SearchPath('/' + parts.join('/'));
    if (found.id === -1) throw new EngineError('NOT_FOUND', `no such file or directory in the share: ${path}`);
    return found.id;
  }

  /** The directory that holds `path` (created when `create`), and the last name. */
  private parentOf(path: string, create: boolean): { parent: number; name: string } {
    const parts = splitSharePath(path);
    const name = parts.pop();
    if (name === undefined) throw new EngineError('INVALID_ARGUMENT', `not a file path: ${JSON.stringify(path)}`);
    const dir = '/' + parts.join('/');
    if (create) this.mkdir(dir);
    return { parent: this.resolve(dir), name };
  }

  private refuseExisting(parent: number, name: string, path: string): void {
    if (this.fs.Search(parent, name) !== -1) throw new EngineError('CONFLICT', `already exists in the share: ${path}`);
  }
}
