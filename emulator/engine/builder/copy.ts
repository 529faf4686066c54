// COPY and ADD as BuildKit runs them, decided in TypeScript: sources (globs, directories copied by content,
// heredocs), the destination rules (trailing slash, WORKDIR-relative, an existing directory), --chown/--chmod,
// ADD's local tar extraction, and the layer entries that result.
import { unpackTar } from 'modern-tar';
import { readAll } from '../store/blob-backend.ts';
import { resolveUser } from '../containers/passwd.ts';
import { EngineError } from '../errors.ts';
import { cleanPath } from './dockerignore.ts';
import type { LayerEntry } from './layer.ts';
import type { RootfsView } from '../overlay/rootfs-view.ts';
import { resolveInRoot, type LinkLookup } from './root-path.ts';
import { checksumEntries, globTree, hasWildcard, treeLinks, walkTree, type SourceEntry, type SourceTree } from './source-tree.ts';

export interface CopyRequest {
  /** expanded source words (paths, globs, URLs); heredoc sources are in `heredocs` */
  sources: string[];
  dest: string;
  /** the stage's WORKDIR at this point ('' = /) */
  workdir: string;
  add: boolean;
  chown?: string;
  chmod?: string;
  /** inline sources, bodies already expanded: each becomes a file named after the heredoc */
  heredocs?: { name: string; content: string }[];
}

export interface CopyPlan {
  entries: LayerEntry[];
  /** content checksum of everything read, for the cache key */
  checksum: string;
}

const now = () => new Date();

/** The `Dockerfile` error for a source that is not there, worded like BuildKit's cache-key failure. */
function notFound(source: string): EngineError {
  return new EngineError('NOT_FOUND', `failed to calculate checksum of ref: "/${cleanPath(source).replace(/^\/+/, '').replace(/^\.$/, '')}": not found`);
}

/** `--chown=user[:group]` against the image's passwd/group; a user without a group gets its UID as GID (the Dockerfile reference). */
export async function resolveChown(chown: string | undefined, image: RootfsView): Promise<{ uid: number; gid: number } | undefined> {
  if (!chown) return undefined;
  const read = async (p: string) => ((await image.lstat(p))?.kind === 'file' ? new TextDecoder().decode(await image.readFile(p)) : undefined);
  const [passwd, group] = await Promise.all([read('/etc/passwd'), read('/etc/group')]);
  try {
    const u = resolveUser(chown, passwd, group);
    return { uid: u.uid, gid: chown.includes(':') ? u.gid : u.uid };
  } catch (e) {
    throw new EngineError('INVALID_ARGUMENT', `unable to convert uid/gid chown string to host mapping: ${(e as Error).message}`);
  }
}

export function parseChmod(chmod: string | undefined): number | undefined {
  if (chmod === undefined || chmod === '') return undefined;
  if (!/^[0-7]{3,4}$/.test(chmod)) throw new EngineError('INVALID_ARGUMENT', `invalid chmod parameter: ${chmod}. it should be octal string and between 0 and 07777`);
  return parseInt(chmod, 8);
}

/** WORKDIR-relative destination, and whether it names a directory by its form (trailing slash, `.`). */
export function destinationOf(dest: string, workdir: string): { path: string; isDir: boolean } {
  const isDir = dest.endsWith('/') || dest === '.' || dest.endsWith('/.') || dest === '';
  const abs = dest.startsWith('/') ? dest : `${workdir || '/'}/${dest}`;
  return { path: cleanPath(abs), isDir };
}

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^git@/.test(s);

/** Whether bytes are a tar archive ADD would unpack: plain tar (ustar magic), or gzip around one. */
async function asArchive(bytes: Uint8Array): Promise<Uint8Array | undefined> {
  let tar = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      tar = await readAll(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')));
    } catch {
      return undefined;
    }
  }
  const magic = new TextDecoder().decode(tar.subarray(257, 262));
  return magic === 'ustar' ? tar : undefined;
}

/** A source path's entry with every symlink on the way followed inside the tree (BuildKit's FollowLinks); undefined when absent. */
async function follow(tree: SourceTree, path: string): Promise<SourceEntry | undefined> {
  const real = await resolveInRoot(path, treeLinks(tree));
  return tree.lstat(real.slice(1) || '.');
}

