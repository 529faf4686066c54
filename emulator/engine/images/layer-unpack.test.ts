import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, linkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar, type TarEntry } from 'modern-tar';
import { afterAll, describe, expect, it } from 'vitest';
import { sha } from '../../../test/unit/engine/registry-fixture.ts';
import type { Digest } from '../oci/digest.ts';
import { MemoryGuestFs } from '../overlay/guest-fs-memory.ts';
import { cleanPath, unpackLayer } from './layer-unpack.ts';
import { mergedLowerView } from '../overlay/lower-view.ts';

const t0 = new Date('2024-01-02T03:04:05Z');
const dir = (name: string, mode = 0o755, uid = 0, gid = 0): TarEntry => ({ header: { name, type: 'directory', size: 0, mode, uid, gid, mtime: t0 } });
const file = (name: string, body: string, mode = 0o644, uid = 0, gid = 0): TarEntry => ({
  header: { name, type: 'file', size: new TextEncoder().encode(body).length, mode, uid, gid, mtime: t0 },
  body,
});
const symlink = (name: string, target: string): TarEntry => ({ header: { name, type: 'symlink', size: 0, linkname: target, mode: 0o777, mtime: t0 } });
const hardlink = (name: string, target: string): TarEntry => ({ header: { name, type: 'link', size: 0, linkname: target, mode: 0o644, mtime: t0 } });

function stream(bytes: Uint8Array, chunk = 777): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += chunk) c.enqueue(bytes.slice(i, i + chunk));
      c.close();
    },
  });
}

const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

