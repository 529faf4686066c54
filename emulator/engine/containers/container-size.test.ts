import { describe, expect, it } from 'vitest';
import { sizeFromListing, upperListingArgv } from './container-size.ts';

// busybox 1.35 `ls -lniRA --full-time` of an upper dir (the guest's format)
const LISTING = `/var/lib/drydock/containers/c0/upper:
total 4
   4101 drwxr-xr-x    2 0        0               60 2026-12-07 10:00:00.120000000 +0000 etc
   4105 -rw-r--r--    2 0        0             5000 2026-12-07 10:00:01.500000000 +0000 big
   4105 -rw-r--r--    2 0        0             5000 2026-12-07 10:00:01.500000000 +0000 big-link
   4106 lrwxrwxrwx    1 0        0                7 2026-12-07 10:00:01.600000000 +0000 sh -> busybox

/var/lib/drydock/containers/c0/upper/etc:
total 1
   4102 -rw-r--r--    1 0        0              345 2026-12-07 10:00:00.110000000 +0000 passwd
   4103 c---------    1 0        0          0,   0 2026-12-07 10:00:00.130000000 +0000 group
`;

describe('upper dir listing', () => {
  it('SizeRw: every non-directory once (a hard-linked inode once, a whiteout 0 bytes)', () => {
    expect(sizeFromListing(LISTING)).toBe(5000 + 7 + 345);
    expect(sizeFromListing('')).toBe(0);
  });

  it('is one ls process, run without a shell', () => {
    expect(upperListingArgv('/var/lib/drydock/containers/a b/upper')).toEqual(['ls', '-lniRA', '--full-time', '/var/lib/drydock/containers/a b/upper']);
  });
});
