// parseDockerfile: text to nodes (phase 1), then nodes to typed instructions grouped into stages (phase 2).
import { makeDiagnostic } from './diagnostics.ts';
import { ExpansionError, lexWord, unquoteWord } from './expand.ts';
import { toInstruction } from './instructions.ts';
import { parseNodes } from './nodes.ts';
import type { ArgInstruction, Diagnostic, Instruction, ParseOptions, ParsedDockerfile, Stage } from './types.ts';

/** Stage names BuildKit reserves for itself. */
const RESERVED_STAGE_NAMES = new Set(['context', 'scratch']);

/** Parse a Dockerfile. Never throws: every problem is a located Diagnostic in the result. */
export function parseDockerfile(text: string, options: ParseOptions = {}): ParsedDockerfile {
  const file = options.file ?? 'Dockerfile';
  const phase1 = parseNodes(text, file);
  const diagnostics: Diagnostic[] = [...phase1.diagnostics];
  const { directives, nodes } = phase1;
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const stageNames = new Map<string, number>();
  // After a FROM (even one with an error) instructions belong to a stage; only report a missing FROM once.
  let fromSeen = false;
  let reportedNoStage = false;

  for (const node of nodes) {
    const result = toInstruction(node, (n) => phase1.sources.get(n));
    for (const p of result.problems) diagnostics.push(makeDiagnostic(p.severity, file, p.range, p.message, p.code));
    const instruction = result.instruction;
    if (node.keyword === 'from') fromSeen = true;
    if (!instruction) continue;
    checkQuoting(instruction, directives.escape, file, diagnostics);
    if (instruction.kind === 'from') {
      const stage: Stage = {
        base: instruction.base,
        index: stages.length,
        from: instruction,
        instructions: [],
        range: instruction.range,
        ...(instruction.name !== undefined ? { name: instruction.name } : {}),
        ...(instruction.platform !== undefined ? { platform: instruction.platform } : {}),
      };
      if (instruction.name !== undefined) {
        const nameRange = instruction.node.range;
        if (RESERVED_STAGE_NAMES.has(instruction.name)) {
          diagnostics.push(
            makeDiagnostic('warning', file, nameRange, `Stage name should not use the same name as reserved stage "${instruction.name}"`, 'ReservedStageName'),
          );
        }
        const previous = stageNames.get(instruction.name);
        if (previous !== undefined) {
          diagnostics.push(
            makeDiagnostic(
              'error',
              file,
              nameRange,
              `Duplicate stage name "${instruction.name}", stage names should be unique (first used on line ${previous})`,
              'DuplicateStageName',
            ),
          );
        } else stageNames.set(instruction.name, instruction.range.startLine);
      }
      stages.push(stage);
      continue;
    }
    const current = stages[stages.length - 1];
    if (!current) {
      if (instruction.kind === 'arg' && !fromSeen) metaArgs.push(instruction);
      else if (!fromSeen && !reportedNoStage) {
        diagnostics.push(makeDiagnostic('error', file, instruction.range, 'no build stage in current context', 'InstructionBeforeFrom'));
        reportedNoStage = true;
      }
      continue;
    }
    current.instructions.push(instruction);
    current.range = { ...current.range, endLine: instruction.range.endLine, endColumn: instruction.range.endColumn };
  }

  if (stages.length === 0 && nodes.length > 0 && !diagnostics.some((d) => d.severity === 'error')) {
    const last = nodes[nodes.length - 1]!;
    diagnostics.push(makeDiagnostic('error', file, last.range, 'dockerfile contains no stages to build', 'NoFrom'));
  }
  for (const stage of stages) stageLints(stage, file, directives.escape, diagnostics);
  const checked = applyCheckDirective(diagnostics, directives.check);
  checked.sort((a, b) => a.range.startLine - b.range.startLine || a.range.startColumn - b.range.startColumn);
  return { file, directives, nodes, metaArgs, stages, diagnostics: checked };
}

