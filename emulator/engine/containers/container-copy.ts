// `docker cp` decided here, done in the guest: both ends of a copy are guest paths (the CLI's side is the guest
// too), so the bytes go from one guest file system to the other with the guest's own cp, not over the agent's
// serial line. copyScript() is Docker's rule table (cli/command/container/cp.go + pkg/archive CopyInfo):
// a file onto a missing path, into a directory or over a file; a directory into a directory, or its contents
// with a trailing `/.`; the refusals with Docker's words.
import { EngineError } from '../errors.ts';
import { quoteWord } from '../runtime/shell-quote.ts';
import { cleanPath } from '../slash-path.ts';

export interface CopyRequest {
  /** absolute guest path of the source, as the copy sees it (a container path already under its root) */
  src: string;
  /** absolute guest path of the destination */
  dst: string;
  /** `docker cp -a`: keep uid/gid (only for copies into a container; out of one the files are the caller's, root) */
  archive: boolean;
  /** `docker cp -L`: follow a symlink source */
  followLink: boolean;
  /** the source as the user typed it ends with `/.`: copy a directory's contents, not the directory */
  contentsOnly: boolean;
  /** the destination as typed ends with `/`: it must be a directory */
  dstIsDir: boolean;
}

/** Exit codes of copyScript and what they mean to the engine. */
export const COPY_EXIT = { srcMissing: 10, dirOntoFile: 11, dstParentMissing: 12, dstDirMissing: 13, fileOntoDirSlash: 14 } as const;

/** The guest shell script for one copy; prints the copied size in bytes (Docker's "Successfully copied"). */
export function copyScript(r: CopyRequest): string {
  const q = quoteWord;
  const chown = r.archive ? '' : 'chown -R -h 0:0 "$target"\n';
  return [
    `src=${q(r.src)}; dst=${q(r.dst)}`,
    // a symlink is copied as a link unless -L; a dangling one still exists
    `if [ ! -e "$src" ] && [ ! -L "$src" ]; then exit ${COPY_EXIT.srcMissing}; fi`,
    `if [ -d "$src" ] && { [ ! -L "$src" ] || ${r.followLink || r.contentsOnly ? 'true' : 'false'}; }; then`,
    `  if [ -e "$dst" ] && [ ! -d "$dst" ]; then exit ${COPY_EXIT.dirOntoFile}; fi`,
    `  if [ -d "$dst" ]; then target=${r.contentsOnly ? '"$dst"' : '"$dst/${src##*/}"'}`,
    `  else [ -d "\${dst%/*}/" ] || exit ${COPY_EXIT.dstParentMissing}; target="$dst"; fi`,
    '  mkdir -p "$target" && cp -a "$src/." "$target/"',
    'else',
    `  if [ -d "$dst" ]; then target="$dst/\${src##*/}"`,
    `  elif ${r.dstIsDir ? 'true' : 'false'}; then exit ${COPY_EXIT.dstDirMissing}`,
    `  else [ -d "\${dst%/*}/" ] || exit ${COPY_EXIT.dstParentMissing}; target="$dst"; fi`,
    // cp onto an existing symlink would write through it; the copy replaces the entry, as tar extraction does
    '  if [ -L "$target" ]; then rm -f "$target"; fi',
    `  cp ${r.followLink ? '-pL' : '-a'} "$src" "$target"`,
    'fi',
    `${chown}du -s -k "$target" | cut -f1`,
    '',
  ].join('\n');
}

/** Docker's messages for the script's refusals; `where` names the container (`in container NAME`) or nothing. */
export function copyError(code: number, typed: { src: string; dst: string }, side: { src?: string; dst?: string }): EngineError {
  const inSrc = side.src ? ` in container ${side.src}` : '';
  const inDst = side.dst ? ` in container ${side.dst}` : '';
  switch (code) {
    case COPY_EXIT.srcMissing:
      return side.src ? new EngineError('NOT_FOUND', `Could not find the file ${typed.src}${inSrc}`) : new EngineError('NOT_FOUND', `lstat ${typed.src}: no such file or directory`);
    case COPY_EXIT.dirOntoFile:
      return new EngineError('INVALID_ARGUMENT', 'cannot copy a directory to a file');
    case COPY_EXIT.dstParentMissing:
      return side.dst ? new EngineError('NOT_FOUND', `Could not find the file ${parentOf(typed.dst)}${inDst}`) : new EngineError('NOT_FOUND', `lstat ${parentOf(typed.dst)}: no such file or directory`);
    case COPY_EXIT.dstDirMissing:
      return new EngineError('INVALID_ARGUMENT', `destination "${typed.dst}" must be a directory`);
    default:
      return new EngineError('EXEC_FAILED', `copying ${typed.src} to ${typed.dst} failed (exit ${code})`);
  }
}

function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i <= 0 ? '/' : trimmed.slice(0, i);
}

/** A container path made absolute the way dockerd does (relative to the container's `/`), normalised. */
export const containerPath = cleanPath;

/** `CONTAINER:PATH` split like the docker CLI's splitCpArg (a local path with a `/` before the colon is local). */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { path: arg };
  const before = arg.slice(0, i);
  if (before.includes('/')) return { path: arg };
  return { container: before, path: arg.slice(i + 1) };
}
