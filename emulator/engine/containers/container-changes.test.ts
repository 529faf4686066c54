// Reading of the guest's upper-dir listing into Docker's changes.
import { describe, expect, it } from 'vitest';
import { changeLines, changesScript, parseChanges, withoutInitPaths } from './container-changes.ts';

describe('parseChanges', () => {
  it('classifies whiteouts, copied-up parents and new files, sorted by path', () => {
    const listing = [
      'directory|0|0|1|./etc',
      'character special file|0|0|1|./etc/passwd',
      'regular file|0|0|0|./etc/new.conf',
      'directory|0|0|0|./data',
      'regular empty file|0|0|0|./data/x',
      'regular file|0|0|1|./etc/hostname',
      'character special file|1|3|0|./dev-null-copy',
      '',
    ].join('\n');
    expect(parseChanges(listing)).toEqual([
      { Path: '/data', Kind: 1 },
      { Path: '/data/x', Kind: 1 },
      { Path: '/dev-null-copy', Kind: 1 },
      { Path: '/etc', Kind: 0 },
      { Path: '/etc/hostname', Kind: 0 },
      { Path: '/etc/new.conf', Kind: 1 },
      { Path: '/etc/passwd', Kind: 2 },
    ]);
  });

  it('keeps paths with spaces and ignores noise', () => {
    expect(parseChanges('stat: oops\nregular file|0|0|0|./a b|c\n')).toEqual([{ Path: '/a b|c', Kind: 1 }]);
  });

  it('prints Docker lines', () => {
    expect(changeLines([{ Path: '/etc', Kind: 0 }, { Path: '/x', Kind: 1 }, { Path: '/y', Kind: 2 }])).toBe('C /etc\nA /x\nD /y\n');
  });

  it('quotes the dirs in the script', () => {
    const s = changesScript('/run/drydock/containers/c1/upper', ['/mnt/host/l 1', '/mnt/host/l2']);
    expect(s).toContain("cd /run/drydock/containers/c1/upper");
    expect(s).toContain("for d in '/mnt/host/l 1' /mnt/host/l2;");
  });

  it("leaves out the runtime's mount points unless the image had them", () => {
    const listing = 'directory|0|0|0|./proc\nregular empty file|0|0|0|./etc/hosts\ndirectory|0|0|1|./dev\nregular file|0|0|0|./new\n';
    expect(withoutInitPaths(parseChanges(listing))).toEqual([{ Path: '/dev', Kind: 0 }, { Path: '/new', Kind: 1 }]);
  });
});
