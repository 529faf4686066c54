// Parses and validates a step's ```check block (a YAML list) into typed checks, with file:line problems.
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { CONTAINER_STATUSES, DIFF_KINDS, type Check, type ContainerStatus, type DiffKind, type LessonProblem } from './lesson-types.ts';

/** `message` (any kind): the learner's reason while the item fails, instead of the default one. */
const FIELDS: Record<Check['kind'], string[]> = {
  run: ['run', 'exit', 'stdout', 'stderr', 'message'],
  image: ['image', 'layers', 'absent', 'message'],
  container: ['container', 'status', 'exitCode', 'oomKilled', 'absent', 'message'],
  diff: ['diff', 'path', 'kind', 'message'],
};

/** `firstLine` is the file line of the block's first content line. */
export function parseCheckBlock(text: string, file: string, firstLine: number): { checks: Check[]; problems: LessonProblem[] } {
  const problems: LessonProblem[] = [];
  const counter = new LineCounter();
  const doc = parseDocument(quoteColonValues(text), { lineCounter: counter, prettyErrors: false });
  const lineOf = (node: YamlNode | null | undefined, fallback = 0): number =>
    firstLine + (node?.range ? counter.linePos(node.range[0]).line - 1 : fallback);
  for (const error of doc.errors) {
    problems.push({ file, line: firstLine + (counter.linePos(error.pos[0]).line - 1), field: 'check', message: `YAML: ${error.message.split('\n')[0]}` });
  }
  if (problems.length > 0) return { checks: [], problems };
  const root = doc.contents;
  if (!isSeq(root) || root.items.length === 0) {
    problems.push({ file, line: firstLine, field: 'check', message: 'a check block is a non-empty YAML list (`- run: ...`)' });
    return { checks: [], problems };
  }
  const checks: Check[] = [];
  root.items.forEach((item, index) => {
    const line = lineOf(item as YamlNode);
    const field = `check[${index}]`;
    const problem = (message: string, key?: string) => problems.push({ file, line, field: key ? `${field}.${key}` : field, message });
    if (!isMap(item)) return problem('each check is a mapping such as `run: ...`, `image: ...`, `container: ...` or `diff: ...`');
    const value = item.toJSON() as Record<string, unknown>;
    const kind = (['run', 'image', 'container', 'diff'] as const).find((k) => k in value);
    if (!kind) return problem('needs one of run, image, container, diff');
    for (const key of Object.keys(value)) {
      if (!FIELDS[kind].includes(key)) problem(`unknown key for a ${kind} check (allowed: ${FIELDS[kind].join(', ')})`, key);
    }
    const str = (key: string, required: boolean): string | undefined => {
      const v = value[key];
      if (v === undefined || v === null) {
        if (required) problem('is required', key);
        return undefined;
      }
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        problem('must be a string', key);
        return undefined;
      }
      return String(v);
    };
    const int = (key: string): number | undefined => {
      const v = value[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        problem('must be a non-negative integer', key);
        return undefined;
      }
      return v;
    };
    const bool = (key: string): boolean | undefined => {
      const v = value[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'boolean') {
        problem('must be true or false', key);
        return undefined;
      }
      return v;
    };
    const regex = (key: string): string | undefined => {
      const source = str(key, false);
      if (source === undefined) return undefined;
      try {
        new RegExp(source, 'm');
      } catch (error) {
        problem(`invalid regular expression: ${(error as Error).message}`, key);
      }
      return source;
    };
    const rawMessage = value['message'];
    let message: string | undefined;
    if (rawMessage !== undefined) {
      if (typeof rawMessage === 'string' && rawMessage.trim()) message = rawMessage.trim();
      else problem('must be a non-empty string (what the learner reads while this item fails)', 'message');
    }
    const push = (check: Check) => checks.push(message !== undefined ? { ...check, message } : check);
    switch (kind) {
      case 'run': {
        const run = str('run', true);
        const exit = int('exit');
        const stdout = regex('stdout');
        const stderr = regex('stderr');
        if (run === undefined) return;
        push({ kind, run, exit: exit ?? 0, ...(stdout !== undefined ? { stdout } : {}), ...(stderr !== undefined ? { stderr } : {}), line });
        return;
      }
      case 'image': {
        const image = str('image', true);
        const layers = int('layers');
        const absent = bool('absent');
        if (absent && layers !== undefined) problem('cannot be combined with absent: true', 'layers');
        if (image === undefined) return;
        push({ kind, image, ...(layers !== undefined ? { layers } : {}), ...(absent ? { absent } : {}), line });
        return;
      }
      case 'container': {
        const container = str('container', true);
        const status = str('status', false);
        if (status !== undefined && !(CONTAINER_STATUSES as readonly string[]).includes(status)) {
          problem(`must be one of ${CONTAINER_STATUSES.join(', ')}`, 'status');
        }
        const exitCode = int('exitCode');
        const oomKilled = bool('oomKilled');
        const absent = bool('absent');
        if (absent && (status !== undefined || exitCode !== undefined || oomKilled !== undefined)) problem('absent: true takes no other fields', 'absent');
        if (container === undefined) return;
        push({
          kind,
          container,
          ...(status !== undefined ? { status: status as ContainerStatus } : {}),
          ...(exitCode !== undefined ? { exitCode } : {}),
          ...(oomKilled !== undefined ? { oomKilled } : {}),
          ...(absent ? { absent } : {}),
          line,
        });
        return;
      }
      case 'diff': {
        const container = str('diff', true);
        const path = str('path', true);
        const diffKind = str('kind', false);
        if (diffKind !== undefined && !(DIFF_KINDS as readonly string[]).includes(diffKind)) problem('must be A, C or D', 'kind');
        if (path !== undefined && !path.startsWith('/')) problem('must be an absolute path', 'path');
        if (container === undefined || path === undefined) return;
        push({ kind, container, path, ...(diffKind !== undefined ? { diffKind: diffKind as DiffKind } : {}), line });
        return;
      }
    }
  });
  return { checks, problems };
}

/**
 * Shell commands and regexes often hold `: ` (`grep 'Capability bounding set: '`), which plain YAML reads as a nested
 * mapping and refuses, and messages may start with a backtick, which YAML reserves. Such an unquoted value is quoted
 * here, so it is taken exactly as written (line numbers stay).
 */
export function quoteColonValues(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const m = /^(\s*(?:-\s+)?)(run|stdout|stderr|image|container|diff|path|message):[ \t]+(.*)$/.exec(line);
      if (!m) return line;
      const value = m[3] ?? '';
      // Also a value starting with ` or @, which YAML reserves (a message often starts with `docker ...`).
      if (/^['"|>]/.test(value) || !(/:(\s|$)/.test(value) || /^[`@]/.test(value))) return line;
      return `${m[1]}${m[2]}: '${value.replace(/'/g, "''")}'`;
    })
    .join('\n');
}
