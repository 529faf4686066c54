// Phase 1: Dockerfile text to nodes (directives, comments, line continuations, heredoc bodies), keeping source positions.
import { DirectiveReader } from './directives.ts';
import { makeDiagnostic } from './diagnostics.ts';
import { ExpansionError } from './expand.ts';
import { chompTabs, heredocsInLine } from './heredoc.ts';
import { parseJsonArray, parseWords, splitCommand, splitWhitespace, type Word } from './line-parsers.ts';
import type { Diagnostic, DockerfileNode, Heredoc, ParsedFlag, ParserDirectives, SourceRange } from './types.ts';

/** An instruction's text with continuations joined, and where each code unit came from. */
export interface LogicalLine {
  text: string;
  /** 1-based line and column of each code unit of `text`. */
  lines: number[];
  columns: number[];
}

/** Positions the phase-2 parser needs for precise diagnostics. */
export interface NodeSource {
  line: LogicalLine;
  keyword: Word;
  flags: Word[];
  /** The argument words, parallel to node.args where they map one to one; otherwise the whole rest. */
  argWords: Word[];
  rest: Word;
  /** The exec-form JSON array held something other than strings (an error in BuildKit). */
  notStringArray: boolean;
}

export interface NodesResult {
  directives: ParserDirectives;
  nodes: DockerfileNode[];
  sources: WeakMap<DockerfileNode, NodeSource>;
  diagnostics: Diagnostic[];
  /** Line count, for locating file-level errors. */
  lineCount: number;
}

/** Range of text[start, end) in the file. An empty span becomes a one-character-wide point. */
export function spanRange(line: LogicalLine, start: number, end: number): SourceRange {
  const n = line.text.length;
  if (n === 0) return { startLine: line.lines[0] ?? 1, startColumn: 1, endLine: line.lines[0] ?? 1, endColumn: 1 };
  const s = Math.min(Math.max(start, 0), n - 1);
  const e = Math.min(Math.max(end, s + 1), n);
  return {
    startLine: line.lines[s]!,
    startColumn: line.columns[s]!,
    endLine: line.lines[e - 1]!,
    endColumn: line.columns[e - 1]! + 1,
  };
}

function isComment(line: string): boolean {
  return line.trimStart().startsWith('#');
}

/** Where a continuation escape ends the line: the index of the escape, or -1. An escaped escape doesn't continue. */
function continuationAt(line: string, escape: string): number {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  if (end === 0 || line[end - 1] !== escape) return -1;
  if (end >= 2 && line[end - 2] === escape) return -1;
  return end - 1;
}