/** A tar written by GNU tar itself (GNU long names, hard links), from a real directory. */
function gnuTar(build: (root: string) => void, format: 'gnu' | 'posix' = 'gnu'): Uint8Array {
  const root = mkdtempSync(join(tmpdir(), 'drydock-tar-'));
  tmp.push(root);
  mkdirSync(join(root, 'src'));
  build(join(root, 'src'));
  execFileSync('tar', [`--format=${format}`, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=2024-01-02 03:04:05Z', '-C', join(root, 'src'), '-cf', join(root, 'out.tar'), '.']);
  return new Uint8Array(readFileSync(join(root, 'out.tar')));
}

describe('unpackLayer', () => {
  it('unpacks files, directories, modes, owners, symlinks and hard links, and computes the DiffID', async () => {
    const tar = await packTar([
      dir('etc/'),
      file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'),
      file('usr/bin/su', 'SU', 0o4755),
      file('home/me/notes', 'hi', 0o600, 1000, 1000),
      dir('tmp/', 0o1777),
      symlink('bin', 'usr/bin'),
      hardlink('usr/bin/su2', 'usr/bin/su'),
    ]);
    const fs = new MemoryGuestFs();
    const r = await unpackLayer(stream(gzipSync(tar)), { fs, dir: 'layers/abc', compression: 'gzip', diffId: sha(tar) as Digest });
    expect(r.diffId).toBe(sha(tar));
    expect(r.tarSize).toBe(tar.length);
    expect(r.contentSize).toBe(26 + 2 + 2);
    expect(r.entries).toBe(7);
    expect(await fs.tree('layers/abc')).toEqual([
      'bin symlink->usr/bin 0:0',
      'etc directory 0755 0:0',
      'etc/passwd file 0644 0:0',
      'home directory 0755 0:0',
      'home/me directory 0755 0:0',
      'home/me/notes file 0600 1000:1000',
      'tmp directory 1777 0:0',
      'usr directory 0755 0:0',
      'usr/bin directory 0755 0:0',
      'usr/bin/su file 4755 0:0',
      'usr/bin/su2 file 4755 0:0',
    ]);
    expect((await fs.lstat('layers/abc/usr/bin/su2'))?.nlink).toBe(2);
    expect((await fs.lstat('layers/abc/etc'))?.mtime).toEqual(t0);
    expect(await fs.readText('layers/abc/usr/bin/su2')).toBe('SU');
  });

  it('handles PAX long names and long link targets (modern-tar writes PAX)', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
    const target = `/${'t'.repeat(200)}`;
    const tar = await packTar([file(long, 'deep'), symlink('link', target), { header: { name: 'p', type: 'file', size: 1, pax: { 'SCHILY.xattr.user.x': 'y' } }, body: 'p' }]);
    const fs = new MemoryGuestFs();
    await unpackLayer(stream(tar), { fs, dir: 'l', compression: 'none' });
    expect(await fs.readText(`l/${long}`)).toBe('deep');
    expect((await fs.lstat('l/link'))?.target).toBe(target);
    expect(await fs.readText('l/p')).toBe('p');
  });

  it('handles GNU tar output: GNU long names, long symlink targets, hard links, and record padding', async () => {
    const longDir = 'a'.repeat(110);
    const longName = 'b'.repeat(140);
    const tar = gnuTar((src) => {
      mkdirSync(join(src, longDir));
      writeFileSync(join(src, longDir, longName), 'gnu');
      chmodSync(join(src, longDir, longName), 0o751);
      symlinkSync(`/${'c'.repeat(130)}`, join(src, 'sym'));
      linkSync(join(src, longDir, longName), join(src, 'hard'));
    });
    expect(tar.length % 10240).toBe(0);
    const fs = new MemoryGuestFs();
    const r = await unpackLayer(stream(gzipSync(tar)), { fs, dir: 'l', compression: 'gzip', diffId: sha(tar) as Digest });
    expect(r.diffId).toBe(sha(tar));
    expect(await fs.readText(`l/${longDir}/${longName}`)).toBe('gnu');
    expect((await fs.lstat(`l/${longDir}/${longName}`))?.mode).toBe(0o751);
    expect((await fs.lstat('l/sym'))?.target).toBe(`/${'c'.repeat(130)}`);
    const hard = await fs.lstat('l/hard');
    expect(hard?.nlink).toBe(2);
    expect(await fs.readText('l/hard')).toBe('gnu');
  });

  it('handles GNU tar in POSIX (pax) format too', async () => {
    const tar = gnuTar((src) => {
      writeFileSync(join(src, 'x'.repeat(200)), 'pax');
    }, 'posix');
    const fs = new MemoryGuestFs();
    await unpackLayer(stream(tar), { fs, dir: 'l', compression: 'none', diffId: sha(tar) as Digest });
    expect(await fs.readText(`l/${'x'.repeat(200)}`)).toBe('pax');
  });

  it('turns .wh.<name> into a 0/0 character device, and keeps a name the same layer re-creates', async () => {
    const fs = new MemoryGuestFs();
    const lowerTar = await packTar([file('etc/a', 'a'), file('etc/b', 'b'), file('etc/c', 'c')]);
    await unpackLayer(stream(lowerTar), { fs, dir: 'layers/1', compression: 'none' });
    const upperTar = await packTar([file('etc/.wh.a', ''), file('etc/.wh.c', ''), file('etc/c', 'new c'), file('.wh.gone', '')]);
    const r = await unpackLayer(stream(upperTar), { fs, dir: 'layers/2', compression: 'none', lower: mergedLowerView(fs, ['layers/1']) });
    expect(r.whiteouts).toBe(2);
    expect(await fs.tree('layers/2')).toEqual(['etc directory 0755 0:0', 'etc/a char(0,0) 0000 0:0', 'etc/c file 0644 0:0', 'gone char(0,0) 0000 0:0']);
    expect(await mergedLowerView(fs, ['layers/2', 'layers/1']).list('etc')).toEqual([
      { name: 'b', isDirectory: false },
      { name: 'c', isDirectory: false },
    ]);
  });

  it('turns an opaque directory into explicit whiteouts for everything the lower layers have there', async () => {
    const fs = new MemoryGuestFs();
    await unpackLayer(stream(await packTar([file('var/cache/x', 'x'), file('var/cache/sub/y', 'y'), file('var/cache/sub2/z', 'z'), file('var/keep', 'k')])), {
      fs,
      dir: 'layers/1',
      compression: 'none',
    });
    await unpackLayer(stream(await packTar([file('var/cache/.wh.x', ''), file('var/cache/w', 'w')])), {
      fs,
      dir: 'layers/2',
      compression: 'none',
      lower: mergedLowerView(fs, ['layers/1']),
    });
    // The opaque marker may come after the entries it covers: whiteouts are made at the end.
    const opaqueTar = await packTar([dir('var/cache/'), file('var/cache/sub/new', 'n'), file('var/cache/.wh..wh..opq', '')]);
    const r = await unpackLayer(stream(opaqueTar), { fs, dir: 'layers/3', compression: 'none', lower: mergedLowerView(fs, ['layers/2', 'layers/1']) });
    expect(await fs.tree('layers/3')).toEqual([
      'var directory 0755 0:0',
      'var/cache directory 0755 0:0',
      'var/cache/sub directory 0755 0:0',
      'var/cache/sub/new file 0644 0:0',
      'var/cache/sub/y char(0,0) 0000 0:0',
      'var/cache/sub2 char(0,0) 0000 0:0',
      'var/cache/w char(0,0) 0000 0:0',
    ]);
    expect(r.whiteouts).toBe(3);
    // What overlayfs would show for var/cache with all three layers:
    const merged = mergedLowerView(fs, ['layers/3', 'layers/2', 'layers/1']);
    expect(await merged.list('var/cache')).toEqual([{ name: 'sub', isDirectory: true }]);
    expect(await merged.list('var/cache/sub')).toEqual([{ name: 'new', isDirectory: false }]);
    expect(await merged.list('var')).toEqual([
      { name: 'cache', isDirectory: true },
      { name: 'keep', isDirectory: false },
    ]);
  });

  it('replaces an earlier entry for the same path (tar semantics) and a file by a directory', async () => {
    const fs = new MemoryGuestFs();
    await unpackLayer(stream(await packTar([file('a', 'one'), file('a', 'two'), file('b', 'file'), dir('b/')])), { fs, dir: 'l', compression: 'none' });
    expect(await fs.readText('l/a')).toBe('two');
    expect((await fs.lstat('l/b'))?.kind).toBe('directory');
  });

  it('refuses a layer whose tar does not match its DiffID', async () => {
    const tar = await packTar([file('a', 'a')]);
    const fs = new MemoryGuestFs();
    await expect(unpackLayer(stream(tar), { fs, dir: 'l', compression: 'none', diffId: sha('other') as Digest })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('refuses entries that climb out of the layer', async () => {
    const tar = await packTar([file('../../etc/evil', 'x')]);
    await expect(unpackLayer(stream(tar), { fs: new MemoryGuestFs(), dir: 'l', compression: 'none' })).rejects.toMatchObject({ code: 'PROTOCOL' });
    expect(cleanPath('./a//b/../c/')).toBe('a/c');
    expect(cleanPath('/abs/path')).toBe('abs/path');
    expect(cleanPath('a/../../b')).toBeUndefined();
  });

  it('fails clearly on a truncated gzip stream', async () => {
    const tar = await packTar([file('big', 'x'.repeat(100_000))]);
    const gz = gzipSync(tar);
    await expect(unpackLayer(stream(gz.subarray(0, gz.length - 100)), { fs: new MemoryGuestFs(), dir: 'l', compression: 'gzip' })).rejects.toThrow();
  });

  it('says zstd layers are not supported yet', async () => {
    await expect(unpackLayer(stream(new Uint8Array(10)), { fs: new MemoryGuestFs(), dir: 'l', compression: 'zstd' })).rejects.toMatchObject({ code: 'NOT_IMPLEMENTED' });
  });
});
