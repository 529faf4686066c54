// The parser CLI's JSON view of a parse: instructions with their args as the builder uses them, and located errors.
import { unquoteWord } from './expand.ts';
import type { Diagnostic, DockerfileNode, ParsedDockerfile, SourceRange } from './types.ts';

export interface CliInstruction {
  keyword: string;
  flags: string[];
  args: string[];
  json: boolean;
  startLine: number;
  endLine: number;
  /** Only when the instruction has here-documents. */
  heredocs?: { name: string; content: string; expand: boolean; chomp: boolean }[];
}

export interface CliError {
  message: string;
  line: number;
}

export interface CliDiagnostic {
  severity: Diagnostic['severity'];
  code?: string;
  message: string;
  range: SourceRange;
}

export interface CliOutput {
  instructions: CliInstruction[];
  errors: CliError[];
  /** Every error and warning with its full range (golden tests; `--diagnostics` on the CLI). */
  diagnostics?: CliDiagnostic[];
}

/** Instructions whose words the builder substitutes and unquotes. */
const UNQUOTED = new Set(['from', 'copy', 'add', 'arg', 'env', 'label', 'workdir', 'user', 'stopsignal', 'expose', 'volume']);

function cliArgs(node: DockerfileNode, escape: string): string[] {
  if (node.keyword === 'onbuild') return node.child ? [node.original.replace(/^\s*ONBUILD\s*/i, '')] : [];
  if (node.json || !UNQUOTED.has(node.keyword)) return node.args;
  return node.args.map((arg) => {
    try {
      return unquoteWord(arg, escape);
    } catch {
      // The quoting error itself is in `errors`; show the word as written.
      return arg;
    }
  });
}

export function toCliOutput(parsed: ParsedDockerfile, options: { diagnostics?: boolean } = {}): CliOutput {
  const escape = parsed.directives.escape;
  const instructions = parsed.nodes.map((node): CliInstruction => {
    const out: CliInstruction = {
      keyword: node.keyword,
      flags: node.flags.map((f) => f.raw),
      args: cliArgs(node, escape),
      json: node.json,
      startLine: node.startLine,
      endLine: node.endLine,
    };
    if (node.heredocs.length > 0) {
      out.heredocs = node.heredocs.map((h) => ({ name: h.name, content: h.content, expand: h.expand, chomp: h.chomp }));
    }
    return out;
  });
  const errors = parsed.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d): CliError => ({ message: d.message, line: d.range.startLine }));
  const output: CliOutput = { instructions, errors };
  if (options.diagnostics) {
    output.diagnostics = parsed.diagnostics.map((d) => ({
      severity: d.severity,
      ...(d.code !== undefined ? { code: d.code } : {}),
      message: d.message,
      range: d.range,
    }));
  }
  return output;
}
