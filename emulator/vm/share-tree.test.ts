// Unit tests for the share tree listing: relative paths, exclusions, hashes that change with content.
import { describe, expect, it } from 'vitest';
import { fnv1a, shareTree } from './share-tree.ts';
import type { ShareDirEntry, ShareStat } from './share-fs.ts';

const enc = new TextEncoder();

/** A share as a map of absolute paths; directories are implied by their children. */
function fakeShare(files: Record<string, string>) {
  const stat = (type: ShareStat['type'], size = 0): ShareStat => ({ type, mode: 0o644, uid: 0, gid: 0, size, mtime: 1, nlinks: 1 });
  const isDir = (path: string) => path === '' || Object.keys(files).some((f) => f.startsWith(`${path}/`));
  return {
    stat(path: string): ShareStat | null {
      const p = path.replace(/\/+$/, '');
      if (p in files) return stat('file', files[p]!.length);
      return isDir(p) ? stat('directory') : null;
    },
    list(path: string): ShareDirEntry[] {
      const p = path === '/' ? '' : path;
      const names = new Set<string>();
      for (const f of Object.keys(files)) if (f.startsWith(`${p}/`)) names.add(f.slice(p.length + 1).split('/')[0]!);
      return [...names].sort().map((name) => ({ name, ...this.stat(`${p}/${name}`)! }));
    },
    async readFile(path: string): Promise<Uint8Array> {
      return enc.encode(files[path]!);
    },
  };
}

describe('shareTree', () => {
  it('lists a folder recursively with relative paths, hashing files and skipping excluded names', async () => {
    const share = fakeShare({
      '/work/Dockerfile': 'FROM node\n',
      '/work/src/index.js': 'console.log(1)\n',
      '/work/node_modules/x/y.js': 'big\n',
      '/other/file': 'no\n',
    });
    const entries = await shareTree(share, '/work', { exclude: ['node_modules'] });
    expect(entries.map((e) => `${e.type}:${e.path}`)).toEqual(['file:Dockerfile', 'directory:src', 'file:src/index.js']);
    expect(entries[0]!.hash).toBe(fnv1a(enc.encode('FROM node\n')));
  });

  it('lists a missing folder as empty', async () => {
    expect(await shareTree(fakeShare({}), '/work')).toEqual([]);
  });

  it('hashes differ for same-size contents', () => {
    expect(fnv1a(enc.encode('abc'))).not.toBe(fnv1a(enc.encode('abd')));
    expect(fnv1a(new Uint8Array())).toBe('811c9dc5');
  });
});
