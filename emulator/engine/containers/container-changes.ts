// `docker diff`: the guest script that lists a container's overlayfs upper dir, and Docker's A/C/D reading of it.
import { quoteWord } from '../runtime/shell-quote.ts';

/** Docker's ChangeType: 0 Modified, 1 Added, 2 Deleted (GET /containers/{id}/changes). */
export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** What stat says of one path: `%F`, device numbers, `%f` (raw mode, hex) and `%Y` (mtime, seconds). */
export interface EntryStat {
  type: string;
  major: number;
  minor: number;
  mode: number;
  mtime: number;
}

/** One entry of the upper dir, with the same path in the image when it has one. */
export interface UpperEntry {
  /** `/etc/passwd` */
  path: string;
  upper: EntryStat;
  /** the entry in the topmost lower dir that has the path (Docker's `os.Stat` over the layers) */
  lower?: EntryStat;
  /** a 0/0 character device: overlayfs's whiteout */
  whiteout: boolean;
  /** a directory overlayfs marked opaque (`trusted.overlay.opaque=y`): the image's content below it is hidden */
  opaque: boolean;
}

/** Where the opaque probe mounts its tmpfs, in a mount namespace of its own (so concurrent probes do not meet). */
const PROBE_DIR = '/run/drydock/opaque-probe';
const PROBE_DONE = 'o-done';

/**
 * Prints `o|<links>|./dir` for every directory of the upper dir, then `o-done`. overlayfs marks an opaque
 * directory (`rm -rf d && mkdir d`) with the xattr `trusted.overlay.opaque`, which busybox cannot read. So the
 * upper dir is mounted read-only as the top lower layer over an empty copy of its own directory tree: a
 * directory that is not opaque merges with its copy, and overlayfs reports 1 link for a merged directory
 * (ovl_getattr), while an opaque one shows its own count (2 or more). The kernel warns (not on the console at
 * loglevel 3) that the dir is also the upper dir of the container's mount; the probe only reads it.
 */
export function opaqueProbeScript(upperDir: string): string {
  const inner =
    `P=${PROBE_DIR}; mount -t tmpfs drydock-probe "$P" && mkdir "$P/l" "$P/m" && cd "$1" && find . -mindepth 1 -type d > "$P/dirs" || exit 1; ` +
    `if [ -s "$P/dirs" ]; then cd "$P/l" && tr '\\n' '\\0' < "$P/dirs" | xargs -0 mkdir -p && ` +
    `mount -t overlay -o ro,index=off,lowerdir="$1:$P/l" drydock-probe "$P/m" && cd "$P/m" && ` +
    `tr '\\n' '\\0' < "$P/dirs" | xargs -0 stat -c 'o|%h|%n' || exit 1; fi; echo ${PROBE_DONE}`;
  // busybox's unshare (static, private propagation by default): no dependency on the runtime's util-linux tools.
  return `mkdir -p ${PROBE_DIR} && busybox unshare -m sh -c ${quoteWord(inner)} drydock-probe ${quoteWord(upperDir)}`;
}

/**
 * The opaque directories in a probe's output (`/path`), or undefined when the probe did not finish. A
 * directory below an opaque one is never opaque itself (the kernel marks a directory only when it is made
 * over a whiteout or inside a merged directory), but the probe cannot tell: its copy is hidden by the opaque
 * parent. So those are left out.
 */
export function parseOpaque(listing: string): Set<string> | undefined {
  const lines = listing.split('\n');
  if (!lines.includes(PROBE_DONE)) return undefined;
  const dirs: string[] = [];
  for (const line of lines) {
    const m = /^o\|(\d+)\|\.(\/.*)$/.exec(line);
    if (m && m[1] !== '1') dirs.push(m[2] as string);
  }
  dirs.sort();
  const out = new Set<string>();
  for (const d of dirs) if (![...out].some((o) => d.startsWith(`${o}/`))) out.add(d);
  return out;
}

const STAT = "%F|%t|%T|%f|%Y";

/**
 * One record per entry of the upper dir: `p|./path`, then `s|<stat>` of it and, when the image has the path, a
 * second `s|<stat>` of the topmost lower dir that has it (one stat process for both). Then the opaque probe.
 * busybox find has no -printf, hence stat.
 */
export function changesScript(upperDir: string, lowerDirs: readonly string[]): string {
  const lowers = lowerDirs.map(quoteWord).join(' ');
  return (
    `cd ${quoteWord(upperDir)} 2>/dev/null || { echo ${PROBE_DONE}; exit 0; }\n` +
    `find . -mindepth 1 | while IFS= read -r p; do set -- "$p"; ` +
    `for d in ${lowers}; do if [ -e "$d/$p" ] || [ -L "$d/$p" ]; then set -- "$p" "$d/$p"; break; fi; done; ` +
    `echo "p|$p"; stat -c 's|${STAT}' "$@"; done\n` +
    `${opaqueProbeScript(upperDir)}\n`
  );
}

