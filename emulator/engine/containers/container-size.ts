// A container's upper dir read with one process (`ls`), for two things: its SizeRw (`GET /containers/{id}/json?size=1`,
// summed as moby's directory.Size sums it: every entry but directories, a hard-linked inode once), and as a stamp:
// the listing names every entry with its inode, mode, links, size and mtime, so an unchanged listing means
// `docker diff` has nothing new to say (the inspect panel polls it; the full diff forks a process per entry).

/** argv for the agent (no shell): the upper dir, recursively, numeric owners, inodes, full times. */
export function upperListingArgv(upperDir: string): string[] {
  return ['ls', '-lniRA', '--full-time', upperDir];
}

/**
 * The byte count of an upper-dir listing. busybox prints `<inode> <mode> <links> <uid> <gid> <size> <date>...` per entry;
 * a device shows `major, minor` where the size goes (whiteouts are 0/0 character devices: 0 bytes).
 */
export function sizeFromListing(listing: string): number {
  const seen = new Set<string>();
  let total = 0;
  for (const line of listing.split('\n')) {
    const m = /^\s*(\d+)\s+([-dlcbps])\S*\s+(\d+)\s+\d+\s+\d+\s+(\d+)\s/.exec(line);
    if (!m || m[2] === 'd' || m[2] === 'c' || m[2] === 'b') continue;
    if (m[3] !== '1') {
      if (seen.has(m[1] as string)) continue;
      seen.add(m[1] as string);
    }
    total += Number(m[4]);
  }
  return total;
}
