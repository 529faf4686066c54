// `npm run lessons:check`: validates every lesson in lessons/ (or the folders given) and prints file:line problems.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCourse, formatProblem } from './course-validate.ts';
import { readLessonSources, registryImages } from './lesson-sources-node.ts';

const repo = resolve(import.meta.dirname, '../..');
const roots = process.argv.slice(2);
const root = roots[0] ? resolve(roots[0]) : join(repo, 'lessons');
const display = roots[0] ?? 'lessons';

const sources = readLessonSources(root, display);
const course = buildCourse(sources, { images: registryImages(join(repo, 'public')) });
const problems = [...course.problems];
// A folder that looks like a lesson but has no lesson.md is a mistake, not a README.
if (existsSync(root)) {
  for (const name of readdirSync(root)) {
    if (statSync(join(root, name)).isDirectory() && !existsSync(join(root, name, 'lesson.md'))) {
      problems.push({ file: `${display}/${name}`, line: 1, field: 'lesson.md', message: 'the folder has no lesson.md' });
    }
  }
}
for (const p of problems) console.error(formatProblem(p));
const steps = course.lessons.reduce((n, l) => n + l.steps.length, 0);
const checks = course.lessons.reduce((n, l) => n + l.steps.filter((s) => s.checks.length > 0).length, 0);
console.log(`${course.lessons.length} lessons, ${steps} steps (${checks} with checks): ${problems.length === 0 ? 'ok' : `${problems.length} problem(s)`}`);
process.exit(problems.length === 0 ? 0 : 1);