/** Lints that need the whole stage (BuildKit reports these while converting). */
function stageLints(stage: Stage, file: string, escape: string, diagnostics: Diagnostic[]): void {
  const seen = new Map<string, Instruction[]>();
  let workdirSet = false;
  for (const instruction of stage.instructions) {
    if (instruction.kind === 'cmd' || instruction.kind === 'entrypoint' || instruction.kind === 'healthcheck') {
      seen.set(instruction.kind, [...(seen.get(instruction.kind) ?? []), instruction]);
    }
    if (instruction.kind === 'workdir') {
      const path = unquoteOrRaw(instruction.path, escape);
      if (!workdirSet && !path.startsWith('/') && !path.startsWith('$')) {
        diagnostics.push(
          makeDiagnostic(
            'warning',
            file,
            instruction.range,
            `Relative workdir ${JSON.stringify(path)} can have unexpected results if the base image changes`,
            'WorkdirRelativePath',
          ),
        );
      }
      workdirSet = true;
    }
  }
  for (const [kind, list] of seen) {
    for (const instruction of list.slice(0, -1)) {
      diagnostics.push(
        makeDiagnostic(
          'warning',
          file,
          instruction.range,
          `Multiple ${kind.toUpperCase()} instructions should not be used in the same stage because only the last one will be used`,
          'MultipleInstructionsDisallowed',
        ),
      );
    }
  }
}

/**
 * Words the builder will expand must lex (balanced quotes, closed `${`): such a mistake fails every build, so
 * report it now with a location instead of at build time.
 */
function checkQuoting(instruction: Instruction, escape: string, file: string, diagnostics: Diagnostic[]): void {
  const words: string[] = [];
  switch (instruction.kind) {
    case 'from':
      words.push(instruction.base);
      break;
    case 'copy':
    case 'add':
      words.push(...instruction.sources, instruction.dest);
      break;
    case 'env':
    case 'label':
      for (const p of instruction.pairs) words.push(p.key, p.value);
      break;
    case 'arg':
      for (const a of instruction.args) words.push(a.name, ...(a.defaultValue !== undefined ? [a.defaultValue] : []));
      break;
    case 'workdir':
      words.push(instruction.path);
      break;
    case 'user':
      words.push(instruction.user);
      break;
    case 'stopsignal':
      words.push(instruction.signal);
      break;
    case 'expose':
      words.push(...instruction.ports);
      break;
    case 'volume':
      words.push(...instruction.paths);
      break;
    default:
      return;
  }
  for (const word of words) {
    try {
      // Every variable "set", so modifiers are checked too (`${a:b}` only fails once `a` has a value).
      lexWord(word, () => 'x', { escape });
    } catch (error) {
      if (!(error instanceof ExpansionError)) throw error;
      diagnostics.push(makeDiagnostic('error', file, instruction.range, error.message, 'InvalidArgument'));
      return;
    }
  }
}

function unquoteOrRaw(word: string, escape: string): string {
  try {
    return unquoteWord(word, escape);
  } catch {
    return word;
  }
}

/** `# check=skip=Rule1,Rule2;error=true`: drop skipped warnings (or all with skip=all); error=true makes the rest errors. */
function applyCheckDirective(diagnostics: Diagnostic[], check: string | undefined): Diagnostic[] {
  if (check === undefined) return diagnostics;
  let skipAll = false;
  const skip = new Set<string>();
  let errorOnWarning = false;
  for (const part of check.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 'skip') {
      if (value === 'all') skipAll = true;
      else for (const rule of value.split(',')) skip.add(rule.trim());
    } else if (key === 'error') errorOnWarning = ['1', 't', 'true', 'TRUE', 'True'].includes(value);
  }
  return diagnostics
    .filter((d) => d.severity === 'error' || !(skipAll || (d.code !== undefined && skip.has(d.code))))
    .map((d) => (errorOnWarning && d.severity === 'warning' ? { ...d, severity: 'error' as const } : d));
}
