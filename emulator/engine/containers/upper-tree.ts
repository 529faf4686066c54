// A container's upper dir as the agent lists it without a process (LIST_TREE, emulator/guest/agent/PROTOCOL.md):
// what `docker diff`, `docker commit` and SizeRw read, for one frame instead of a `find | stat` process per entry.
// Guests whose agent lacks the frame are read by the shell script of container-changes.ts instead.
import { EngineError } from '../errors.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { changesScript, parseOpaque, readUpperListing, type EntryStat, type UpperEntry } from './container-changes.ts';

/** One LIST_TREE record: `mode|major|minor|mtime|size|ino|nlink|opaque|lower|./path`, `lower` being `-` or the
 *  first seven fields again for the same path in the topmost lower dir that has it (all numbers hex but the times,
 *  sizes, inodes and links). */
export interface TreeEntry {
  /** `/etc/passwd` */
  path: string;
  stat: TreeStat;
  opaque: boolean;
  lower?: TreeStat;
}

export interface TreeStat {
  mode: number;
  major: number;
  minor: number;
  /** seconds, and the whole `sec.nsec` text (a change within one second still changes it) */
  mtime: number;
  mtimeText: string;
  size: number;
  ino: string;
  nlink: number;
}

const S_IFMT = 0o170000;
const TYPES = new Map([
  [0o040000, 'directory'],
  [0o100000, 'regular file'],
  [0o120000, 'symbolic link'],
  [0o020000, 'character special file'],
  [0o060000, 'block special file'],
  [0o010000, 'fifo'],
  [0o140000, 'socket'],
]);

function readStat(fields: readonly string[]): TreeStat | undefined {
  if (fields.length !== 7) return undefined;
  const [mode, major, minor, mtime, size, ino, nlink] = fields as [string, string, string, string, string, string, string];
  const stat = {
    mode: parseInt(mode, 16),
    major: parseInt(major, 16),
    minor: parseInt(minor, 16),
    mtime: Number(mtime.split('.')[0]),
    mtimeText: mtime,
    size: Number(size),
    ino,
    nlink: Number(nlink),
  };
  return [stat.mode, stat.major, stat.minor, stat.mtime, stat.size, stat.nlink].every(Number.isFinite) ? stat : undefined;
}

/** The records of a LIST_TREE answer, in the agent's order (a directory before what it holds); malformed ones skipped. */
export function parseTree(bytes: Uint8Array): TreeEntry[] {
  const out: TreeEntry[] = [];
  for (const record of new TextDecoder().decode(bytes).split('\0')) {
    const at = record.indexOf('|./');
    if (at < 0) continue;
    const fields = record.slice(0, at).split('|');
    const stat = readStat(fields.slice(0, 7));
    const lower = fields[8] === '-' ? undefined : readStat(fields.slice(8));
    if (!stat || (fields[8] !== '-' && !lower)) continue;
    out.push({ path: record.slice(at + 2), stat, opaque: fields[7] === '1', ...(lower ? { lower } : {}) });
  }
  return out;
}

function entryStat(s: TreeStat): EntryStat {
  return { type: TYPES.get(s.mode & S_IFMT) ?? 'unknown', major: s.major, minor: s.minor, mode: s.mode, mtime: s.mtime };
}

/**
 * The tree as container-changes.ts reads a listing: whiteouts (0/0 character devices) and opaque directories
 * (overlayfs's `trusted.overlay.opaque` xattr; one below an opaque directory is left out, as `parseOpaque` does),
 * sorted by path.
 */
export function upperEntries(tree: readonly TreeEntry[]): UpperEntry[] {
  const opaque = new Set<string>();
  for (const e of [...tree].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (e.opaque && ![...opaque].some((o) => e.path.startsWith(`${o}/`))) opaque.add(e.path);
  }
  return tree
    .map((e) => {
      const upper = entryStat(e.stat);
      const whiteout = upper.type === 'character special file' && e.stat.major === 0 && e.stat.minor === 0;
      return { path: e.path, upper, ...(e.lower ? { lower: entryStat(e.lower) } : {}), whiteout, opaque: opaque.has(e.path) };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** SizeRw as moby's directory.Size sums it: every entry but directories and devices, a hard-linked inode once. */
export function treeSize(tree: readonly TreeEntry[]): number {
  const seen = new Set<string>();
  let total = 0;
  for (const { stat } of tree) {
    const type = stat.mode & S_IFMT;
    if (type === 0o040000 || type === 0o020000 || type === 0o060000) continue;
    if (stat.nlink > 1) {
      if (seen.has(stat.ino)) continue;
      seen.add(stat.ino);
    }
    total += stat.size;
  }
  return total;
}

export interface UpperRead {
  entries: UpperEntry[];
  opaque: Set<string>;
}

/**
 * The upper dir's entries, each with the topmost lower dir's entry of the same path: one LIST_TREE frame, or the
 * shell script where the agent has no such frame. An upper dir that is gone reads as empty.
 */
/** The tree by LIST_TREE; undefined when the agent has no such frame or the answer would be too big for one. */
export async function listUpperTree(guest: GuestExec, upperDir: string, lowerDirs: readonly string[] = []): Promise<TreeEntry[] | undefined> {
  if (!guest.listTree) return undefined;
  try {
    return parseTree(await guest.listTree(upperDir, lowerDirs));
  } catch (error) {
    // gone is empty, as the script's `cd ... || exit 0`
    const errno = (error as { details?: { errno?: string } }).details?.errno;
    if (errno === 'ENOENT') return [];
    if (errno === 'EFBIG') return undefined;
    throw error;
  }
}

/**
 * The upper dir's entries, each with the topmost lower dir's entry of the same path: one LIST_TREE frame, or the
 * shell script where that cannot be had.
 */
export async function readUpper(guest: GuestExec, upperDir: string, lowerDirs: readonly string[]): Promise<UpperRead> {
  const tree = await listUpperTree(guest, upperDir, lowerDirs);
  if (tree) {
    const entries = upperEntries(tree);
    return { entries, opaque: new Set(entries.filter((e) => e.opaque).map((e) => e.path)) };
  }
  const listing = await guest.exec(['sh', '-c', changesScript(upperDir, lowerDirs)], { timeoutMs: 120_000 });
  const text = new TextDecoder().decode(listing.stdout);
  const opaque = parseOpaque(text);
  if (!opaque) throw new EngineError('INTERNAL', `could not read the container's changes: ${new TextDecoder().decode(listing.stderr).trim()}`);
  return { entries: readUpperListing(text), opaque };
}
