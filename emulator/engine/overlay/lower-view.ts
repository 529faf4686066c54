// The merged listing of a stack of unpacked layers, as overlayfs would show it: what an opaque directory
// in the next layer has to hide.
import type { GuestFs } from './guest-fs.ts';
import { joinPath } from './guest-fs.ts';
import type { LowerView } from '../images/layer-unpack.ts';

/** `layerDirs` are GuestFs directories of unpacked layers, topmost first. */
export function mergedLowerView(fs: GuestFs, layerDirs: readonly string[]): LowerView {
  return {
    async list(dir) {
      const found = new Map<string, boolean>();
      const hidden = new Set<string>();
      for (const layer of layerDirs) {
        const st = await fs.lstat(joinPath(layer, dir));
        if (!st) {
          if (await blocked(fs, layer, dir)) break;
          continue;
        }
        // A whiteout or a non-directory here hides the lower layers' directory altogether.
        if (st.kind !== 'directory') break;
        for (const name of await fs.readdir(joinPath(layer, dir))) {
          if (found.has(name) || hidden.has(name)) continue;
          const child = await fs.lstat(joinPath(layer, dir, name));
          if (!child) continue;
          if (isWhiteout(child)) hidden.add(name);
          else found.set(name, child.kind === 'directory');
        }
      }
      return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, isDirectory]) => ({ name, isDirectory }));
    },
  };
}

export function isWhiteout(st: { kind: string; major?: number; minor?: number }): boolean {
  return st.kind === 'char' && (st.major ?? 0) === 0 && (st.minor ?? 0) === 0;
}

/** Whether an ancestor of `dir` in this layer is a whiteout or a file, which hides everything below. */
async function blocked(fs: GuestFs, layer: string, dir: string): Promise<boolean> {
  const parts = dir.split('/').filter((p) => p !== '');
  let current = '';
  for (const part of parts.slice(0, -1)) {
    current = joinPath(current, part);
    const st = await fs.lstat(joinPath(layer, current));
    if (!st) return false;
    if (st.kind !== 'directory') return true;
  }
  return false;
}