/** Parse text into nodes. Never throws. */
export function parseNodes(text: string, file: string): NodesResult {
  const diagnostics: Diagnostic[] = [];
  const directives: ParserDirectives = { escape: '\\' };
  const nodes: DockerfileNode[] = [];
  const sources = new WeakMap<DockerfileNode, NodeSource>();
  const physical = text.split('\n');
  if (physical.length > 1 && physical[physical.length - 1] === '') physical.pop();
  const lines = physical.map((l, i) => {
    let s = l.replace(/[\r\n]+$/, '');
    if (i === 0 && s.startsWith('\uFEFF')) s = s.slice(1);
    return s;
  });
  // A BOM shifts nothing visible in an editor, so columns on line 1 are counted without it.
  const reader = new DirectiveReader();
  let escape = '\\';
  const error = (range: SourceRange, message: string, code?: Diagnostic['code']): void => {
    diagnostics.push(makeDiagnostic('error', file, range, message, code));
  };
  const wholeLine = (lineNo: number): SourceRange => ({
    startLine: lineNo,
    startColumn: 1,
    endLine: lineNo,
    endColumn: (lines[lineNo - 1]?.length ?? 0) + 1,
  });

  /** Directive handling happens on every line, like BuildKit, but the reader stops at the first non-directive. */
  const readDirective = (token: string, leading: number, lineNo: number): void => {
    const found = reader.read(token, leading);
    if (found === undefined) return;
    if ('error' in found) {
      error(wholeLine(lineNo), found.error, 'InvalidEscapeDirective');
      return;
    }
    const range = { startLine: lineNo, startColumn: found.valueStart + 1, endLine: lineNo, endColumn: found.valueEnd + 1 };
    if (found.name === 'escape') {
      if (found.value !== '`' && found.value !== '\\') {
        error(range, `invalid escape token '${found.value}' does not match \` or \\`, 'InvalidEscapeDirective');
        return;
      }
      escape = found.value;
      directives.escape = found.value;
    } else if (found.name === 'syntax') directives.syntax = found.value;
    else directives.check = found.value;
  };

  let i = 0;
  while (i < lines.length) {
    const raw = lines[i]!;
    const lineNo = i + 1;
    i++;
    const leading = raw.length - raw.trimStart().length;
    const token = raw.slice(leading);
    readDirective(token, leading, lineNo);
    if (isComment(token) || token.length === 0) continue;

    const logical: LogicalLine = { text: '', lines: [], columns: [] };
    const append = (source: string, from: number, to: number, lineNumber: number): void => {
      logical.text += source.slice(from, to);
      for (let k = from; k < to; k++) {
        logical.lines.push(lineNumber);
        logical.columns.push(k + 1);
      }
    };
    let cut = continuationAt(token, escape);
    append(raw, leading, cut < 0 ? raw.length : leading + cut, lineNo);
    let lastLine = lineNo;
    let emptyContinuationLine: number | undefined;
    while (cut >= 0 && i < lines.length) {
      const next = lines[i]!;
      const nextNo = i + 1;
      i++;
      readDirective(next.trimStart(), next.length - next.trimStart().length, nextNo);
      lastLine = nextNo;
      // Comment lines inside a continuation are dropped; blank ones too, with BuildKit's warning.
      if (isComment(next)) continue;
      if (next.trim().length === 0) {
        emptyContinuationLine ??= nextNo;
        continue;
      }
      cut = continuationAt(next, escape);
      append(next, 0, cut < 0 ? next.length : cut, nextNo);
    }
    if (logical.text.trim().length === 0) continue;
    if (emptyContinuationLine !== undefined) {
      diagnostics.push(
        makeDiagnostic('warning', file, wholeLine(emptyContinuationLine), 'Empty continuation line', 'NoEmptyContinuation'),
      );
    }

    const node = buildNode(logical, 0, escape, sources);
    const startLine = node.startLine;
    let endLine = lastLine;
    let endColumn = node.range.endColumn;
    if (node.range.endLine !== lastLine) endColumn = (lines[lastLine - 1]?.length ?? 0) + 1;

    const heredocTarget = node.keyword === 'onbuild' && node.child ? node.child : node;
    if (['run', 'copy', 'add'].includes(heredocTarget.keyword) && !heredocTarget.json && logical.text.includes('<<')) {
      let words: ReturnType<typeof heredocsInLine> = [];
      try {
        words = heredocsInLine(logical.text);
      } catch (e) {
        if (!(e instanceof ExpansionError)) throw e;
        error(node.range, e.message, 'InvalidArgument');
      }
      for (const word of words) {
        const bodyStart = i + 1;
        const body: string[] = [];
        let terminated = false;
        while (i < lines.length) {
          const bodyLine = lines[i]!;
          i++;
          const candidate = word.chomp ? bodyLine.replace(/^\t+/, '') : bodyLine;
          if (candidate === word.name) {
            terminated = true;
            break;
          }
          body.push(bodyLine);
        }
        endLine = i;
        endColumn = (lines[i - 1]?.length ?? 0) + 1;
        const rawContent = body.map((l) => l + '\n').join('');
        const heredoc: Heredoc = {
          name: word.name,
          content: word.chomp ? chompTabs(rawContent) : rawContent,
          expand: word.expand,
          chomp: word.chomp,
          range: { startLine: Math.min(bodyStart, endLine), startColumn: 1, endLine, endColumn },
        };
        if (word.fileDescriptor !== undefined) heredoc.fileDescriptor = word.fileDescriptor;
        if (!terminated) {
          error(
            { startLine, startColumn: node.range.startColumn, endLine, endColumn },
            `unterminated heredoc: expected a line containing only ${word.name}`,
            'UnterminatedHeredoc',
          );
        }
        heredocTarget.heredocs.push(heredoc);
        if (heredocTarget !== node) node.heredocs.push(heredoc);
      }
    }
    node.endLine = endLine;
    node.range = { ...node.range, endLine, endColumn };
    nodes.push(node);
  }

  if (text.length === 0) {
    error({ startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 }, 'the Dockerfile cannot be empty', 'EmptyDockerfile');
  } else if (nodes.length === 0) {
    const last = Math.max(lines.length, 1);
    error(wholeLine(last), 'file with no instructions', 'EmptyDockerfile');
  }
  return { directives, nodes, sources, diagnostics, lineCount: lines.length };
}

function shift(word: Word, by: number): Word {
  return { text: word.text, start: word.start + by, end: word.end + by };
}

