// A recursive listing of a 9p share folder with a content hash per file, so the page can see guest-made changes cheaply.
//
// v86's 9p keeps mtime in whole seconds and bumps no version on writes, so two writes in one second with the same
// size look alike by metadata; a content hash does not. Files are small (a learner's project), the hash is cheap.
import type { ShareTreeEntry, ShareTreeOptions } from '../protocol.ts';
import type { ShareFs } from './share-fs.ts';

/** Files larger than this are reported by size and mtime only (no learner edits a file that big in the editor). */
const MAX_HASH_BYTES = 1 << 20;
const DEFAULT_MAX_ENTRIES = 5000;

export async function shareTree(share: Pick<ShareFs, 'stat' | 'list' | 'readFile'>, root: string, options: ShareTreeOptions = {}): Promise<ShareTreeEntry[]> {
  const exclude = new Set(options.exclude ?? []);
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const base = root.replace(/\/+$/, '');
  const entries: ShareTreeEntry[] = [];
  if (share.stat(base || '/')?.type !== 'directory') return entries;

  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of share.list(dir || '/')) {
      if (entries.length >= maxEntries) return;
      if (exclude.has(entry.name)) continue;
      const path = prefix + entry.name;
      const full = `${dir}/${entry.name}`;
      const type = entry.type === 'file' || entry.type === 'directory' || entry.type === 'symlink' ? entry.type : 'other';
      const out: ShareTreeEntry = { path, type, size: entry.size, mtime: entry.mtime };
      if (type === 'file' && entry.size <= MAX_HASH_BYTES) out.hash = fnv1a(await share.readFile(full));
      entries.push(out);
      if (type === 'directory') await walk(full, `${path}/`);
    }
  };
  await walk(base, '');
  return entries;
}

/** FNV-1a, 32 bits, as 8 hex digits: a change signal, not a security property. */
export function fnv1a(data: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) {
    h ^= data[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
