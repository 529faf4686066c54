// A container's SizeRw (`GET /containers/{id}/json?size=1`, `docker ps -s`): the bytes in its overlay upper dir, summed
// as moby's directory.Size sums them (every entry but directories, a hard-linked inode once).
import { quoteWord } from '../runtime/shell-quote.ts';

/** Prints `<inode> <links> <size>` for every non-directory entry of the upper dir; nothing for a missing dir. */
export function upperSizeScript(upperDir: string): string {
  return `cd ${quoteWord(upperDir)} 2>/dev/null || exit 0; find . ! -type d -print0 | xargs -0 -r stat -c '%i %h %s'`;
}

/** The byte count of `upperSizeScript`'s output. */
export function parseUpperSize(listing: string): number {
  const seen = new Set<string>();
  let total = 0;
  for (const line of listing.split('\n')) {
    const m = /^(\d+) (\d+) (\d+)$/.exec(line);
    if (!m) continue;
    if (m[2] !== '1') {
      if (seen.has(m[1] as string)) continue;
      seen.add(m[1] as string);
    }
    total += Number(m[3]);
  }
  return total;
}
