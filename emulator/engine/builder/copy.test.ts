import { packTar } from 'modern-tar';
import { describe, expect, it } from 'vitest';
import { MemoryGuestFs } from '../overlay/guest-fs-memory.ts';
import { destinationOf, planCopy } from './copy.ts';
import { withParents } from './layer.ts';
import { rootfsView } from '../overlay/rootfs-view.ts';
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
    expect(paths(await planCopy({ sources: ['a.txt', 'nomatch*'], dest: '/', workdir: '/', add: false }, src, img, 'l'))).toEqual(['/a.txt']);
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

/** A context with files (string) and symlinks ({ link }). */
function linkTree(items: Record<string, string | { link: string }>): ContextTree {
  const c = tree(Object.fromEntries(Object.entries(items).filter((e): e is [string, string] => typeof e[1] === 'string')));
  for (const [path, v] of Object.entries(items)) {
    if (typeof v === 'string') continue;
    c.add({ path, kind: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: t, size: 0, target: v.link, read: async () => new Uint8Array() });
  }
  return c;
}

const text = (e: { data?: Uint8Array } | undefined) => new TextDecoder().decode(e?.data);

describe('COPY heredoc sources', () => {
  it('makes a file named after the destination (or after the heredoc inside a directory), 0644, root', async () => {
    const img = await image();
    const one = await planCopy({ sources: [], heredocs: [{ name: 'EOF', content: 'hello\n' }], dest: '/hello.txt', workdir: '/', add: false }, tree({}), img, 'l');
    expect(one.entries).toEqual([expect.objectContaining({ path: '/hello.txt', kind: 'file', mode: 0o644, uid: 0, gid: 0 })]);
    expect(text(one.entries[0])).toBe('hello\n');
    const two = await planCopy({ sources: ['a.txt'], heredocs: [{ name: 'A', content: 'a\n' }, { name: 'B', content: 'b\n' }], dest: '/d/', workdir: '/', add: false, chmod: '755', chown: 'node' }, tree({ 'a.txt': 'x' }), img, 'l');
    expect(paths(two)).toEqual(['/d/A', '/d/B', '/d/a.txt']);
    expect(two.entries.every((e) => e.mode === 0o755 && e.uid === 1000 && e.gid === 1000)).toBe(true);
    await expect(planCopy({ sources: [], heredocs: [{ name: 'A', content: '' }, { name: 'B', content: '' }], dest: '/d', workdir: '/', add: false }, tree({}), img, 'l')).rejects.toThrow('the destination must be a directory');
  });

  it('gives a new checksum when the body changes; ADD does not unpack a body', async () => {
    const img = await image();
    const a = await planCopy({ sources: [], heredocs: [{ name: 'EOF', content: 'a' }], dest: '/x', workdir: '/', add: true }, tree({}), img, 'l');
    const b = await planCopy({ sources: [], heredocs: [{ name: 'EOF', content: 'b' }], dest: '/x', workdir: '/', add: true }, tree({}), img, 'l');
    expect(a.checksum).not.toBe(b.checksum);
    expect(paths(a)).toEqual(['/x']);
  });
});

describe('COPY through symlinks (BuildKit follows them inside the context)', () => {
  it('follows a linked source file, a linked directory on the way, and links that wildcards match', async () => {
    // BuildKit's testCopySymlinks and testCopyThroughSymlinkContext
    const ctx = linkTree({ bar: 'bar-contents', foo: { link: 'bar' }, 'sub/lfile': 'lfile', 'sub/l0': { link: 'subfile' }, 'sub/subfile': 'subfile', 'sub/l1': { link: 'second' }, 'sub/second': { link: 'baz' }, 'sub/baz': 'baz', link: { link: 'sub' } });
    const img = await image();
    const foo = await planCopy({ sources: ['foo'], dest: '/', workdir: '/', add: false }, ctx, img, 'l');
    expect(foo.entries.map((e) => [e.path, e.kind, text(e)])).toEqual([['/foo', 'file', 'bar-contents']]);
    const all = await planCopy({ sources: ['sub/l*'], dest: 'alllinks/', workdir: '/', add: false }, ctx, img, 'l');
    expect(Object.fromEntries(all.entries.map((e) => [e.path, text(e)]))).toEqual({ '/alllinks/l0': 'subfile', '/alllinks/l1': 'baz', '/alllinks/lfile': 'lfile' });
    const through = await planCopy({ sources: ['link/baz'], dest: '.', workdir: '/', add: false }, ctx, img, 'l');
    expect(through.entries.map((e) => [e.path, text(e)])).toEqual([['/baz', 'baz']]);
    const globThrough = await planCopy({ sources: ['link/b*'], dest: '/g/', workdir: '/', add: false }, ctx, img, 'l');
    expect(paths(globThrough)).toEqual(['/g/baz']);
  });

  it('copies a linked directory by its contents; links inside it stay links', async () => {
    const ctx = linkTree({ 'real/a.txt': 'a', 'real/inner': { link: '../elsewhere' }, linkdir: { link: 'real' } });
    const plan = await planCopy({ sources: ['linkdir/'], dest: '/d/', workdir: '/', add: false }, ctx, await image(), 'l');
    expect(plan.entries.map((e) => [e.path, e.kind, e.target])).toEqual([
      ['/d', 'directory', undefined],
      ['/d/a.txt', 'file', undefined],
      ['/d/inner', 'symlink', '../elsewhere'],
    ]);
  });

  it('resolves a link out of the context against the context root, never the host: linkdir -> /etc is the context\'s etc', async () => {
    const img = await image();
    const missing = linkTree({ linkdir: { link: '/etc' }, lnk: { link: '../../../etc' } });
    await expect(planCopy({ sources: ['linkdir/'], dest: '/d/', workdir: '/', add: false }, missing, img, 'l')).rejects.toThrow('failed to calculate checksum of ref: "/linkdir": not found');
    await expect(planCopy({ sources: ['lnk/passwd'], dest: '/x', workdir: '/', add: false }, missing, img, 'l')).rejects.toThrow('"/lnk/passwd": not found');
    const own = linkTree({ linkdir: { link: '/etc' }, 'etc/hosts': 'the context\'s own etc' });
    const plan = await planCopy({ sources: ['linkdir/'], dest: '/d/', workdir: '/', add: false }, own, img, 'l');
    expect(plan.entries.map((e) => [e.path, text(e)])).toEqual([['/d', ''], ['/d/hosts', 'the context\'s own etc']]);
    // `../x` names the context's x, as BuildKit normalises sources against the root
    expect(paths(await planCopy({ sources: ['../../etc/hosts'], dest: '/h', workdir: '/', add: false }, own, img, 'l'))).toEqual(['/h']);
    const loop = linkTree({ a: { link: 'b' }, b: { link: 'a' } });
    await expect(planCopy({ sources: ['a'], dest: '/x', workdir: '/', add: false }, loop, img, 'l')).rejects.toThrow('too many links');
  });

  it('copies into the directory an image link names (/srv2 -> /srv), inside the image', async () => {
    const fs = new MemoryGuestFs();
    const a = { mode: 0o755, uid: 0, gid: 0, mtime: t };
    for (const d of ['/l', '/l/srv']) await fs.mkdir(d, a);
    await fs.symlink('/l/srv2', '/srv', a);
    await fs.symlink('/l/up', '../../..', a);
    const img = rootfsView(fs, ['/l']);
    expect(paths(await planCopy({ sources: ['a.txt'], dest: '/srv2/', workdir: '/', add: false }, tree({ 'a.txt': 'a' }), img, 'l'))).toEqual(['/srv/a.txt']);
    expect(paths(await planCopy({ sources: ['a.txt'], dest: '/srv2', workdir: '/', add: false }, tree({ 'a.txt': 'a' }), img, 'l'))).toEqual(['/srv/a.txt']);
    expect(paths(await planCopy({ sources: ['a.txt'], dest: 'x', workdir: '/up', add: false }, tree({ 'a.txt': 'a' }), img, 'l'))).toEqual(['/x']);
  });
});

