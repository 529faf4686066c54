import { packTar, type TarEntry } from 'modern-tar';
import { describe, expect, it } from 'vitest';
import { listLayerFiles } from './layer-files.ts';

const t0 = new Date('2024-01-02T03:04:05Z');
const entry = (name: string, type: 'file' | 'directory' | 'symlink', body = '', linkname?: string): TarEntry => ({
  header: { name, type, size: type === 'file' ? body.length : 0, mode: type === 'directory' ? 0o755 : 0o644, mtime: t0, ...(linkname ? { linkname } : {}) },
  ...(type === 'file' ? { body } : {}),
});
const stream = (bytes: Uint8Array) => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(bytes), c.close()) });

describe('listLayerFiles', () => {
  it('lists a layer tar in order, whiteouts as deletions of the named path and opaque markers on their directory', async () => {
    const tar = await packTar([
      entry('./', 'directory'),
      entry('etc/', 'directory'),
      entry('etc/motd', 'file', 'hello\n'),
      entry('etc/.wh.issue.net', 'file'),
      entry('var/cache/apt/', 'directory'),
      entry('var/cache/apt/.wh..wh..opq', 'file'),
      entry('.wh.tmp', 'file'),
      entry('bin', 'symlink', '', 'usr/bin'),
    ]);
    const listing = await listLayerFiles(stream(tar));
    expect(listing.Truncated).toBe(false);
    expect(listing.Entries.map((e) => [e.Type, e.Path, e.Size])).toEqual([
      ['directory', '/etc', 0],
      ['file', '/etc/motd', 6],
      ['whiteout', '/etc/issue.net', 0],
      ['directory', '/var/cache/apt', 0],
      ['opaque', '/var/cache/apt', 0],
      ['whiteout', '/tmp', 0],
      ['symlink', '/bin', 0],
    ]);
    expect(listing.Entries.at(-1)?.Linkname).toBe('usr/bin');
    expect(listing.Entries[1]?.Mode).toBe(0o644);
  });

  it('stops at the limit and says so', async () => {
    const tar = await packTar(Array.from({ length: 5 }, (_, i) => entry(`f${i}`, 'file', 'x')));
    const listing = await listLayerFiles(stream(tar), 3);
    expect(listing.Entries.map((e) => e.Path)).toEqual(['/f0', '/f1', '/f2']);
    expect(listing.Truncated).toBe(true);
  });

  it('refuses an entry that climbs out of the layer, naming it', async () => {
    const tar = await packTar([entry('../evil', 'file', 'x')]);
    await expect(listLayerFiles(stream(tar))).rejects.toThrow('layer entry "../evil" points outside the layer');
  });
});
