// Deterministic layer tarballs: GNU tar with sorted names, one mtime, numeric 0/0 owners, then gzip -n.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Digest } from './oci.ts';
import { run } from './sh.ts';

export interface BuiltLayer {
  /** sha256 of the gzip stream: the layer's blob digest. */
  digest: Digest;
  /** sha256 of the uncompressed tar: the layer's diff_id. */
  diffId: Digest;
  size: number;
  tarSize: number;
  /** Bytes of regular files once unpacked (hard links counted once), like `docker images` SIZE. */
  unpackedSize: number;
  files: number;
  gzipPath: string;
}

/**
 * The GNU format (not pax) keeps headers free of atime/ctime records; names over 100 bytes use
 * GNU long-name entries, which Go's archive/tar and our engine's tar reader both understand.
 *
 * Every entry is owned by 0:0 except those whose staged file carries one of `keepIds` (uid or gid,
 * set with chown before): tar's owner and group maps let exactly those numbers through.
 */
export function buildLayer(root: string, out: string, epoch: number, keepIds: number[] = []): BuiltLayer {
  const entries = readdirSync(root).sort(byteOrder);
  const tarPath = `${out}.tar`;
  const maps: string[] = [];
  if (keepIds.length > 0) {
    const mapFile = `${out}.ids`;
    writeFileSync(mapFile, keepIds.map((id) => `+${id} +${id}\n`).join(''));
    maps.push(`--owner-map=${mapFile}`, `--group-map=${mapFile}`);
  }
  run('tar', [
    '--create', `--file=${tarPath}`, '--format=gnu', '--sort=name',
    '--numeric-owner', '--owner=0', '--group=0', ...maps, `--mtime=@${epoch}`,
    '--no-acls', '--no-xattrs', '--no-selinux',
    `--directory=${root}`, '--', ...entries,
  ]);
  const gzipPath = `${out}.tar.gz`;
  run('sh', ['-c', 'gzip -n -9 -c "$1" > "$2"', 'sh', tarPath, gzipPath]);
  const tar = readFileSync(tarPath);
  const gz = readFileSync(gzipPath);
  const { bytes, files } = treeSize(root);
  return {
    digest: sha256(gz),
    diffId: sha256(tar),
    size: gz.length,
    tarSize: tar.length,
    unpackedSize: bytes,
    files,
    gzipPath,
  };
}

export function sha256(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function treeSize(root: string): { bytes: number; files: number } {
  const out = run('find', [root, '-type', 'f', '-printf', '%i %s\n']);
  const seen = new Set<string>();
  let bytes = 0;
  for (const line of out.split('\n')) {
    const [inode, size] = line.split(' ');
    if (!inode || seen.has(inode)) continue;
    seen.add(inode);
    bytes += Number(size);
  }
  return { bytes, files: seen.size };
}
