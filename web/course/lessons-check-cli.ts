// `npm run lessons:check`: validates every lesson in lessons/ (or the folders given) and prints file:line problems.
import { join, resolve } from 'node:path';
import { buildCourse, formatProblem } from './course-validate.ts';
import { readLessonTree, registryImages } from './lesson-sources-node.ts';

const repo = resolve(import.meta.dirname, '../..');
const roots = process.argv.slice(2);
const root = roots[0] ? resolve(roots[0]) : join(repo, 'lessons');
const display = roots[0] ?? 'lessons';

// A folder that looks like a lesson but has no lesson.md is a mistake, not a README (the tree's problems).
const tree = readLessonTree(root, display);
const course = buildCourse(tree.sources, { images: registryImages(join(repo, 'public')) });
const problems = [...tree.problems, ...course.problems];
for (const p of problems) console.error(formatProblem(p));
const steps = course.lessons.reduce((n, l) => n + l.steps.length, 0);
const checks = course.lessons.reduce((n, l) => n + l.steps.filter((s) => s.checks.length > 0).length, 0);
console.log(`${course.lessons.length} lessons, ${steps} steps (${checks} with checks): ${problems.length === 0 ? 'ok' : `${problems.length} problem(s)`}`);
process.exit(problems.length === 0 ? 0 : 1);
