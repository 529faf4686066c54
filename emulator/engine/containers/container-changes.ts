// `docker diff`: the guest script that lists a container's overlayfs upper dir, and Docker's A/C/D reading of it.
import { quoteWord } from '../runtime/shell-quote.ts';

/** Docker's ChangeType: 0 Modified, 1 Added, 2 Deleted (GET /containers/{id}/changes). */
export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

/**
 * One line per entry of the upper dir: `type|major|minor|inLower|./path`. busybox find has no -printf, so
 * stat prints type and device numbers (hex); the lower dirs are asked whether the path existed in the image.
 */
export function changesScript(upperDir: string, lowerDirs: readonly string[]): string {
  const lowers = lowerDirs.map(quoteWord).join(' ');
  return (
    `cd ${quoteWord(upperDir)} 2>/dev/null || exit 0\n` +
    `find . -mindepth 1 | while IFS= read -r p; do t=$(stat -c '%F|%t|%T' "$p"); l=0; ` +
    `for d in ${lowers}; do if [ -e "$d/$p" ] || [ -L "$d/$p" ]; then l=1; break; fi; done; ` +
    `echo "$t|$l|$p"; done`
  );
}

/**
 * Docker's overlay reading of the upper dir: a 0/0 character device is a whiteout (D), an entry that was
 * in the image is modified (C, which is how copied-up parents show), anything else was added (A). Sorted by
 * path like the daemon's answer.
 */
export function parseChanges(listing: string): Change[] {
  const out: Change[] = [];
  for (const line of listing.split('\n')) {
    const m = /^([^|]*)\|([0-9a-f]*)\|([0-9a-f]*)\|([01])\|\.(\/.*)$/.exec(line);
    if (!m) continue;
    const [, type, major, minor, inLower, path] = m as unknown as [string, string, string, string, string, string];
    const whiteout = type === 'character special file' && parseInt(major, 16) === 0 && parseInt(minor, 16) === 0;
    out.push({ Path: path, Kind: whiteout ? 2 : inLower === '1' ? 0 : 1 });
  }
  return out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}

/**
 * Mount points the runtime makes in the upper dir when the image lacks them. Docker keeps these in its
 * `-init` layer, below the container's writes, so neither `docker diff` nor `docker commit` sees them.
 */
const INIT_PATHS = new Set(['/dev', '/proc', '/sys', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/.dockerenv', '/etc/mtab']);

/** Docker's view: the changes without the init-layer mount points (only when added: in the image they are real). */
export function withoutInitPaths(changes: readonly Change[]): Change[] {
  return changes.filter((c) => !(c.Kind === 1 && INIT_PATHS.has(c.Path)));
}

/** Init-layer mount points this container added (for commit to leave out). */
export function addedInitPaths(changes: readonly Change[]): Set<string> {
  return new Set(changes.filter((c) => c.Kind === 1 && INIT_PATHS.has(c.Path)).map((c) => c.Path));
}

/** The CLI's lines: `C /etc`, `A /etc/new`, `D /etc/gone`. */
export function changeLines(changes: readonly Change[]): string {
  return changes.map((c) => `${'CAD'[c.Kind]} ${c.Path}\n`).join('');
}
