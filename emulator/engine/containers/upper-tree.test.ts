import { describe, expect, it } from 'vitest';
import { dockerChanges } from './container-changes.ts';
import { listUpperTree, parseTree, treeSize, upperEntries } from './upper-tree.ts';
import { EngineError } from '../errors.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';

const rec = (...records: string[]) => new TextEncoder().encode(records.map((r) => `${r}\0`).join(''));
const DIR = (mtime: string) => `41ed|0|0|${mtime}|40|11|2`;

describe('LIST_TREE records', () => {
  // an upper dir after: echo x >> /etc/passwd (copy-up), touch /new, rm /etc/motd, rm -rf /opt && mkdir /opt (opaque),
  // ln /new /new2 (a hard link), plus the runtime's /etc/hostname mount point the image lacks
  const tree = parseTree(
    rec(
      `${DIR('1700000100.5')}|0|${DIR('1700000000.0')}|./etc`,
      `81a4|0|0|1700000100.000000001|1201|12|1|0|81a4|0|0|1700000000.0|1200|900|1|./etc/passwd`,
      `2000|0|0|1700000100.0|0|13|1|0|81a4|0|0|1700000000.0|30|901|1|./etc/motd`,
      `81a4|0|0|1700000100.0|0|14|1|0|-|./etc/hostname`,
      `81a4|0|0|1700000100.0|7|15|2|0|-|./new`,
      `81a4|0|0|1700000100.0|7|15|2|0|-|./new2`,
      `${DIR('1700000100.0')}|1|${DIR('1700000000.0')}|./opt`,
      `${DIR('1700000100.0')}|1|-|./opt/sub`,
      `a1ff|0|0|1700000100.0|4|16|1|0|-|./a|b with | bar`,
      'garbage without a path',
      `zz|0|0|1|1|1|1|0|-|./bad-mode`,
    ),
  );

  it('reads every well-formed record, paths with bars included', () => {
    expect(tree.map((e) => e.path)).toEqual(['/etc', '/etc/passwd', '/etc/motd', '/etc/hostname', '/new', '/new2', '/opt', '/opt/sub', '/a|b with | bar']);
    expect(tree[1]!.stat).toMatchObject({ mode: 0o100644, mtime: 1700000100, mtimeText: '1700000100.000000001', size: 1201, nlink: 1 });
    expect(tree[1]!.lower).toMatchObject({ size: 1200, mtime: 1700000000 });
  });

  it('reads whiteouts and opaque directories as docker diff does', () => {
    const entries = upperEntries(tree);
    expect(entries.find((e) => e.path === '/etc/motd')).toMatchObject({ whiteout: true });
    // a directory below an opaque one is left out, as the script's probe leaves it out
    expect(entries.filter((e) => e.opaque).map((e) => e.path)).toEqual(['/opt']);
    expect(dockerChanges(entries)).toEqual([
      { Path: '/a|b with | bar', Kind: 1 },
      { Path: '/etc', Kind: 0 },
      { Path: '/etc/motd', Kind: 2 },
      { Path: '/etc/passwd', Kind: 0 },
      { Path: '/new', Kind: 1 },
      { Path: '/new2', Kind: 1 },
      { Path: '/opt', Kind: 2 },
      { Path: '/opt/sub', Kind: 1 },
    ]);
  });

  it('sums SizeRw without directories or devices, a hard-linked inode once', () => {
    expect(treeSize(tree)).toBe(1201 + 0 + 7 + 4);
  });
});

describe('listUpperTree', () => {
  const guest = (listTree?: GuestExec['listTree']): GuestExec => ({ exec: async () => ({ exitCode: 0, stdout: new Uint8Array(), stderr: new Uint8Array() }), spawn: () => { throw new Error('no'); }, writeFile: async () => {}, ...(listTree ? { listTree } : {}) });
  const refusing = (errno: string) => guest(async () => { throw new EngineError('NOT_FOUND', `list /u: ${errno}`, { details: { errno } }); });

  it('is empty for an upper dir that is gone, undefined (the script) without the frame or past its size', async () => {
    expect(await listUpperTree(refusing('ENOENT'), '/u')).toEqual([]);
    expect(await listUpperTree(refusing('EFBIG'), '/u')).toBeUndefined();
    expect(await listUpperTree(guest(), '/u')).toBeUndefined();
    await expect(listUpperTree(refusing('EIO'), '/u')).rejects.toThrow('EIO');
  });

  it('hands the lower dirs to the agent, topmost first', async () => {
    let asked: unknown[] = [];
    await listUpperTree(guest(async (root, lowers) => { asked = [root, lowers]; return rec(); }), '/u', ['/l2', '/l1']);
    expect(asked).toEqual(['/u', ['/l2', '/l1']]);
  });
});
