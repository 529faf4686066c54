// `npm run lessons:samples -- LOG`: the example outputs of the lessons a LESSON_CONSOLE=1 run of the scripted student
// covered (`LESSON=... LESSON_CONSOLE=1 npm run lessons:try > LOG`), against what its terminal showed; prints the
// sample lines no run printed, as file:line.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCourse } from './course-validate.ts';
import { compareSamples } from './lesson-samples.ts';
import { readLessonSources, registryImages } from './lesson-sources-node.ts';

const repo = resolve(import.meta.dirname, '../..');
const logFile = process.argv[2];
if (!logFile) {
  console.error('usage: npm run lessons:samples -- LOG (a LESSON_CONSOLE=1 run of npm run lessons:try)');
  process.exit(2);
}
const log = readFileSync(logFile, 'utf8');
const sources = readLessonSources(join(repo, 'lessons'));
const course = buildCourse(sources, { images: registryImages(join(repo, 'public')) });
let count = 0;
let lessons = 0;
for (const lesson of course.lessons) {
  if (!log.includes(`[${lesson.id}] step `)) continue;
  lessons++;
  const lines = readFileSync(join(repo, lesson.file), 'utf8').split('\n');
  for (const m of compareSamples(lesson, log)) {
    const stepLine = lesson.steps.find((s) => s.number === m.step)?.line ?? 1;
    const at = lines.findIndex((l, i) => i >= stepLine - 1 && l === m.text);
    console.log(`${lesson.file}:${at + 1}: step ${m.step}: no run printed: ${m.text}`);
    count++;
  }
}
console.log(`${lessons} lesson(s) in the log; ${count} sample line(s) no run printed`);
process.exit(count === 0 ? 0 : 1);
