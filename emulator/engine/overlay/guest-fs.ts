// GuestFs: the file system the engine unpacks layers into (the VM side implements it on v86's 9p share).
// Paths are absolute inside the share and `/`-separated, as in emulator/vm/share-fs.ts:
// `/layers/<chainID hex>/bin/sh` (seen by the guest under /mnt/host).

export type FileKind = 'file' | 'directory' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface FileAttrs {
  /** permission bits including setuid/setgid/sticky (mode & 0o7777) */
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

export interface FileStat extends FileAttrs {
  kind: FileKind;
  size: number;
  /** device numbers of char/block devices */
  major?: number;
  minor?: number;
  /** symlink target */
  target?: string;
  /** number of names for this inode (hard links) */
  nlink: number;
}

export interface GuestFs {
  /** Like lstat(2): does not follow a final symlink; undefined when absent. */
  lstat(path: string): Promise<FileStat | undefined>;
  /** Names in a directory (without `.` and `..`). */
  readdir(path: string): Promise<string[]>;
  /** The content of a regular file (build contexts, and tars the guest writes into the share). */
  readFile(path: string): Promise<Uint8Array>;
  /** Creates one directory; its parent exists. */
  mkdir(path: string, attrs: FileAttrs): Promise<void>;
  /** Creates or replaces a regular file with the given content. */
  writeFile(path: string, data: Uint8Array | ReadableStream<Uint8Array>, attrs: FileAttrs): Promise<void>;
  symlink(path: string, target: string, attrs: FileAttrs): Promise<void>;
  /** A hard link at `path` to the existing file `existing`. */
  link(path: string, existing: string): Promise<void>;
  /** A device or FIFO node; a char device 0/0 is an overlayfs whiteout. */
  mknod(path: string, kind: 'char' | 'block' | 'fifo', major: number, minor: number, attrs: FileAttrs): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  utimes(path: string, mtime: Date): Promise<void>;
  /** Removes a file, or a directory with everything in it. Absent paths are not an error. */
  rm(path: string): Promise<void>;
}

/** Joins path parts with single slashes, keeping a leading slash of the first part. */
export function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p !== '')
    .join('/');
  return parts[0]?.startsWith('/') ? `/${joined}` : joined;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : i === 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