/**
 * Plans one COPY/ADD: which entries of `tree` go where in the image. `image` is the stage's file system so far
 * (an existing destination directory is copied into, like BuildKit's copy). Sources are followed through
 * symlinks inside the tree; the destination through symlinks inside the image.
 */
export async function planCopy(req: CopyRequest, tree: SourceTree, image: RootfsView, lineForErrors: string): Promise<CopyPlan> {
  const owner = await resolveChown(req.chown, image);
  const mode = parseChmod(req.chmod);
  const wanted = destinationOf(req.dest, req.workdir);
  const dest = { path: await resolveInRoot(wanted.path, (p) => image.lstat(p)), isDir: wanted.isDir };
  const picked: { rel: string; entry: SourceEntry; inline?: boolean }[] = [];
  const archives: { entry: SourceEntry; bytes: Uint8Array }[] = [];
  for (const source of req.sources) {
    if (isUrl(source)) {
      if (!req.add) throw new EngineError('INVALID_ARGUMENT', `source can't be a URL for COPY`);
      throw new EngineError('NOT_IMPLEMENTED', `${lineForErrors}: ADD of a URL needs the network, and drydock's builder is offline: ${source} cannot be downloaded (copy the file into the build context and ADD or COPY it from there)`);
    }
    // BuildKit normalises a source against the tree's root: `../x` is `/x`.
    const path = cleanPath(`/${source}`);
    if (hasWildcard(source)) {
      // A pattern that matches nothing copies nothing (BuildKit's AllowEmptyWildcard; its testEmptyWildcard).
      const matches = await globTree(tree, path);
      for (const m of matches) {
        const entry = await follow(tree, m);
        if (!entry) throw notFound(`/${m}`);
        picked.push({ rel: m, entry });
      }
      continue;
    }
    const entry = await follow(tree, path);
    if (!entry) throw notFound(path);
    picked.push({ rel: path.slice(1) || '.', entry });
  }
  // Heredoc sources (BuildKit's SourceContents): a file named after the heredoc, 0644, after the paths.
  for (const h of req.heredocs ?? []) {
    const data = new TextEncoder().encode(h.content);
    picked.push({ rel: h.name, inline: true, entry: { path: h.name, kind: 'file', mode: 0o644, uid: 0, gid: 0, mtime: now(), size: data.length, read: async () => data } });
  }
  if (picked.length > 1 && !dest.isDir) {
    throw new EngineError('INVALID_ARGUMENT', 'When using COPY with more than one source file, the destination must be a directory and end with a /');
  }
  const destStat = await image.lstat(dest.path);
  const intoDir = dest.isDir || destStat?.kind === 'directory';

  const entries: LayerEntry[] = [];
  const checksumInput: { rel: string; entry: SourceEntry }[] = [];
  const attrs = (e: SourceEntry) => ({
    mode: mode ?? e.mode & 0o7777,
    uid: owner?.uid ?? 0,
    gid: owner?.gid ?? 0,
    mtime: e.mtime,
  });
  const push = async (path: string, e: SourceEntry) => {
    if (e.kind === 'file') entries.push({ path, kind: 'file', ...attrs(e), data: await e.read() });
    else if (e.kind === 'symlink') entries.push({ path, kind: 'symlink', ...attrs(e), mode: 0o777, target: e.target ?? '' });
    else entries.push({ path, kind: 'directory', ...attrs(e) });
  };
  const join = (a: string, b: string) => cleanPath(`${a}/${b}`);
  for (const { rel, entry, inline } of picked) {
    if (entry.kind === 'directory') {
      // A directory's contents are copied, not the directory itself; links inside it stay links.
      const all = await walkTree(tree, entry.path);
      for (const e of all) {
        const sub = e.path === entry.path ? '' : e.path.slice(entry.path === '.' ? 0 : entry.path.length + 1);
        checksumInput.push({ rel: `${rel}/${sub}`, entry: e });
        if (sub === '' && destStat?.kind === 'directory') continue;
        await push(sub === '' ? dest.path : join(dest.path, sub), e);
      }
      continue;
    }
    checksumInput.push({ rel, entry });
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    const target = intoDir ? join(dest.path, base) : dest.path;
    if (req.add && !inline && entry.kind === 'file') {
      const tar = await asArchive(await entry.read());
      if (tar) {
        archives.push({ entry, bytes: tar });
        entries.push(...(await archiveEntries(tar, dest.path, owner, image, base)));
        continue;
      }
    }
    await push(target, entry);
  }
  const checksum = await checksumEntries(checksumInput);
  return { entries: dedupe(entries), checksum: `${checksum}${owner ? ` ${owner.uid}:${owner.gid}` : ''}${mode !== undefined ? ` ${mode.toString(8)}` : ''}${archives.length ? ' unpacked' : ''}` };
}

