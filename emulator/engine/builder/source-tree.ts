// What COPY and ADD read from: the build context (from the share, or a tar the guest wrote) or another image's
// file system (COPY --from), behind one small tree interface; plus the glob matching and content checksums
// BuildKit applies to sources.
import { unpackTar } from 'modern-tar';
import { sha256Digest, sha256DigestOfString } from '../oci/digest.ts';
import type { FileStat, GuestFs } from '../overlay/guest-fs.ts';
import { joinPath } from '../overlay/guest-fs.ts';
import { cleanPath, hasExceptions, isIgnored, type IgnorePattern } from './dockerignore.ts';
import { resolveInRoot, type LinkLookup } from './root-path.ts';
import type { RootfsView } from '../overlay/rootfs-view.ts';

export type SourceKind = 'file' | 'directory' | 'symlink';

export interface SourceEntry {
  /** relative to the tree's root, cleaned, no leading slash; `.` is the root */
  path: string;
  kind: SourceKind;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  size: number;
  target?: string;
  read(): Promise<Uint8Array>;
}

export interface SourceTree {
  lstat(path: string): Promise<SourceEntry | undefined>;
  /** names in a directory, sorted */
  readdir(path: string): Promise<string[]>;
}

const empty = async () => new Uint8Array(0);

/** A file, directory or symlink as a source entry; only files read their content. */
function entryOf(path: string, st: FileStat, read: () => Promise<Uint8Array>): SourceEntry {
  return {
    path,
    kind: st.kind as SourceKind, // callers pass files, directories and symlinks only
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    mtime: st.mtime,
    size: st.kind === 'file' ? st.size : 0,
    ...(st.target !== undefined ? { target: st.target } : {}),
    read: st.kind === 'file' ? read : empty,
  };
}

/** A build context held as an index of entries (what survived `.dockerignore`). */
export class ContextTree implements SourceTree {
  readonly entries = new Map<string, SourceEntry>();
  readonly #children = new Map<string, string[]>();

  add(entry: SourceEntry): void {
    this.entries.set(entry.path, entry);
    if (entry.path === '.') return;
    const slash = entry.path.lastIndexOf('/');
    const parent = slash < 0 ? '.' : entry.path.slice(0, slash);
    const list = this.#children.get(parent) ?? [];
    list.push(entry.path.slice(slash + 1));
    this.#children.set(parent, list);
  }

  async lstat(path: string): Promise<SourceEntry | undefined> {
    return this.entries.get(cleanPath(path).replace(/^\/+/, '') || '.');
  }

  async readdir(path: string): Promise<string[]> {
    return [...(this.#children.get(cleanPath(path).replace(/^\/+/, '') || '.') ?? [])].sort();
  }

  /** bytes of regular files: the `transferring context: 1.2kB` figure */
  size(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.kind === 'file') n += e.size;
    return n;
  }
}

const root = (): SourceEntry => ({ path: '.', kind: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: new Date(0), size: 0, read: empty });

/**
 * Walks a context directory of the share (GuestFs path), leaving out what `.dockerignore` excludes; an
 * excluded directory is not entered unless a `!` pattern might bring something inside it back.
 */
export async function contextFromFs(fs: GuestFs, dir: string, ignore: readonly IgnorePattern[]): Promise<ContextTree> {
  const tree = new ContextTree();
  const top = await fs.lstat(dir);
  tree.add({ ...root(), ...(top ? { mode: top.mode, mtime: top.mtime } : {}) });
  const exceptions = hasExceptions(ignore);
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await fs.readdir(joinPath(dir, rel))).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = joinPath(dir, path);
      const st = await fs.lstat(abs);
      if (!st) continue;
      const ignored = isIgnored(path, ignore);
      if (st.kind === 'directory') {
        if (ignored && !exceptions) continue;
        if (!ignored) tree.add({ path, kind: 'directory', mode: st.mode, uid: st.uid, gid: st.gid, mtime: st.mtime, size: 0, read: empty });
        await walk(path);
        continue;
      }
      if (ignored || (st.kind !== 'file' && st.kind !== 'symlink')) continue;
      ensureParents(tree, path);
      tree.add(entryOf(path, st, () => fs.readFile(abs)));
    }
  };
  await walk('');
  return tree;
}

/**
 * A context the guest packed with `tar -c .` (a directory outside the share), `.dockerignore` applied here. A name
 * that climbs out with `..` is dropped; a hard link becomes a file with the content of the name it links to (a
 * link to a file the tar does not hold is dropped: tar stores the first name it meets as the file itself).
 */