/** One instruction's node from the logical line starting at `from` (ONBUILD recurses for its trigger). */
function buildNode(line: LogicalLine, from: number, escape: string, sources: WeakMap<DockerfileNode, NodeSource>): DockerfileNode {
  const text = line.text.slice(from);
  const split = splitCommand(text, escape);
  const keyword = shift(split.keyword, from);
  const flags = split.flags.map((f) => shift(f, from));
  const rest = shift(split.rest, from);
  const lower = keyword.text.toLowerCase();
  const trimmedEnd = from + text.trimEnd().length;
  const range = spanRange(line, keyword.start, Math.max(trimmedEnd, keyword.end));
  const node: DockerfileNode = {
    keyword: lower,
    keywordText: keyword.text,
    flags: flags.map((f) => toFlag(f, line)),
    args: [],
    json: false,
    heredocs: [],
    original: text.trim(),
    startLine: range.startLine,
    endLine: range.endLine,
    range,
  };
  let argWords: Word[] = [rest];
  let notStrings = false;
  const restText = rest.text;
  const maybeJson = (toList: boolean): void => {
    const parsed = parseJsonArray(restText);
    if (parsed.kind === 'json') {
      node.args = parsed.values;
      node.json = true;
      return;
    }
    if (parsed.kind === 'not-strings') {
      node.args = [];
      notStrings = true;
      return;
    }
    if (toList) {
      argWords = splitWhitespace(rest);
      node.args = argWords.map((w) => w.text);
    } else node.args = restText === '' ? [] : [restText];
  };
  switch (lower) {
    case 'add':
    case 'copy':
    case 'volume':
      maybeJson(true);
      break;
    case 'cmd':
    case 'entrypoint':
    case 'run':
    case 'shell':
      maybeJson(false);
      break;
    case 'arg':
      argWords = parseWords(rest, escape);
      node.args = argWords.map((w) => w.text);
      break;
    case 'env':
    case 'label': {
      argWords = parseWords(rest, escape);
      if (argWords.length > 0 && !argWords[0]!.text.includes('=')) {
        // Legacy `ENV key value`: the whole remainder is the value.
        const keyEnd = restText.search(/[\t\v\f\r ]/);
        node.legacyKeyValue = true;
        if (keyEnd < 0) {
          node.args = [restText];
          argWords = [rest];
        } else {
          const valueStart = keyEnd + /^[\t\v\f\r ]+/.exec(restText.slice(keyEnd))![0].length;
          node.args = [restText.slice(0, keyEnd), restText.slice(valueStart)];
          argWords = [
            { text: node.args[0]!, start: rest.start, end: rest.start + keyEnd },
            { text: node.args[1]!, start: rest.start + valueStart, end: rest.end },
          ];
        }
      } else {
        node.args = [];
        for (const w of argWords) {
          const eq = w.text.indexOf('=');
          if (eq < 0) node.args.push(w.text);
          else node.args.push(w.text.slice(0, eq), w.text.slice(eq + 1));
        }
      }
      break;
    }
    case 'expose':
    case 'from':
      argWords = splitWhitespace(rest);
      node.args = argWords.map((w) => w.text);
      break;
    case 'healthcheck': {
      const sep = restText.search(/\s/);
      const type = sep < 0 ? restText : restText.slice(0, sep);
      if (type === '') break;
      const cmdStart = sep < 0 ? restText.length : sep + (/^\s+/.exec(restText.slice(sep))?.[0].length ?? 0);
      const cmdText = restText.slice(cmdStart);
      const parsed = parseJsonArray(cmdText);
      argWords = [{ text: type, start: rest.start, end: rest.start + type.length }];
      if (parsed.kind === 'json') {
        node.args = [type, ...parsed.values];
        node.json = true;
      } else if (parsed.kind === 'not-strings') {
        node.args = [type];
        notStrings = true;
      } else node.args = cmdText === '' ? [type] : [type, cmdText];
      break;
    }
    case 'onbuild':
      if (restText !== '') {
        node.child = buildNode(line, rest.start, escape, sources);
        node.args = [node.child.keywordText, ...node.child.args];
        node.json = node.child.json;
      }
      break;
    case 'maintainer':
    case 'stopsignal':
    case 'user':
    case 'workdir':
      node.args = restText === '' ? [] : [restText];
      break;
    default:
      argWords = splitWhitespace(rest);
      node.args = argWords.map((w) => w.text);
  }
  sources.set(node, { line, keyword, flags, argWords, rest, notStringArray: notStrings });
  return node;
}

function toFlag(word: Word, line: LogicalLine): ParsedFlag {
  const eq = word.text.indexOf('=');
  const name = (eq < 0 ? word.text : word.text.slice(0, eq)).replace(/^--/, '');
  return {
    name,
    value: eq < 0 ? undefined : word.text.slice(eq + 1),
    raw: word.text,
    range: spanRange(line, word.start, word.end),
  };
}
