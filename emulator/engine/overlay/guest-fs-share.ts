// Adapts the VM's ShareFs (emulator/vm/share-fs.ts, v86's 9p share) to GuestFs, structurally, so the
// engine needs no import from the VM side: `guestFsFromShare(new ShareFs(emulator.fs9p))`.
import { readAll } from '../store/blob-backend.ts';
import type { FileAttrs, FileKind, FileStat, GuestFs } from './guest-fs.ts';

/** The slice of ShareFs used here (mtime in seconds since the epoch). */
export interface ShareFsLike {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array, attributes?: ShareAttrs): Promise<void>;
  mkdir(path: string, attributes?: ShareAttrs): void;
  symlink(path: string, target: string, attributes?: Omit<ShareAttrs, 'mode'>): void;
  link(path: string, existingPath: string): void;
  mknod(path: string, type: 'char' | 'block' | 'fifo', options?: ShareAttrs & { major?: number; minor?: number }): void;
  setAttributes(path: string, attributes: ShareAttrs): void;
  stat(path: string): ShareStatLike | null;
  list(path: string): { name: string }[];
  remove(path: string, options?: { recursive?: boolean }): void;
}

interface ShareAttrs {
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

interface ShareStatLike {
  type: FileKind;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  nlinks: number;
  target?: string;
  major?: number;
  minor?: number;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const share = (a: FileAttrs): ShareAttrs => ({ mode: a.mode, uid: a.uid, gid: a.gid, mtime: seconds(a.mtime) });

export function guestFsFromShare(fs: ShareFsLike): GuestFs {
  return {
    async lstat(path) {
      const st = fs.stat(path);
      if (!st) return undefined;
      const out: FileStat = { kind: st.type, mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, mtime: new Date(st.mtime * 1000), nlink: st.nlinks };
      if (st.target !== undefined) out.target = st.target;
      if (st.major !== undefined) out.major = st.major;
      if (st.minor !== undefined) out.minor = st.minor;
      return out;
    },
    async readdir(path) {
      return fs.list(path).map((e) => e.name);
    },
    async readFile(path) {
      return fs.readFile(path);
    },
    async mkdir(path, attrs) {
      fs.mkdir(path, share(attrs));
    },
    async writeFile(path, data, attrs) {
      // v86 keeps file contents in memory as one buffer, so a stream is collected first.
      await fs.writeFile(path, data instanceof Uint8Array ? data : await readAll(data), share(attrs));
    },
    async symlink(path, target, attrs) {
      const { mode: _mode, ...rest } = share(attrs);
      fs.symlink(path, target, rest);
    },
    async link(path, existing) {
      fs.link(path, existing);
    },
    async mknod(path, kind, major, minor, attrs) {
      fs.mknod(path, kind, { ...share(attrs), major, minor });
    },
    async chmod(path, mode) {
      fs.setAttributes(path, { mode });
    },
    async chown(path, uid, gid) {
      fs.setAttributes(path, { uid, gid });
    },
    async utimes(path, mtime) {
      fs.setAttributes(path, { mtime: seconds(mtime) });
    },
    async rm(path) {
      fs.remove(path, { recursive: true });
    },
  };
}
