// Reading of the guest's upper-dir listing into Docker's changes, and of the opaque probe.
import { describe, expect, it } from 'vitest';
import { addedInitPaths, changeLines, changesScript, parseChanges, parseOpaque, readUpperListing } from './container-changes.ts';

const dir = (mtime: number, mode = '41ed') => `s|directory|0|0|${mode}|${mtime}`;
const file = (mtime: number) => `s|regular file|0|0|81a4|${mtime}`;
const whiteout = 's|character special file|0|0|2000|5';

/** The listing of `docker run --name x busybox true` measured in the guest: only the runtime's mount points. */
const untouched = [
  'p|./etc', dir(200), dir(100),
  'p|./etc/hosts', 's|regular empty file|0|0|81a4|200',
  'p|./etc/hostname', 's|regular empty file|0|0|81a4|200',
  'p|./etc/resolv.conf', 's|regular empty file|0|0|81a4|200',
  'p|./sys', dir(200), 'p|./dev', dir(200), 'p|./proc', dir(200),
  'o|1|./etc', 'o|1|./sys', 'o|1|./dev', 'o|1|./proc', 'o-done', '',
];

describe('parseChanges', () => {
  it('shows nothing for a container that changed nothing (the mount points are Docker\'s init layer)', () => {
    expect(parseChanges(untouched.join('\n'))).toEqual([]);
    expect([...addedInitPaths(readUpperListing(untouched.join('\n')))].sort()).toEqual(['/dev', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/proc', '/sys']);
  });

  it('A for new entries, C for changed ones and the parent of an A or D, D for whiteouts, sorted by path', () => {
    const listing = [
      ...untouched.slice(0, -6),
      'p|./etc/passwd', whiteout, file(100),
      'p|./etc/new.conf', file(300),
      'p|./data', dir(300), 'p|./data/x', file(300),
      'p|./root', dir(300), dir(100), 'p|./root/.ash_history', file(300), file(100),
      'p|./usr', dir(100), dir(100), 'p|./usr/bin', dir(100), dir(100), 'p|./usr/bin/vi', file(300), file(100),
      'o-done', '',
    ].join('\n');
    expect(changeLines(parseChanges(listing))).toBe(
      ['A /data', 'A /data/x', 'C /etc', 'A /etc/new.conf', 'D /etc/passwd', 'C /root', 'C /root/.ash_history', 'C /usr/bin/vi', ''].join('\n'),
    );
  });

  it('a directory whose mode changed is C even when nothing below it is', () => {
    const listing = ['p|./tmp', dir(100, '41c0'), dir(100, '43ff'), 'o|1|./tmp', 'o-done'].join('\n');
    expect(parseChanges(listing)).toEqual([{ Path: '/tmp', Kind: 0 }]);
  });

  it('an opaque directory is D, as Docker reads trusted.overlay.opaque, and what was made in it is A', () => {
    const listing = [
      'p|./usr', dir(300), dir(100), 'p|./usr/sbin', dir(300), dir(100), 'p|./usr/sbin/mine', file(300),
      'p|./usr/sbin/sub', dir(300), 'o|1|./usr', 'o|2|./usr/sbin', 'o|2|./usr/sbin/sub', 'o-done',
    ].join('\n');
    expect(changeLines(parseChanges(listing))).toBe('C /usr\nD /usr/sbin\nA /usr/sbin/mine\nA /usr/sbin/sub\n');
  });

  it('keeps paths with spaces and bars and ignores noise', () => {
    expect(parseChanges(`stat: oops\np|./a b|c\n${file(1)}\no-done\n`)).toEqual([{ Path: '/a b|c', Kind: 1 }]);
  });

  it('quotes the dirs in the script', () => {
    const s = changesScript('/run/drydock/containers/c1/upper', ['/mnt/host/l 1', '/mnt/host/l2']);
    expect(s).toContain('cd /run/drydock/containers/c1/upper');
    expect(s).toContain("for d in '/mnt/host/l 1' /mnt/host/l2;");
    expect(s).toContain('busybox unshare -m');
  });
});

describe('parseOpaque', () => {
  it('opaque directories are the ones with more than one link, without those below another opaque one', () => {
    expect(parseOpaque('o|3|./tmp\no|2|./tmp/x\no|1|./var\no|2|./usr/sbin\no|2|./usr/sbin-old\no-done\n')).toEqual(new Set(['/tmp', '/usr/sbin', '/usr/sbin-old']));
  });

  it('is undefined when the probe did not finish', () => {
    expect(parseOpaque('o|3|./tmp\n')).toBeUndefined();
  });
});
