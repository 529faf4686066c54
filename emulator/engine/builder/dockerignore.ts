// `.dockerignore` as Docker reads it (moby/patternmatcher): cleaned patterns, `!` exceptions, `*`/`?`/`[...]`
// within one path element, `**` across elements, and a path excluded when it or a parent directory matches.
// Not gitignore: a pattern without a slash matches at the context root only (`*.log` leaves `a/b.log`).

export interface IgnorePattern {
  /** the cleaned pattern, without the `!` */
  pattern: string;
  exclusion: boolean;
  /** number of path elements, for matching parents of a path */
  depth: number;
  regex: RegExp;
}

/** POSIX filepath.Clean, for patterns and context-relative paths. */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined || '.';
}

/** The lines of a `.dockerignore`: comments (`#` first) and blank lines skipped, each pattern cleaned. */
export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let line = raw.trim();
    if (line === '') continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    if (line !== '') {
      line = cleanPath(line);
      if (line.length > 1 && line.startsWith('/')) line = line.slice(1);
    }
    out.push({ pattern: line, exclusion, depth: line.split('/').length, regex: compile(line) });
  }
  return out;
}

const SPECIAL = new Set(['.', '+', '(', ')', '|', '{', '}', '$', '^']);

/** patternmatcher's translation of a pattern into an anchored regular expression. */
function compile(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        // `**` at the end takes everything; elsewhere any number of whole elements, even none
        re += i + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) re += '\\\\';
      else {
        re += /[A-Za-z0-9]/.test(next) ? next : `\\${next}`;
        i++;
      }
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('^')) body = `\\^${body.slice(1)}`;
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (SPECIAL.has(ch)) re += `\\${ch}`;
    else re += ch;
  }
  try {
    return new RegExp(`${re}$`, 's');
  } catch {
    return /$^/;
  }
}

/**
 * Whether a context-relative path (`a/b/c.txt`, no leading slash) is left out of the context: the last pattern
 * that matches it or one of its parent directories decides, `!` patterns bringing it back.
 */
export function isIgnored(path: string, patterns: readonly IgnorePattern[]): boolean {
  const clean = cleanPath(path);
  const parts = clean.split('/');
  let ignored = false;
  for (const p of patterns) {
    let match = p.regex.test(clean);
    if (!match && parts.length > 1 && p.depth <= parts.length - 1) {
      match = p.regex.test(parts.slice(0, p.depth).join('/'));
    }
    if (match) ignored = !p.exclusion;
  }
  return ignored;
}

/** True when some `!` pattern could bring back a path inside an ignored directory (the walk must go in). */
export function hasExceptions(patterns: readonly IgnorePattern[]): boolean {
  return patterns.some((p) => p.exclusion);
}
