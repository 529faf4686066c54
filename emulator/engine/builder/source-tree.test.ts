import { packTar } from 'modern-tar';
import { describe, expect, it } from 'vitest';
import { parseDockerignore } from './dockerignore.ts';
import { contextFromTar } from './source-tree.ts';

describe('a context the guest tarred', () => {
  it('drops names that climb out, keeps absolute links as links, gives a hard link its file\'s content', async () => {
    const tar = await packTar([
      { header: { name: './', type: 'directory', size: 0 } },
      { header: { name: './a.txt', type: 'file', size: 1 }, body: 'a' },
      { header: { name: './hard', type: 'link', size: 0, linkname: './a.txt' } },
      { header: { name: './secret.txt', type: 'file', size: 1 }, body: 's' },
      { header: { name: './kept', type: 'link', size: 0, linkname: './secret.txt' } },
      { header: { name: './out', type: 'link', size: 0, linkname: '../../etc/passwd' } },
      { header: { name: '../escape', type: 'file', size: 1 }, body: 'e' },
      { header: { name: './sub/../../escape2', type: 'file', size: 1 }, body: 'e' },
      { header: { name: './lnk', type: 'symlink', size: 0, linkname: '/etc' } },
      { header: { name: './..dots', type: 'file', size: 1 }, body: 'd' },
    ]);
    const tree = await contextFromTar(tar, parseDockerignore('secret.txt\n'));
    expect([...tree.entries.keys()].sort()).toEqual(['.', '..dots', 'a.txt', 'hard', 'kept', 'lnk']);
    const read = async (p: string) => new TextDecoder().decode(await (await tree.lstat(p))!.read());
    expect(await tree.lstat('hard')).toMatchObject({ kind: 'file', size: 1 });
    expect(await read('hard')).toBe('a');
    // the first name was ignored, the second was not: its content still comes along
    expect(await read('kept')).toBe('s');
    expect(await tree.lstat('lnk')).toMatchObject({ kind: 'symlink', target: '/etc' });
  });
});
