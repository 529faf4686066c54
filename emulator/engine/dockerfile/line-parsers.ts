// Splitting one logical instruction line: keyword, builder flags, and the argument forms (words, key=value, JSON).

/** A piece of the logical line; start/end are code-unit offsets into it (end exclusive). */
export interface Word {
  text: string;
  start: number;
  end: number;
}

const isSpace = (ch: string): boolean => /^\s$/u.test(ch);
/** BuildKit splits "whitespace-delimited" arguments on these only (not on newlines or other Unicode spaces). */
const isSplitSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\v' || ch === '\f' || ch === '\r';

/** Offset of the first non-space at or after `from`. */
export function skipSpaces(line: string, from: number): number {
  let i = from;
  while (i < line.length && isSpace(line[i]!)) i++;
  return i;
}

/** Offset just after the last non-space before `to`. */
export function trimEndOffset(line: string, to: number, from = 0): number {
  let i = to;
  while (i > from && isSpace(line[i - 1]!)) i--;
  return i;
}

export interface SplitCommand {
  keyword: Word;
  /** Flags as BuildKit sees them: quotes and escapes removed, e.g. `--chown=a b`. */
  flags: Word[];
  /** The arguments after the flags, trimmed. */
  rest: Word;
}

/** Keyword, then leading `--flags`, then the rest (BuildKit's splitCommand + extractBuilderFlags). */
export function splitCommand(line: string, escape: string): SplitCommand {
  const start = skipSpaces(line, 0);
  let keywordEnd = start;
  while (keywordEnd < line.length && !isSplitSpace(line[keywordEnd]!)) keywordEnd++;
  const keyword: Word = { text: line.slice(start, keywordEnd), start, end: keywordEnd };
  let argsStart = keywordEnd;
  while (argsStart < line.length && isSplitSpace(line[argsStart]!)) argsStart++;
  const { flags, restStart } = extractFlags(line, argsStart, escape);
  const restFrom = skipSpaces(line, restStart);
  const restTo = trimEndOffset(line, line.length, restFrom);
  return { keyword, flags, rest: { text: line.slice(restFrom, restTo), start: restFrom, end: restTo } };
}

/** Leading words that start with `--` (quotes removed); a bare `--` ends them. */
function extractFlags(line: string, from: number, escape: string): { flags: Word[]; restStart: number } {
  const flags: Word[] = [];
  let pos = from;
  for (;;) {
    pos = skipSpaces(line, pos);
    if (pos >= line.length) return { flags, restStart: line.length };
    if (!(line[pos] === '-' && line[pos + 1] === '-')) return { flags, restStart: pos };
    const start = pos;
    let text = '';
    let quote: string | undefined;
    let blankOk = false;
    for (; pos < line.length; pos++) {
      const ch = line[pos]!;
      if (quote === undefined && isSpace(ch)) break;
      if (quote === undefined && (ch === "'" || ch === '"')) {
        quote = ch;
        blankOk = true;
        continue;
      }
      if (quote !== undefined && ch === quote) {
        quote = undefined;
        continue;
      }
      if (ch === escape) {
        // An escape at the very end is dropped.
        if (pos + 1 === line.length) {
          quote = undefined;
          continue;
        }
        pos++;
        text += line[pos]!;
        continue;
      }
      text += ch;
    }
    if (text === '--') return { flags, restStart: pos };
    if (blankOk || text.length > 0) flags.push({ text, start, end: pos });
  }
}

/** Whitespace-separated words, quotes not special (FROM, EXPOSE, non-JSON COPY/ADD/VOLUME). */
export function splitWhitespace(rest: Word): Word[] {
  const words: Word[] = [];
  const { text } = rest;
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isSplitSpace(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    while (i < text.length && !isSplitSpace(text[i]!)) i++;
    words.push({ text: text.slice(start, i), start: rest.start + start, end: rest.start + i });
  }
  return words;
}

/**
 * Words separated by unquoted whitespace; quotes and escapes are kept for the later expansion step
 * (BuildKit's parseWords, used by ENV, LABEL and ARG).
 */
export function parseWords(rest: Word, escape: string): Word[] {
  const words: Word[] = [];
  const { text } = rest;
  let current = '';
  let start = -1;
  let quote: string | undefined;
  let blankOk = false;
  const flush = (end: number): void => {
    if (start >= 0 && (blankOk || current.length > 0)) {
      words.push({ text: current, start: rest.start + start, end: rest.start + end });
    }
    current = '';
    start = -1;
    blankOk = false;
  };
  for (let pos = 0; pos < text.length; pos++) {
    const ch = text[pos]!;
    if (start < 0) {
      if (isSpace(ch)) continue;
      start = pos;
    }
    if (quote === undefined) {
      if (isSpace(ch)) {
        flush(pos);
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
      }
      if (ch === escape) {
        if (pos + 1 === text.length) continue;
        current += ch;
        pos++;
        current += text[pos]!;
        continue;
      }
      current += ch;
      continue;
    }
    if (ch === quote) quote = undefined;
    // Nothing escapes inside single quotes.
    if (ch === escape && quote !== "'") {
      if (pos + 1 === text.length) {
        quote = undefined;
        continue;
      }
      current += ch;
      pos++;
      current += text[pos]!;
      continue;
    }
    current += ch;
  }
  flush(text.length);
  return words;
}

export type JsonParse = { kind: 'json'; values: string[] } | { kind: 'not-json' } | { kind: 'not-strings' };

/** Exec form: a JSON array of strings. Anything else that is not JSON falls back to shell form (as Docker does). */
export function parseJsonArray(rest: string): JsonParse {
  const trimmed = rest.trimStart();
  if (!trimmed.startsWith('[')) return { kind: 'not-json' };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { kind: 'not-json' };
  }
  if (!Array.isArray(value)) return { kind: 'not-json' };
  if (!value.every((v): v is string => typeof v === 'string')) return { kind: 'not-strings' };
  return { kind: 'json', values: value };
}
