// Parses one lesson.md (front matter + Markdown) into the Lesson model, collecting problems with file:line.
import { Lexer, type Token, type Tokens } from 'marked';
import { isMap, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { parseCheckBlock } from './check-schema.ts';
import { INSPECT_VIEWS, type InspectViewName, type Lesson, type LessonBuild, type LessonProblem, type LessonStart, type Step } from './lesson-types.ts';

export interface LessonSource {
  /** folder name, `04-layers` */
  folder: string;
  /** for messages, `lessons/04-layers/lesson.md` */
  file: string;
  text: string;
  files?: Record<string, string>;
  solutionFiles?: Record<string, string>;
}

export interface ParsedLesson {
  lesson: Lesson | undefined;
  problems: LessonProblem[];
}

export const FOLDER_PATTERN = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$/;
const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;
const FRONT_KEYS = ['title', 'summary', 'minutes', 'continues', 'start', 'build', 'unchecked'];
const START_KEYS = ['images', 'files', 'setup'];
const BUILD_KEYS = ['tag'];
/**
 * An image reference as `docker build -t` takes it: [host[:port]/]path[:tag], path components lowercase
 * (distribution-spec's name grammar), tag of word characters, dots and dashes (at most 128, not starting with . or -).
 */
export const IMAGE_TAG_PATTERN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$/;
const RECAP = 'Recap';
/** A step heading that starts with this is the lesson's challenge (`## Challenge: Limit the memory`). */
export const CHALLENGE_PREFIX = /^Challenge:\s*\S/;

/** A fenced block's info string: `sh run`, `dockerfile file=Dockerfile`, `solution file=app.js`. */
export function parseInfo(info: string): { lang: string; flags: Set<string>; attrs: Map<string, string> } {
  const [lang = '', ...rest] = info.trim().split(/\s+/);
  const flags = new Set<string>();
  const attrs = new Map<string, string>();
  for (const word of rest) {
    const eq = word.indexOf('=');
    if (eq > 0) attrs.set(word.slice(0, eq), word.slice(eq + 1).replace(/^"(.*)"$/, '$1'));
    else if (word) flags.add(word);
  }
  return { lang, flags, attrs };
}

/** A project-relative file path: no leading slash, no `..`, no empty segments. */
export function isProjectPath(path: string): boolean {
  return path.length > 0 && !path.startsWith('/') && path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

export function parseLesson(source: LessonSource): ParsedLesson {
  const { file } = source;
  const problems: LessonProblem[] = [];
  const problem = (line: number, field: string, message: string) => problems.push({ file, line, field, message });

  const folder = FOLDER_PATTERN.exec(source.folder);
  if (!folder) problem(1, 'folder', `the lesson folder must be named NN-slug (two digits, lowercase words joined by -), not "${source.folder}"`);
  const text = source.text.replace(/^\uFEFF/, '');
  const fm = FRONT_MATTER.exec(text);
  if (!fm) {
    problem(1, 'front matter', 'lesson.md must start with YAML front matter between --- lines');
    return { lesson: undefined, problems };
  }

  // Front matter: YAML with line numbers (line 1 is the opening ---).
  const counter = new LineCounter();
  const doc = parseDocument(fm[1] ?? '', { lineCounter: counter, prettyErrors: false });
  const yamlLine = (node: unknown): number => {
    const range = (node as YamlNode | undefined)?.range;
    return range ? 1 + counter.linePos(range[0]).line : 1;
  };
  for (const error of doc.errors) problem(1 + counter.linePos(error.pos[0]).line, 'front matter', `YAML: ${error.message.split('\n')[0]}`);
  const root = doc.contents;
  const meta: Record<string, unknown> = isMap(root) ? (root.toJSON() as Record<string, unknown>) : {};
  if (doc.errors.length === 0 && !isMap(root)) problem(2, 'front matter', 'must be a YAML mapping (title: ..., summary: ...)');
  const keyLine = (key: string, sub?: string): number => {
    if (!isMap(root)) return 1;
    const node = root.get(key, true) as unknown;
    if (sub && isMap(node)) {
      // String(key): `unchecked:` has number keys.
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value) === sub);
      return yamlLine(pair?.key ?? node);
    }
    const pair = root.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
    return yamlLine(pair?.key ?? node);
  };
  for (const key of Object.keys(meta)) {
    if (!FRONT_KEYS.includes(key)) problem(keyLine(key), key, `unknown front-matter key (allowed: ${FRONT_KEYS.join(', ')})`);
  }
  const requireString = (key: string): string => {
    const v = meta[key];
    if (typeof v === 'string' && v.trim()) return v.trim();
    problem(keyLine(key), key, v === undefined ? 'is required' : 'must be a non-empty string');
    return '';
  };
  const title = requireString('title');
  const summary = requireString('summary');
  let minutes = 0;
  if (typeof meta['minutes'] === 'number' && Number.isInteger(meta['minutes']) && meta['minutes'] > 0) minutes = meta['minutes'];
  else problem(keyLine('minutes'), 'minutes', meta['minutes'] === undefined ? 'is required' : 'must be a positive integer');
  let continues: string | undefined;
  if (meta['continues'] !== undefined) {
    if (typeof meta['continues'] === 'string' && FOLDER_PATTERN.test(meta['continues'])) continues = meta['continues'];
    else problem(keyLine('continues'), 'continues', 'must be a lesson folder name such as 03-lifecycle');
  }

  const start: LessonStart = { images: [], files: false, setup: [] };
  const rawStart = meta['start'];
  if (rawStart !== undefined && rawStart !== null) {
    if (typeof rawStart !== 'object' || Array.isArray(rawStart)) {
      problem(keyLine('start'), 'start', 'must be a mapping with images, files and/or setup');
    } else {
      const s = rawStart as Record<string, unknown>;
      for (const key of Object.keys(s)) {
        if (!START_KEYS.includes(key)) problem(keyLine('start', key), `start.${key}`, `unknown key (allowed: ${START_KEYS.join(', ')})`);
      }
      const stringList = (key: string): string[] => {
        const v = s[key];
        if (v === undefined || v === null) return [];
        if (Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim())) return v.map((x: string) => x.trim());
        problem(keyLine('start', key), `start.${key}`, 'must be a list of non-empty strings');
        return [];
      };
      start.images = stringList('images');
      start.setup = stringList('setup');
      if (s['files'] !== undefined) {
        if (typeof s['files'] === 'boolean') start.files = s['files'];
        else problem(keyLine('start', 'files'), 'start.files', 'must be true or false');
      }
    }
  }

  let build: LessonBuild | undefined;
  const rawBuild = meta['build'];
  if (rawBuild !== undefined) {
    if (rawBuild === null || typeof rawBuild !== 'object' || Array.isArray(rawBuild)) {
      problem(keyLine('build'), 'build', 'must be a mapping such as `build: { tag: helloworld:0.1 }`');
    } else {
      const b = rawBuild as Record<string, unknown>;
      for (const key of Object.keys(b)) {
        if (!BUILD_KEYS.includes(key)) problem(keyLine('build', key), `build.${key}`, `unknown key (allowed: ${BUILD_KEYS.join(', ')})`);
      }
      const tag = b['tag'];
      if (typeof tag === 'string' && IMAGE_TAG_PATTERN.test(tag.trim())) build = { tag: tag.trim() };
      else {
        problem(
          keyLine('build', 'tag'),
          'build.tag',
          tag === undefined ? 'is required' : `must be an image name for docker build -t, such as helloworld:0.1 (lowercase name, optional :tag), not ${JSON.stringify(tag)}`,
        );
      }
    }
  }

  // `unchecked: { 3: why }`: steps with a run block that may stay without a check, each with its reason.
  const unchecked: Record<number, string> = {};
  const rawUnchecked = meta['unchecked'];
  if (rawUnchecked !== undefined) {
    if (rawUnchecked === null || typeof rawUnchecked !== 'object' || Array.isArray(rawUnchecked)) {
      problem(keyLine('unchecked'), 'unchecked', 'must be a mapping from step number to the reason, such as `unchecked: { 3: only reads the output }`');
    } else {
      for (const [key, reason] of Object.entries(rawUnchecked as Record<string, unknown>)) {
        const n = Number(key);
        if (!Number.isInteger(n) || n < 1) problem(keyLine('unchecked', key), `unchecked.${key}`, 'must be a step number (1, 2, ...)');
        else if (typeof reason !== 'string' || !reason.trim()) problem(keyLine('unchecked', key), `unchecked.${key}`, 'needs the reason the step has no check');
        else unchecked[n] = reason.trim();
      }
    }
  }

  // Body: top-level Markdown tokens; `## ` headings start steps, fenced blocks with meaning are pulled out.
  const bodyFirstLine = 1 + (fm[0].match(/\n/g)?.length ?? 0);
  const body = text.slice(fm[0].length);
  const tokens = new Lexer({ gfm: true }).lex(body);
  let offset = 0;
  let line = bodyFirstLine;
  const introParts: string[] = [];
  const recapParts: string[] = [];
  const steps: Step[] = [];
  let section: 'intro' | 'step' | 'recap' = 'intro';
  let step: Step | undefined;

  const pushMarkdown = (raw: string) => {
    if (section === 'intro') introParts.push(raw);
    else if (section === 'recap') recapParts.push(raw);
    else if (step) {
      const last = step.parts.at(-1);
      if (last?.kind === 'markdown') last.markdown += raw;
      else step.parts.push({ kind: 'markdown', markdown: raw });
    }
  };

  for (const token of tokens as Token[]) {
    const tokenLine = line + (body.slice(offset, offset + leadingBlankLength(token.raw)).match(/\n/g)?.length ?? 0);
    offset += token.raw.length;
    line += token.raw.match(/\n/g)?.length ?? 0;

    if (token.type === 'heading' && (token as Tokens.Heading).depth === 2) {
      const heading = (token as Tokens.Heading).text.trim();
      if (section === 'recap') problem(tokenLine, 'recap', `## ${RECAP} must be the last heading; found "## ${heading}" after it`);
      if (heading === RECAP) {
        section = 'recap';
        step = undefined;
        continue;
      }
      section = 'step';
      step = { number: steps.length + 1, title: heading, line: tokenLine, challenge: CHALLENGE_PREFIX.test(heading), parts: [], checks: [], solutionFiles: [], decoys: [] };
      steps.push(step);
      continue;
    }
    if (token.type === 'code' && (token as Tokens.Code).codeBlockStyle !== 'indented') {
      const code = token as Tokens.Code;
      const info = parseInfo(code.lang ?? '');
      const contentLine = tokenLine + 1;
      const special =
        info.lang === 'check' ||
        info.lang === 'hint' ||
        info.lang === 'solution' ||
        info.lang === 'decoy' ||
        info.lang === 'inspect' ||
        info.flags.has('run') ||
        info.attrs.has('file');
      if (special && section !== 'step') {
        problem(tokenLine, info.lang || 'block', `${/^[aeiou]/.test(describeBlock(info)) ? 'an' : 'a'} ${describeBlock(info)} belongs inside a step (after a ## heading), not in the ${section}`);
        continue;
      }
      if (special && step) {
        const text = code.text.replace(/\n+$/, '');
        if (info.lang === 'check') {
          if (step.checks.length > 0) problem(tokenLine, 'check', 'a step has at most one check block');
          const parsed = parseCheckBlock(text, file, contentLine);
          problems.push(...parsed.problems);
          step.checks.push(...parsed.checks);
        } else if (info.lang === 'hint') {
          if (step.hint !== undefined) problem(tokenLine, 'hint', 'a step has at most one hint block');
          step.hint = text;
        } else if (info.lang === 'decoy') {
          if (!text.trim()) problem(tokenLine, 'decoy', 'is empty');
          step.decoys.push({ code: text, line: tokenLine });
        } else if (info.lang === 'solution') {
          const target = info.attrs.get('file');
          if (target !== undefined) {
            if (!isProjectPath(target)) problem(tokenLine, 'solution.file', `"${target}" must be a path inside the project (relative, no ..)`);
            step.solutionFiles.push({ file: target, code: withFinalNewline(code.text) });
          } else {
            if (step.solution !== undefined) problem(tokenLine, 'solution', 'a step has at most one shell solution block');
            if (!text.trim()) problem(tokenLine, 'solution', 'is empty');
            step.solution = text;
          }
        } else if (info.lang === 'inspect') {
          const view = info.attrs.get('view') ?? '';
          if (!(INSPECT_VIEWS as readonly string[]).includes(view)) problem(tokenLine, 'inspect.view', `view="${view}" is not an Inspect view (${INSPECT_VIEWS.join(', ')})`);
          for (const [key] of info.attrs) if (key !== 'view' && key !== 'focus') problem(tokenLine, 'inspect', `unknown attribute "${key}=" (view= and focus= have a meaning)`);
          if (!text.trim()) problem(tokenLine, 'inspect', 'is empty: its text is the button\'s label');
          const focus = info.attrs.get('focus');
          step.parts.push({ kind: 'inspect', view: view as InspectViewName, ...(focus ? { focus } : {}), label: text.trim(), line: tokenLine });
        } else if (info.attrs.has('file')) {
          const target = info.attrs.get('file') ?? '';
          if (!isProjectPath(target)) problem(tokenLine, 'file', `"${target}" must be a path inside the project (relative, no ..)`);
          if (info.flags.has('run')) problem(tokenLine, 'run', 'a block is either a run block or an editor block (file=), not both');
          step.parts.push({ kind: 'editor', lang: info.lang, file: target, code: withFinalNewline(code.text), line: tokenLine });
        } else {
          if (!text.trim()) problem(tokenLine, 'run', 'a run block is empty');
          step.parts.push({ kind: 'run', lang: info.lang, code: text, line: tokenLine });
        }
        continue;
      }
      for (const [key] of info.attrs) problem(tokenLine, key, `unknown block attribute "${key}=" (only file= has a meaning)`);
    }
    pushMarkdown(token.raw);
  }

  if (steps.length === 0) problem(bodyFirstLine, 'steps', 'a lesson needs at least one step (a ## heading)');
  for (const s of steps) {
    if (s.parts.every((p) => p.kind === 'markdown') && s.checks.length > 0 && s.solution === undefined && s.solutionFiles.length === 0) {
      problem(s.line, 'solution', `step ${s.number} has a check but no run block, editor block or solution: the scripted student cannot complete it`);
    }
  }
  // A step the learner acts in proves it was done, and a learner stuck on a red check gets a hint.
  for (const s of steps) {
    const reason = unchecked[s.number];
    const acts = s.parts.some((p) => p.kind === 'run' || p.kind === 'editor');
    if (reason !== undefined && s.checks.length > 0) problem(keyLine('unchecked', String(s.number)), `unchecked.${s.number}`, `step ${s.number} has a check: remove it from unchecked`);
    if (acts && s.checks.length === 0 && reason === undefined) {
      problem(s.line, 'check', `step ${s.number} has a run or editor block but no check: add a check that proves it was done, or say why not in the front matter (\`unchecked: { ${s.number}: <reason> }\`)`);
    }
    if (s.decoys.length > 0 && s.checks.length === 0) problem(s.decoys[0]?.line ?? s.line, 'decoy', `step ${s.number} has a decoy but no check to stay red`);
    if (s.checks.length > 0 && s.hint === undefined) problem(s.line, 'hint', `step ${s.number} has a check but no hint block (what to try while the check stays red)`);
  }
  // A challenge is stated in words: the learner writes the commands, the check proves them, the solution waits.
  for (const s of steps.filter((x) => x.challenge)) {
    const where = `step ${s.number} (a challenge)`;
    if (s !== steps.at(-1)) problem(s.line, 'challenge', `${where} must be the lesson's last step`);
    for (const part of s.parts) {
      if (part.kind === 'run') problem(part.line, 'challenge', `${where} has a run block: state the task in words and put the commands in a solution block`);
      if (part.kind === 'editor') problem(part.line, 'challenge', `${where} has an editor block: state the task in words and put the file in a solution file= block`);
    }
    if (s.checks.length === 0) problem(s.line, 'challenge', `${where} needs a check that reads what the learner did`);
    if (s.solution === undefined && s.solutionFiles.length === 0) problem(s.line, 'challenge', `${where} needs a solution block (shown by "Show solution", run by the scripted student)`);
  }
  for (const n of Object.keys(unchecked).map(Number)) {
    if (n > steps.length) problem(keyLine('unchecked', String(n)), `unchecked.${n}`, `the lesson has steps 1-${steps.length}`);
  }
  if (start.files && Object.keys(source.files ?? {}).length === 0) problem(keyLine('start', 'files'), 'start.files', 'is true but the lesson has no files/ folder (or it is empty)');

  if (!folder) return { lesson: undefined, problems };
  const recap = recapParts.join('').trim();
  const lesson: Lesson = {
    id: source.folder,
    order: Number(folder[1]),
    file,
    title,
    summary,
    minutes,
    ...(continues !== undefined ? { continues } : {}),
    start,
    ...(build ? { build } : {}),
    unchecked,
    intro: introParts.join('').trim(),
    steps,
    ...(recap ? { recap } : {}),
    files: source.files ?? {},
    solutionFiles: source.solutionFiles ?? {},
  };
  return { lesson, problems };
}

function describeBlock(info: { lang: string; flags: Set<string>; attrs: Map<string, string> }): string {
  if (info.lang === 'check' || info.lang === 'hint' || info.lang === 'solution' || info.lang === 'decoy') return `${info.lang} block`;
  if (info.lang === 'inspect') return 'inspect block';
  return info.flags.has('run') ? 'run block' : 'editor block';
}

/** Length of the blank lines a token's raw text starts with (its own first line comes after them). */
function leadingBlankLength(raw: string): number {
  return /^(?:[ \t]*\n)*/.exec(raw)?.[0].length ?? 0;
}

/** An editor block is a whole file: files end with a newline (Markdown drops the last one). */
function withFinalNewline(text: string): string {
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}
