// Lesson packs: a trainer's lessons from outside the app (a folder with pack.json, or one .tar / .tar.gz), checked
// with lessons:check's rules (buildCourse) and treated as untrusted input. Pure: the files come in, a Pack goes out.
import { buildCourse, type Course } from './course-validate.ts';
import { lessonSourcesFromTree } from './lesson-sources.ts';
import { imageHost, markdownImages } from './markdown.ts';
import type { LessonProblem } from './lesson-types.ts';

/** The pack's index: a static host lists no folders, so a folder pack names its files (`npm run pack` writes it). */
export const PACK_MANIFEST = 'pack.json';
/** Past these, a pack is refused before it is parsed (a lesson pack is text: the 20 lessons here are 0.4 MB). */
export const PACK_LIMITS = { bytes: 4 * 1024 * 1024, files: 500 };

export interface PackManifest {
  format: 'drydock-pack';
  version: 1;
  title?: string;
  /** every file of the pack but pack.json, `/`-separated paths relative to it */
  files: string[];
}

export interface Pack {
  /** where it came from: its URL, or `file:<name>` for a file the learner opened */
  source: string;
  /** the name in messages (`sample.tar.gz`, `sample`) */
  display: string;
  title: string;
  /** the lessons; empty when there are problems (a pack with problems is not opened) */
  course: Course;
  problems: LessonProblem[];
  /** the registry images its lessons start from, pulled from the app's static registry when a lesson starts */
  images: string[];
}

/** A pack refused before its lessons could be read (fetch failed, too big, not a pack); `problems` say where. */
export class PackError extends Error {
  readonly problems: LessonProblem[];
  constructor(problems: LessonProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}: ${p.field}: ${p.message}`).join('\n'));
    this.name = 'PackError';
    this.problems = problems;
  }
}

export interface PackEntry {
  path: string;
  /** `file` or `directory`; anything else (links, devices) is refused */
  type: string;
  data?: Uint8Array;
}

/** A path inside the pack, `./` dropped; undefined for one that could leave it (`..`, absolute, `\`, empty parts). */
export function packPath(name: string): string | undefined {
  const path = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (path === '' || path.startsWith('/') || path.includes('\\') || /^[a-z]:/i.test(path)) return undefined;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..') ? path : undefined;
}

export function parseManifest(text: string, display: string): PackManifest {
  const refuse = (message: string): never => {
    throw new PackError([{ file: `${display}/${PACK_MANIFEST}`, line: 1, field: PACK_MANIFEST, message }]);
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return refuse(`not JSON: ${(error as Error).message}`);
  }
  const d = data as Partial<PackManifest> | null;
  if (!d || typeof d !== 'object' || d.format !== 'drydock-pack') return refuse('not a drydock pack index (format must be "drydock-pack")');
  if (d.version !== 1) return refuse(`version ${String(d.version)} is not supported (this app reads version 1)`);
  if (d.title !== undefined && typeof d.title !== 'string') return refuse('title must be a string');
  if (!Array.isArray(d.files) || !d.files.every((f) => typeof f === 'string')) return refuse('files must be a list of paths');
  if (d.files.length > PACK_LIMITS.files) return refuse(`${d.files.length} files, more than a pack may have (${PACK_LIMITS.files})`);
  const bad = d.files.find((f) => packPath(f) === undefined);
  if (bad !== undefined) return refuse(`${JSON.stringify(bad)} is not a path inside the pack`);
  return { format: 'drydock-pack', version: 1, ...(d.title === undefined ? {} : { title: d.title }), files: d.files.map((f) => packPath(f) ?? f) };
}

/**
 * The pack from its files: paths checked, a single top folder (`tar czf sample.tar.gz sample/`) dropped, text
 * decoded, pack.json read, then the lessons parsed and checked as lessons:check does (`images`: the registry's).
 */
export function packFromEntries(entries: PackEntry[], options: { source: string; display: string; images: string[] }): Pack {
  const { display } = options;
  const refused: LessonProblem[] = [];
  const refuse = (path: string, field: string, message: string) => refused.push({ file: `${display}/${path}`, line: 1, field, message });
  if (entries.length > PACK_LIMITS.files) throw new PackError([{ file: display, line: 1, field: 'size', message: `${entries.length} entries, more than a pack may have (${PACK_LIMITS.files})` }]);
  const total = entries.reduce((n, e) => n + (e.data?.length ?? 0), 0);
  if (total > PACK_LIMITS.bytes) throw new PackError([{ file: display, line: 1, field: 'size', message: `${total} bytes unpacked, more than a pack may have (${PACK_LIMITS.bytes})` }]);

  const files = new Map<string, Uint8Array>();
  for (const entry of entries) {
    const path = packPath(entry.path);
    if (path === undefined) refuse(entry.path, 'path', `${JSON.stringify(entry.path)} is not a path inside the pack`);
    else if (entry.type === 'file') files.set(path, entry.data ?? new Uint8Array(0));
    else if (entry.type !== 'directory') refuse(path, 'path', `a ${entry.type}: a pack holds only files and folders`);
  }
  if (refused.length > 0) throw new PackError(refused);

  const top = new Set([...files.keys()].map((p) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '')));
  const [only] = top;
  const root = top.size === 1 && only && !files.has(`${only}/lesson.md`) ? `${only}/` : '';
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const tree: Record<string, string> = {};
  for (const [path, data] of files) {
    const inner = path.slice(root.length);
    try {
      tree[inner] = decoder.decode(data).replace(/^\uFEFF/, '');
    } catch {
      refuse(inner, 'file', 'not UTF-8 text (a pack holds lessons: Markdown and project files)');
    }
  }
  if (refused.length > 0) throw new PackError(refused);

  const manifestText = tree[PACK_MANIFEST];
  const manifest = manifestText === undefined ? undefined : parseManifest(manifestText, display);
  const layout = lessonSourcesFromTree(tree, display);
  const course = buildCourse(layout.sources, { images: options.images });
  const problems = [...layout.problems, ...course.problems];
  if (course.lessons.length === 0 && problems.length === 0) problems.push({ file: display, line: 1, field: 'lessons', message: 'the pack has no lesson folders (NN-slug/lesson.md)' });
  const images = [...new Set(course.lessons.flatMap((l) => l.start.images))].sort();
  return {
    source: options.source,
    display,
    title: manifest?.title ?? display,
    course: problems.length === 0 ? course : { lessons: [], problems },
    problems,
    images,
  };
}

/** The hosts a pack's images would be fetched from once the learner agrees (relative ones: the pack's own host). */
export function packImageHosts(pack: Pack): string[] {
  const base = pack.source.startsWith('file:') ? undefined : pack.source;
  const texts = pack.course.lessons.flatMap((l) => [
    l.intro,
    l.recap ?? '',
    ...l.steps.flatMap((s) => [s.hint ?? '', ...s.parts.map((p) => (p.kind === 'markdown' ? p.markdown : ''))]),
  ]);
  const hosts = texts.flatMap(markdownImages).map((href) => imageHost(href, base));
  return [...new Set(hosts.filter((h): h is string => h !== undefined))].sort();
}
