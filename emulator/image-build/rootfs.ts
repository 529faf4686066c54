// Shaping an extracted file tree into a layer: slim pruning, merged /usr, and files maintainer scripts would create.

import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from './sh.ts';

/**
 * Like debian:bookworm-slim's dpkg path-excludes: no man pages, info, translations or lintian
 * data; /usr/share/doc keeps only the copyright files (the licences travel with the binaries).
 */
export function pruneSlim(root: string): void {
  for (const dir of ['usr/share/man', 'usr/share/info', 'usr/share/locale', 'usr/share/lintian', 'usr/share/linda', 'usr/share/groff']) {
    const path = join(root, dir);
    if (existsSync(path)) for (const entry of readdirSync(path)) rmSync(join(path, entry), { recursive: true, force: true });
  }
  const docs = join(root, 'usr/share/doc');
  if (!existsSync(docs)) return;
  for (const pkg of readdirSync(docs)) {
    const dir = join(docs, pkg);
    if (!lstatSync(dir).isDirectory()) continue;
    for (const entry of readdirSync(dir)) if (entry !== 'copyright') rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/** Top-level directories that bookworm's merged-/usr layout turns into symlinks into /usr. */
export const MERGED_USR_DIRS = ['bin', 'sbin', 'lib'] as const;

/**
 * Packages still ship /bin, /sbin and /lib; on a merged-/usr system those are symlinks, so their
 * contents belong under /usr. A layer must not carry a real /bin directory: over a lower layer's
 * /bin symlink it would hide /usr/bin.
 */
export function mergeUsr(root: string): void {
  for (const dir of MERGED_USR_DIRS) {
    const from = join(root, dir);
    if (!existsSync(from) || lstatSync(from).isSymbolicLink()) continue;
    const to = join(root, 'usr', dir);
    mkdirSync(to, { recursive: true });
    run('cp', ['-a', '--no-target-directory', `${from}/.`, to]);
    rmSync(from, { recursive: true, force: true });
  }
}

export function makeMergedUsrLinks(root: string): void {
  for (const dir of MERGED_USR_DIRS) link(root, dir, `usr/${dir}`);
}

export function write(root: string, path: string, content: string | Buffer, mode = 0o644): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, mode);
}

export function link(root: string, path: string, target: string): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  rmSync(file, { force: true });
  symlinkSync(target, file);
}

export function dir(root: string, path: string, mode = 0o755): void {
  const full = join(root, path);
  mkdirSync(full, { recursive: true });
  // mkdir's mode is masked by the umask; sticky and setgid bits need an explicit chmod.
  chmodSync(full, mode);
}

/** Newest mtime of the regular files in a tree: the packages' own build date, used as the layer's date. */
export function newestFileTime(root: string): number {
  const out = run('find', [root, '-type', 'f', '-printf', '%T@\n']);
  let newest = 0;
  for (const line of out.split('\n')) if (line) newest = Math.max(newest, Math.floor(Number(line)));
  return newest;
}
