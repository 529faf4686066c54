// Reads lessons/NN-slug/ folders from disk (Node only): the same LessonSource the Vite bundle gives the browser.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LessonSource } from './lesson-parser.ts';

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path).split('\\').join('/')] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** Every folder of `root` that has a lesson.md (other folders and files, like README.md, are not lessons). */
export function readLessonSources(root: string, displayRoot = 'lessons'): LessonSource[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => statSync(join(root, name)).isDirectory() && existsSync(join(root, name, 'lesson.md')))
    .sort()
    .map((folder) => ({
      folder,
      file: `${displayRoot}/${folder}/lesson.md`,
      text: readFileSync(join(root, folder, 'lesson.md'), 'utf8'),
      files: readTree(join(root, folder, 'files')),
      solutionFiles: readTree(join(root, folder, 'solution')),
    }));
}

/** Image names (`busybox`, `busybox:latest`) in the app's static registry. */
export function registryImages(publicDir: string): string[] {
  const index = JSON.parse(readFileSync(join(publicDir, 'registry', 'images.json'), 'utf8')) as { images: { name: string; tags: string[] }[] };
  return index.images.flatMap((i) => [i.name, ...i.tags.map((t) => `${i.name}:${t}`)]);
}
