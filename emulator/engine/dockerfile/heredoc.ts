// Recognising here-document words (`<<EOF`, `<<-"EOF"`, `3<<EOF`) in RUN/COPY/ADD lines, as BuildKit does.
import { ExpansionError, lexWord } from './expand.ts';

export interface HeredocWord {
  name: string;
  expand: boolean;
  chomp: boolean;
  fileDescriptor?: number;
}

const HEREDOC_WORD = /^(\d*)<<(-?)\s*([^<]*)$/;
const noEnv = (): undefined => undefined;

/** The heredoc a single word introduces, or undefined if it isn't one. Throws ExpansionError on a malformed delimiter. */
export function parseHeredocWord(word: string): HeredocWord | undefined {
  const match = HEREDOC_WORD.exec(word);
  if (!match) return undefined;
  const [, fd = '', dash = '', rest = ''] = match;
  if (rest === '') return undefined;
  // Lex the delimiter with and without quotes: if quoting changed it, part of it was quoted, so the body is literal.
  const words = lexWord(rest, noEnv, { escape: '\\', skipUnsetEnv: true }).words;
  if (words.length !== 1) return undefined;
  const rawWords = lexWord(rest, noEnv, { escape: '\\', skipUnsetEnv: true, rawQuotes: true }).words;
  const name = words[0]!;
  const quotes = (s: string): number => s.split(/['"]/).length - 1;
  const heredoc: HeredocWord = { name, expand: quotes(name) === quotes(rawWords[0] ?? ''), chomp: dash === '-' };
  if (fd !== '') heredoc.fileDescriptor = Number.parseInt(fd, 10);
  return heredoc;
}

/** parseHeredocWord, but a malformed delimiter is just "not a heredoc" (BuildKit's MustParseHeredoc). */
export function heredocWordOrUndefined(word: string): HeredocWord | undefined {
  try {
    return parseHeredocWord(word);
  } catch (error) {
    if (error instanceof ExpansionError) return undefined;
    throw error;
  }
}

/** Every heredoc introduced on an instruction line, in order. Throws ExpansionError on a malformed delimiter. */
export function heredocsInLine(line: string): HeredocWord[] {
  let words: string[];
  try {
    words = lexWord(line, noEnv, { escape: '\\', rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).words;
  } catch (error) {
    // BuildKit ignores a line it can't lex here; the instruction then has no heredocs.
    if (error instanceof ExpansionError) return [];
    throw error;
  }
  const found: HeredocWord[] = [];
  for (const word of words) {
    const heredoc = parseHeredocWord(word);
    if (heredoc) found.push(heredoc);
  }
  return found;
}

/** `<<-` strips leading tabs from every body line. */
export function chompTabs(content: string): string {
  return content.replace(/^\t+/gm, '');
}
