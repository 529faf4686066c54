// Whole-course checks on top of each lesson's parse: order, `continues`, step links, start images. Pure (no fs).
import { FOLDER_PATTERN, parseLesson, type LessonSource } from './lesson-parser.ts';
import type { Lesson, LessonProblem } from './lesson-types.ts';

export interface Course {
  lessons: Lesson[];
  problems: LessonProblem[];
}

/** From this lesson on, every lesson ends with a challenge step (the first two only show). */
export const CHALLENGES_FROM = 3;
const STEP_LINK = /#\/lesson\/([^/\s)"'>]+)(?:\/([^\s)"'>]*))?/g;

/** `images` are the names in the static registry (public/registry/images.json), `name` or `name:tag`. */
export function buildCourse(sources: LessonSource[], options: { images?: string[] } = {}): Course {
  const problems: LessonProblem[] = [];
  const lessons: Lesson[] = [];
  for (const source of [...sources].sort((a, b) => a.folder.localeCompare(b.folder))) {
    const parsed = parseLesson(source);
    problems.push(...parsed.problems);
    if (parsed.lesson) lessons.push(parsed.lesson);
  }
  const byId = new Map(lessons.map((l) => [l.id, l]));
  const seenOrder = new Map<number, string>();
  for (const lesson of lessons) {
    const other = seenOrder.get(lesson.order);
    if (other) problems.push({ file: lesson.file, line: 1, field: 'folder', message: `lesson number ${String(lesson.order).padStart(2, '0')} is also used by ${other}` });
    seenOrder.set(lesson.order, lesson.id);

    if (lesson.continues !== undefined) {
      const base = byId.get(lesson.continues);
      if (!base) problems.push({ file: lesson.file, line: 2, field: 'continues', message: `no lesson "${lesson.continues}" in lessons/` });
      else if (base.order >= lesson.order) problems.push({ file: lesson.file, line: 2, field: 'continues', message: `"${lesson.continues}" must come before this lesson` });
    }

    if (lesson.order >= CHALLENGES_FROM && !lesson.steps.at(-1)?.challenge) {
      const last = lesson.steps.at(-1);
      problems.push({
        file: lesson.file,
        line: last?.line ?? 1,
        field: 'challenge',
        message: `every lesson from ${String(CHALLENGES_FROM).padStart(2, '0')} on ends with a challenge step (\`## Challenge: <task>\` with a check, a hint and a solution)`,
      });
    }

    if (options.images) {
      const known = new Set(options.images);
      for (const image of lesson.start.images) {
        const bare = image.replace(/^(docker\.io\/)?(library\/)?/, '');
        const name = bare.split(':')[0] ?? bare;
        if (!known.has(bare) && !known.has(name)) {
          problems.push({ file: lesson.file, line: 2, field: 'start.images', message: `"${image}" is not in the app's registry (${[...known].join(', ')})` });
        }
      }
    }

    const linkTexts: { text: string; line: number }[] = [{ text: lesson.intro, line: 1 }];
    if (lesson.recap) linkTexts.push({ text: lesson.recap, line: 1 });
    for (const step of lesson.steps) {
      for (const part of step.parts) if (part.kind === 'markdown') linkTexts.push({ text: part.markdown, line: step.line });
      if (step.hint) linkTexts.push({ text: step.hint, line: step.line });
    }
    for (const { text, line } of linkTexts) {
      for (const match of text.matchAll(STEP_LINK)) {
        const [link, id = '', stepText] = match;
        const target = byId.get(id);
        if (!target) {
          problems.push({ file: lesson.file, line, field: 'link', message: `${link} points to no lesson ("${id}")` });
          continue;
        }
        if (stepText !== undefined && stepText !== '') {
          const n = Number(stepText);
          if (!Number.isInteger(n) || n < 1 || n > target.steps.length) {
            problems.push({ file: lesson.file, line, field: 'link', message: `${link}: ${id} has steps 1-${target.steps.length}` });
          }
        }
      }
    }
  }
  // A cycle through `continues` would never finish building a starting state.
  for (const lesson of lessons) {
    const seen = new Set<string>();
    let current: Lesson | undefined = lesson;
    while (current?.continues !== undefined && !seen.has(current.id)) {
      seen.add(current.id);
      current = byId.get(current.continues);
    }
    if (current && seen.has(current.id)) problems.push({ file: lesson.file, line: 2, field: 'continues', message: 'forms a cycle' });
  }
  return { lessons: lessons.sort((a, b) => a.order - b.order), problems };
}

export function formatProblem(p: LessonProblem): string {
  return `${p.file}:${p.line}: ${p.field}: ${p.message}`;
}

/** The chain of lessons whose end state a lesson starts from, oldest first (not including the lesson itself). */
export function continuesChain(lesson: Lesson, lessons: Lesson[]): Lesson[] {
  const chain: Lesson[] = [];
  const seen = new Set<string>([lesson.id]);
  let id = lesson.continues;
  while (id !== undefined && !seen.has(id)) {
    const base = lessons.find((l) => l.id === id);
    if (!base) break;
    chain.unshift(base);
    seen.add(id);
    id = base.continues;
  }
  return chain;
}

export { FOLDER_PATTERN };