describe('ADD of a hostile local archive (moby chrootarchive rules)', () => {
  const archive = async (entries: { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; linkname?: string; body?: string }[]) =>
    packTar(entries.map((e) => ({ header: { name: e.name, type: e.type ?? 'file', size: e.body?.length ?? 0, mode: 0o644, ...(e.linkname ? { linkname: e.linkname } : {}) }, ...(e.body !== undefined ? { body: e.body } : {}) })));
  const add = async (tar: Uint8Array) => {
    const ctx = tree({});
    const data = tar;
    ctx.add({ path: 'x.tar', kind: 'file', mode: 0o644, uid: 0, gid: 0, mtime: t, size: data.length, read: async () => data });
    return planCopy({ sources: ['x.tar'], dest: '/opt/', workdir: '/', add: true }, ctx, await image(), 'l');
  };

  it('refuses names that climb out, relative links and hard links that point out', async () => {
    await expect(add(await archive([{ name: '../../evil', body: 'x' }]))).rejects.toThrow('failed to unpack x.tar: "../../evil" is outside of "/opt"');
    await expect(add(await archive([{ name: 'a/../../evil', body: 'x' }]))).rejects.toThrow('is outside of "/opt"');
    await expect(add(await archive([{ name: 'lnk', type: 'symlink', linkname: '../../etc' }]))).rejects.toThrow('invalid symlink "lnk" -> "../../etc"');
    await expect(add(await archive([{ name: 'h', type: 'link', linkname: '../../etc/passwd' }]))).rejects.toThrow('invalid hardlink "h" -> "../../etc/passwd"');
    await expect(add(await archive([{ name: 'h', type: 'link', linkname: '/etc/passwd' }]))).rejects.toThrow('invalid hardlink');
  });

  it('keeps absolute links, writes through them inside the destination, absolute names land under it, hard links get the content', async () => {
    const plan = await add(await archive([
      { name: '/abs.txt', body: 'abs' },
      { name: 'lnk', type: 'symlink', linkname: '/etc' },
      { name: 'lnk/passwd', body: 'mine' },
      { name: 'a.txt', body: 'a' },
      { name: 'hard', type: 'link', linkname: 'a.txt' },
    ]));
    expect(plan.entries.map((e) => [e.path, e.kind, e.target ?? text(e)])).toEqual([
      ['/opt/abs.txt', 'file', 'abs'],
      ['/opt/lnk', 'symlink', '/etc'],
      ['/opt/etc/passwd', 'file', 'mine'],
      ['/opt/a.txt', 'file', 'a'],
      ['/opt/hard', 'file', 'a'],
    ]);
  });
});

describe('withParents', () => {
  it('turns a parent the entries make a link into a directory: a layer never holds a path below a non-directory', async () => {
    const entries = await withParents([
      { path: '/d/x', kind: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: t, target: '/etc' },
      { path: '/d/x/passwd', kind: 'file', mode: 0o644, uid: 0, gid: 0, mtime: t, data: new Uint8Array() },
    ], await image(), t);
    expect(entries.map((e) => [e.path, e.kind])).toEqual([['/d', 'directory'], ['/d/x', 'directory'], ['/d/x/passwd', 'file']]);
  });
});
