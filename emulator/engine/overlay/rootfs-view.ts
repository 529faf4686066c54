// Reads an image's file system as overlayfs would merge it, straight from its unpacked layers on the share
// (no guest round trip): COPY --from, the destination checks of COPY, /etc/passwd for --chown and USER.
import type { FileStat, GuestFs } from './guest-fs.ts';
import { joinPath } from './guest-fs.ts';
import { isWhiteout } from './lower-view.ts';

export interface RootfsView {
  /** like lstat(2) in the merged tree (path absolute in the image); undefined when absent */
  lstat(path: string): Promise<FileStat | undefined>;
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string): Promise<string[]>;
}

/** `layerDirs`: GuestFs directories of the image's layers, topmost first. */
export function rootfsView(fs: GuestFs, layerDirs: readonly string[]): RootfsView {
  /** The layer that provides `path`, or undefined when absent (a whiteout or a file above hides it). */
  const locate = async (path: string): Promise<{ dir: string; st: FileStat } | undefined> => {
    const parts = path.split('/').filter((p) => p !== '');
    for (const dir of layerDirs) {
      const st = await fs.lstat(joinPath(dir, ...parts));
      if (st) return isWhiteout(st) ? undefined : { dir, st };
      // A whiteout or a non-directory at an ancestor in this layer hides everything below it.
      for (let i = parts.length - 1; i >= 1; i--) {
        const up = await fs.lstat(joinPath(dir, ...parts.slice(0, i)));
        if (!up) continue;
        if (up.kind !== 'directory') return undefined;
        break;
      }
    }
    return undefined;
  };
  return {
    async lstat(path) {
      if (path === '/' || path === '') return (await fs.lstat(layerDirs[0] ?? '/')) ?? undefined;
      return (await locate(path))?.st;
    },
    async readFile(path) {
      const found = await locate(path);
      if (!found || found.st.kind !== 'file') throw new Error(`${path}: not a regular file in the image`);
      return fs.readFile(joinPath(found.dir, path));
    },
    async readdir(path) {
      const names = new Set<string>();
      const hidden = new Set<string>();
      for (const dir of layerDirs) {
        const st = await fs.lstat(joinPath(dir, path));
        if (!st) continue;
        if (st.kind !== 'directory') break;
        for (const name of await fs.readdir(joinPath(dir, path))) {
          if (names.has(name) || hidden.has(name)) continue;
          const child = await fs.lstat(joinPath(dir, path, name));
          if (child && isWhiteout(child)) hidden.add(name);
          else names.add(name);
        }
      }
      return [...names].sort();
    },
  };
}
