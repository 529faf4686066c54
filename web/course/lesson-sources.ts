// A tree of lesson files (path -> text) into LessonSources: the one grouping used for lessons/ on disk and for packs.
import type { LessonSource } from './lesson-parser.ts';
import type { LessonProblem } from './lesson-types.ts';

/**
 * Top-level folders with a lesson.md are lessons (their files/ and solution/ beside it); a top-level folder without
 * one is a mistake (a problem), except the names in `ignore`; top-level files (README.md, pack.json) are not lessons.
 */
export function lessonSourcesFromTree(
  tree: Record<string, string>,
  displayRoot: string,
  options: { ignore?: string[] } = {},
): { sources: LessonSource[]; problems: LessonProblem[] } {
  const folders = new Map<string, Record<string, string>>();
  for (const [path, text] of Object.entries(tree)) {
    const slash = path.indexOf('/');
    if (slash < 0) continue;
    const folder = path.slice(0, slash);
    if (options.ignore?.includes(folder)) continue;
    let files = folders.get(folder);
    if (!files) folders.set(folder, (files = {}));
    files[path.slice(slash + 1)] = text;
  }
  const sources: LessonSource[] = [];
  const problems: LessonProblem[] = [];
  for (const folder of [...folders.keys()].sort()) {
    const files = folders.get(folder) ?? {};
    const text = files['lesson.md'];
    if (text === undefined) {
      problems.push({ file: `${displayRoot}/${folder}`, line: 1, field: 'lesson.md', message: 'the folder has no lesson.md' });
      continue;
    }
    sources.push({ folder, file: `${displayRoot}/${folder}/lesson.md`, text, files: under(files, 'files/'), solutionFiles: under(files, 'solution/') });
  }
  return { sources, problems };
}

function under(files: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const path of Object.keys(files).sort()) if (path.startsWith(prefix)) out[path.slice(prefix.length)] = files[path] ?? '';
  return out;
}

/** The names in the static registry's images.json (`{ images: [{ name, tags }] }`), as `name` and `name:tag`. */
export function imageNames(index: unknown): string[] {
  const images = (index as { images?: { name: string; tags: string[] }[] } | null)?.images ?? [];
  return images.flatMap((i) => [i.name, ...i.tags.map((t) => `${i.name}:${t}`)]);
}