export async function contextFromTar(tar: Uint8Array, ignore: readonly IgnorePattern[]): Promise<ContextTree> {
  const tree = new ContextTree();
  tree.add(root());
  const files = new Map<string, Uint8Array>();
  const relative = (name: string) => cleanPath(name.replace(/^\/+/, ''));
  const outside = (path: string) => path === '..' || path.startsWith('../');
  for (const e of await unpackTar(tar)) {
    const path = relative(e.header.name);
    if (path === '.' || outside(path)) continue;
    const type = e.header.type ?? 'file';
    let data: Uint8Array = e.data ?? new Uint8Array(0);
    if (type === 'link') {
      const linked = files.get(relative(e.header.linkname ?? ''));
      if (!linked) continue;
      data = linked;
    }
    if (type === 'file' || type === 'link') files.set(path, data);
    if (isIgnored(path, ignore)) continue;
    const kind: SourceKind | undefined = type === 'directory' ? 'directory' : type === 'symlink' ? 'symlink' : type === 'file' || type === 'link' ? 'file' : undefined;
    if (!kind) continue;
    ensureParents(tree, path);
    tree.add({
      path,
      kind,
      mode: e.header.mode ?? (kind === 'directory' ? 0o755 : 0o644),
      uid: e.header.uid ?? 0,
      gid: e.header.gid ?? 0,
      mtime: e.header.mtime ?? new Date(0),
      size: kind === 'file' ? data.length : 0,
      ...(kind === 'symlink' ? { target: e.header.linkname ?? '' } : {}),
      read: async () => data,
    });
  }
  return tree;
}

/** Parents of an included path inside an ignored directory still exist in the context (as Docker sends them). */
function ensureParents(tree: ContextTree, path: string): void {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    if (!tree.entries.has(dir)) tree.add({ path: dir, kind: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: new Date(0), size: 0, read: empty });
  }
}

/** Another image's file system (COPY --from=stage|image) as a source tree. */
export function imageTree(view: RootfsView): SourceTree {
  const abs = (path: string) => `/${cleanPath(path).replace(/^\/+/, '').replace(/^\.$/, '')}`;
  return {
    async lstat(path) {
      const p = abs(path);
      const st = await view.lstat(p);
      if (!st || (st.kind !== 'file' && st.kind !== 'directory' && st.kind !== 'symlink')) return undefined;
      return entryOf(cleanPath(p.slice(1)) || '.', st, () => view.readFile(p));
    },
    readdir: (path) => view.readdir(abs(path)),
  };
}

/** filepath.Match's meta characters: a source with any of them is a pattern. */
export function hasWildcard(path: string): boolean {
  return /[*?[\\]/.test(path);
}

function elementRegex(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body}]`;
        i = end;
      }
    } else re += /[A-Za-z0-9_\-/]/.test(ch) ? ch : `\\${ch}`;
  }
  return new RegExp(`${re}$`);
}

/** The tree as a LinkLookup for resolveInRoot: paths absolute inside the tree. */
export function treeLinks(tree: SourceTree): LinkLookup {
  return async (path) => {
    const e = await tree.lstat(path.slice(1) || '.');
    return e ? { kind: e.kind, ...(e.target !== undefined ? { target: e.target } : {}) } : undefined;
  };
}

/**
 * filepath.Glob over a source tree: the cleaned relative paths that match, sorted. Directories on the way are
 * followed through symlinks inside the tree (the matches themselves are left for the caller to follow).
 */
export async function globTree(tree: SourceTree, pattern: string): Promise<string[]> {
  const parts = cleanPath(pattern).replace(/^\/+/, '').split('/').filter((p) => p !== '' && p !== '.');
  let current = ['.'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      const join = (name: string) => (dir === '.' ? name : `${dir}/${name}`);
      const real = (await resolveInRoot(dir === '.' ? '/' : `/${dir}`, treeLinks(tree))).slice(1) || '.';
      const under = (name: string) => (real === '.' ? name : `${real}/${name}`);
      if (!hasWildcard(part)) {
        if (await tree.lstat(under(part))) next.push(join(part));
        continue;
      }
      const st = await tree.lstat(real);
      if (st?.kind !== 'directory') continue;
      const re = elementRegex(part);
      for (const name of await tree.readdir(real)) if (re.test(name)) next.push(join(name));
    }
    current = next;
  }
  return current.sort();
}

/** Every entry under (and including) `path`, parents first. */
export async function walkTree(tree: SourceTree, path: string): Promise<SourceEntry[]> {
  const top = await tree.lstat(path);
  if (!top) return [];
  const out: SourceEntry[] = [top];
  if (top.kind !== 'directory') return out;
  for (const name of await tree.readdir(path)) out.push(...(await walkTree(tree, path === '.' ? name : `${path}/${name}`)));
  return out;
}

/**
 * BuildKit-like content checksum of sources: paths relative to each source, kinds, permission bits, symlink
 * targets and file contents (not owners or times), so an unchanged rebuild hits the cache.
 */
export async function checksumEntries(entries: readonly { rel: string; entry: SourceEntry }[]): Promise<string> {
  const lines: string[] = [];
  for (const { rel, entry } of entries) {
    const content = entry.kind === 'file' ? sha256Digest(await entry.read()) : entry.kind === 'symlink' ? entry.target ?? '' : '';
    lines.push(`${rel}\0${entry.kind}\0${(entry.mode & 0o7777).toString(8)}\0${content}`);
  }
  return sha256DigestOfString(lines.join('\n'));
}
