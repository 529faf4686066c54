/// <reference types="vite/client" />
// The course as bundled by Vite at build time: every lessons/NN-slug/lesson.md with its files/ and solution/.
import { buildCourse, type Course } from './course-validate.ts';
import type { LessonSource } from './lesson-parser.ts';

const texts = import.meta.glob('/lessons/*/lesson.md', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
// The platform's own test lesson (test/fixtures/lessons), shown only with `?course=fixtures` (end-to-end tests).
const fixtureTexts = import.meta.glob('/test/fixtures/lessons/*/lesson.md', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const fixtureFiles = import.meta.glob('/test/fixtures/lessons/*/files/**/*', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const startFiles = import.meta.glob('/lessons/*/files/**/*', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const solutionFiles = import.meta.glob('/lessons/*/solution/**/*', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
// Dotfiles (.dockerignore) are not matched by `*`.
const startDotFiles = import.meta.glob('/lessons/*/files/**/.*', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const solutionDotFiles = import.meta.glob('/lessons/*/solution/**/.*', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

function filesOf(all: Record<string, string>, folder: string, sub: string, root = '/lessons'): Record<string, string> {
  const prefix = `${root}/${folder}/${sub}/`;
  const out: Record<string, string> = {};
  for (const [path, text] of Object.entries(all)) if (path.startsWith(prefix)) out[path.slice(prefix.length)] = text;
  return out;
}

export function bundledSources(): LessonSource[] {
  return Object.entries(texts).map(([path, text]) => {
    const folder = path.split('/')[2] ?? '';
    return {
      folder,
      file: path.slice(1),
      text,
      files: { ...filesOf(startFiles, folder, 'files'), ...filesOf(startDotFiles, folder, 'files') },
      solutionFiles: { ...filesOf(solutionFiles, folder, 'solution'), ...filesOf(solutionDotFiles, folder, 'solution') },
    };
  });
}

function fixtureSources(): LessonSource[] {
  return Object.entries(fixtureTexts).map(([path, text]) => {
    const folder = path.split('/')[4] ?? '';
    return { folder, file: path.slice(1), text, files: filesOf(fixtureFiles, folder, 'files', '/test/fixtures/lessons'), solutionFiles: {} };
  });
}

let course: Course | undefined;

/** The bundled course; lessons with problems are left out (lessons:check keeps them from being committed). */
export function bundledCourse(options: { fixtures?: boolean } = {}): Course {
  if (options.fixtures) return buildCourse(fixtureSources());
  course ??= buildCourse(bundledSources());
  return course;
}