/**
 * ADD's extraction of a local archive into `destDir`, as moby's chrootarchive.Untar does it: as if `destDir` were
 * the root, so a name with `..` that climbs out, or a hard link or relative symlink pointing out of it, is refused,
 * and a path through a symlink the archive (or the image) has there is followed inside `destDir`.
 */
async function archiveEntries(tar: Uint8Array, destDir: string, owner: { uid: number; gid: number } | undefined, image: RootfsView, archiveName: string): Promise<LayerEntry[]> {
  const placed = new Map<string, LayerEntry>();
  const inDest = (p: string) => cleanPath(`${destDir}/${p}`);
  // Links inside the archive first, then what the image already has under destDir.
  const lookup: LinkLookup = async (p) => {
    const e = placed.get(p);
    if (e) return { kind: e.kind, ...(e.target !== undefined ? { target: e.target } : {}) };
    return image.lstat(inDest(p));
  };
  const refuse = (why: string) => new EngineError('INVALID_ARGUMENT', `failed to unpack ${archiveName}: ${why}`);
  for (const t of await unpackTar(tar)) {
    const name = cleanPath(t.header.name.replace(/^\/+/, ''));
    if (name === '.') continue;
    if (name === '..' || name.startsWith('../')) throw refuse(`${JSON.stringify(t.header.name)} is outside of ${JSON.stringify(destDir)}`);
    const type = t.header.type ?? 'file';
    const slash = name.lastIndexOf('/');
    const parent = await resolveInRoot(slash < 0 ? '/' : `/${name.slice(0, slash)}`, lookup);
    const path = cleanPath(`${parent}/${name.slice(slash + 1)}`);
    const base = { mode: (t.header.mode ?? 0o644) & 0o7777, uid: owner?.uid ?? t.header.uid ?? 0, gid: owner?.gid ?? t.header.gid ?? 0, mtime: t.header.mtime ?? now() };
    let entry: LayerEntry | undefined;
    if (type === 'directory') entry = { path, kind: 'directory', ...base };
    else if (type === 'file') entry = { path, kind: 'file', ...base, data: t.data ?? new Uint8Array(0) };
    else if (type === 'symlink') {
      const target = t.header.linkname ?? '';
      if (!target.startsWith('/') && cleanPath(`${parent.slice(1) || '.'}/${target}`).startsWith('..')) {
        throw refuse(`invalid symlink ${JSON.stringify(name)} -> ${JSON.stringify(target)}`);
      }
      entry = { path, kind: 'symlink', ...base, mode: 0o777, target };
    } else if (type === 'link') {
      const linkname = t.header.linkname ?? '';
      const linked = cleanPath(linkname.replace(/^\/+/, ''));
      const source = linked === '..' || linked.startsWith('../') ? undefined : placed.get(await resolveInRoot(`/${linked}`, lookup));
      if (source?.kind !== 'file') throw refuse(`invalid hardlink ${JSON.stringify(name)} -> ${JSON.stringify(linkname)}`);
      // The layer has no hard links: the second name gets the same content.
      entry = { ...source, path, ...base, mode: source.mode };
    }
    if (entry) placed.set(path, entry);
  }
  return [...placed.values()].map((e) => ({ ...e, path: inDest(e.path) }));
}

/** The last entry for a path wins (two sources writing the same file). */
function dedupe(entries: LayerEntry[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const e of entries) byPath.set(e.path, e);
  return [...byPath.values()];
}
