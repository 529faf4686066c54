// Reads lessons/NN-slug/ folders from disk (Node only): the same LessonSource the Vite bundle gives the browser.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LessonSource } from './lesson-parser.ts';
import { imageNames, lessonSourcesFromTree } from './lesson-sources.ts';
import type { LessonProblem } from './lesson-types.ts';

/** Every file under `dir`: `/`-separated paths relative to it, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path).split('\\').join('/'));
    }
  };
  walk(dir);
  return out;
}

/** Every file under `dir` as text, by its path relative to `dir`. */
export function readTree(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((path) => [path, readFileSync(join(dir, path), 'utf8')]));
}

/** The lessons under `root` and the problems of its layout (a folder without lesson.md); `packs/` holds lesson packs. */
export function readLessonTree(root: string, displayRoot = 'lessons'): { sources: LessonSource[]; problems: LessonProblem[] } {
  return lessonSourcesFromTree(readTree(root), displayRoot, { ignore: ['packs'] });
}

/** Every folder of `root` that has a lesson.md (other folders and files, like README.md, are not lessons). */
export function readLessonSources(root: string, displayRoot = 'lessons'): LessonSource[] {
  return readLessonTree(root, displayRoot).sources;
}

/** Image names (`busybox`, `busybox:latest`) in the app's static registry. */
export function registryImages(publicDir: string): string[] {
  return imageNames(JSON.parse(readFileSync(join(publicDir, 'registry', 'images.json'), 'utf8')));
}

