import { describe, expect, it } from 'vitest';
import { MemoryGuestFs } from '../guest-fs-memory.ts';
import { destinationOf, planCopy } from './copy.ts';
import { rootfsView } from './rootfs-view.ts';
import { ContextTree, type SourceEntry } from './source-tree.ts';

const t = new Date(0);
function tree(files: Record<string, string>): ContextTree {
  const c = new ContextTree();
  const dir = (path: string): SourceEntry => ({ path, kind: 'directory', mode: 0o755, uid: 501, gid: 20, mtime: t, size: 0, read: async () => new Uint8Array() });
  c.add(dir('.'));
  for (const [path, text] of Object.entries(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) if (!c.entries.has(parts.slice(0, i).join('/'))) c.add(dir(parts.slice(0, i).join('/')));
    const data = new TextEncoder().encode(text);
    c.add({ path, kind: 'file', mode: 0o644, uid: 501, gid: 20, mtime: t, size: data.length, read: async () => data });
  }
  return c;
}

async function image(): Promise<ReturnType<typeof rootfsView>> {
  const fs = new MemoryGuestFs();
  const a = { mode: 0o755, uid: 0, gid: 0, mtime: t };
  for (const d of ['/l', '/l/etc', '/l/srv']) await fs.mkdir(d, a);
  await fs.writeFile('/l/etc/passwd', new TextEncoder().encode('root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n'), { ...a, mode: 0o644 });
  await fs.writeFile('/l/etc/group', new TextEncoder().encode('root:x:0:\nstaff:x:50:\n'), { ...a, mode: 0o644 });
  return rootfsView(fs, ['/l']);
}

const paths = (p: { entries: { path: string }[] }) => p.entries.map((e) => e.path).sort();

describe('COPY destination rules', () => {
  it('reads a trailing slash or . as a directory, and relative paths from WORKDIR', () => {
    expect(destinationOf('/app/', '/')).toEqual({ path: '/app', isDir: true });
    expect(destinationOf('.', '/app')).toEqual({ path: '/app', isDir: true });
    expect(destinationOf('b.txt', '/app')).toEqual({ path: '/app/b.txt', isDir: false });
  });

  it('copies a file to a file path, into a directory, or into an existing directory', async () => {
    const src = tree({ 'a.txt': 'a', 'b.txt': 'b' });
    const img = await image();
    expect(paths(await planCopy({ sources: ['a.txt'], dest: '/x/renamed', workdir: '/', add: false }, src, img, 'l'))).toEqual(['/x/renamed']);
    expect(paths(await planCopy({ sources: ['a.txt'], dest: 'x/', workdir: '/w', add: false }, src, img, 'l'))).toEqual(['/w/x/a.txt']);
    expect(paths(await planCopy({ sources: ['a.txt'], dest: '/srv', workdir: '/', add: false }, src, img, 'l'))).toEqual(['/srv/a.txt']);
    expect(paths(await planCopy({ sources: ['*.txt'], dest: '/d/', workdir: '/', add: false }, src, img, 'l'))).toEqual(['/d/a.txt', '/d/b.txt']);
    await expect(planCopy({ sources: ['a.txt', 'b.txt'], dest: '/d', workdir: '/', add: false }, src, img, 'l')).rejects.toThrow('the destination must be a directory and end with a /');
  });

  it('copies a directory by its contents', async () => {
    const src = tree({ 'src/a.js': 'a', 'src/lib/b.js': 'b' });
    expect(paths(await planCopy({ sources: ['src'], dest: '/app', workdir: '/', add: false }, src, await image(), 'l'))).toEqual(['/app', '/app/a.js', '/app/lib', '/app/lib/b.js']);
  });

  it('applies --chown (names from the image, a lone user also as group) and --chmod', async () => {
    const src = tree({ 'a.txt': 'a' });
    const img = await image();
    const named = await planCopy({ sources: ['a.txt'], dest: '/a', workdir: '/', add: false, chown: 'node' }, src, img, 'l');
    expect(named.entries[0]).toMatchObject({ uid: 1000, gid: 1000 });
    const group = await planCopy({ sources: ['a.txt'], dest: '/a', workdir: '/', add: false, chown: 'node:staff', chmod: '600' }, src, img, 'l');
    expect(group.entries[0]).toMatchObject({ uid: 1000, gid: 50, mode: 0o600 });
    await expect(planCopy({ sources: ['a.txt'], dest: '/a', workdir: '/', add: false, chown: 'nobody' }, src, img, 'l')).rejects.toThrow('unable to find user nobody');
  });

  it('gives the same checksum for the same content and a new one when a file changes', async () => {
    const img = await image();
    const one = await planCopy({ sources: ['.'], dest: '/app', workdir: '/', add: false }, tree({ 'a.txt': 'a' }), img, 'l');
    const same = await planCopy({ sources: ['.'], dest: '/app', workdir: '/', add: false }, tree({ 'a.txt': 'a' }), img, 'l');
    const changed = await planCopy({ sources: ['.'], dest: '/app', workdir: '/', add: false }, tree({ 'a.txt': 'b' }), img, 'l');
    expect(same.checksum).toBe(one.checksum);
    expect(changed.checksum).not.toBe(one.checksum);
  });
});