function readStat(fields: string): EntryStat | undefined {
  const m = /^([^|]*)\|([0-9a-f]+)\|([0-9a-f]+)\|([0-9a-f]+)\|(\d+)$/.exec(fields);
  if (!m) return undefined;
  return { type: m[1] as string, major: parseInt(m[2] as string, 16), minor: parseInt(m[3] as string, 16), mode: parseInt(m[4] as string, 16), mtime: Number(m[5]) };
}

/** The upper dir as `changesScript` lists it, sorted by path (parents before their children). */
export function readUpperListing(listing: string): UpperEntry[] {
  const opaque = parseOpaque(listing) ?? new Set<string>();
  const out: UpperEntry[] = [];
  let current: UpperEntry | undefined;
  for (const line of listing.split('\n')) {
    if (line.startsWith('p|./')) {
      const path = line.slice(3);
      current = { path, upper: { type: '', major: 0, minor: 0, mode: 0, mtime: 0 }, whiteout: false, opaque: opaque.has(path) };
      out.push(current);
    } else if (current && line.startsWith('s|')) {
      const st = readStat(line.slice(2));
      if (!st) continue;
      if (current.upper.type === '') {
        current.upper = st;
        current.whiteout = st.type === 'character special file' && st.major === 0 && st.minor === 0;
      } else current.lower ??= st;
    }
  }
  return out.filter((e) => e.upper.type !== '').sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Mount points the runtime makes in the upper dir when the image lacks them. Docker keeps these in its
 * `-init` layer, below the container's writes, so neither `docker diff` nor `docker commit` sees them.
 */
const INIT_PATHS = new Set(['/dev', '/proc', '/sys', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/.dockerenv', '/etc/mtab']);

const parentOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';

/** The runtime's mount points this container added (the image lacks them): for commit to leave out. */
export function addedInitPaths(entries: readonly UpperEntry[]): Set<string> {
  return new Set(entries.filter((e) => !e.lower && INIT_PATHS.has(e.path)).map((e) => e.path));
}

/**
 * Docker's overlay reading of the upper dir (archive.OverlayChanges): a whiteout or an opaque directory is
 * deleted (D), an entry the image lacks is added (A), one it has is modified (C), except a directory whose
 * mode and mtime equal the image's (copied up only because something below it changed). The parent of an A
 * or D is always listed, as C when not listed already. The runtime's mount points stand in Docker's init
 * layer: they are left out, and so are the mtime changes their creation made to their parent directories.
 * Sorted by path.
 */
export function dockerChanges(entries: readonly UpperEntry[]): Change[] {
  const init = addedInitPaths(entries);
  const stubParents = new Set([...init].map(parentOf));
  const changedDirs = new Set<string>();
  const out: Change[] = [];
  for (const e of entries) {
    if ([...init].some((p) => e.path === p || e.path.startsWith(`${p}/`))) continue;
    let kind: Change['Kind'];
    if (e.whiteout || e.opaque) kind = 2;
    else if (!e.lower) kind = 1;
    else {
      const dirs = e.upper.type === 'directory' && e.lower.type === 'directory';
      const sameTime = e.upper.mtime === e.lower.mtime || stubParents.has(e.path);
      if (dirs && e.upper.mode === e.lower.mode && sameTime) continue;
      kind = 0;
    }
    if (e.upper.type === 'directory') changedDirs.add(e.path);
    if (kind !== 0) {
      const parent = parentOf(e.path);
      if (parent !== '/' && !changedDirs.has(parent)) {
        out.push({ Path: parent, Kind: 0 });
        changedDirs.add(parent);
      }
    }
    out.push({ Path: e.path, Kind: kind });
  }
  return out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}

/** `docker diff`'s answer from the guest's listing. */
export function parseChanges(listing: string): Change[] {
  return dockerChanges(readUpperListing(listing));
}

/** Kept for callers written before `parseChanges` left the runtime's mount points out itself. */
export function withoutInitPaths(changes: readonly Change[]): Change[] {
  return [...changes];
}

/** The CLI's lines: `C /etc`, `A /etc/new`, `D /etc/gone`. */
export function changeLines(changes: readonly Change[]): string {
  return changes.map((c) => `${'CAD'[c.Kind]} ${c.Path}\n`).join('');
}
