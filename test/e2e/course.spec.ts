// The scripted student: every lesson, every step, through the UI in Chromium. A step's check must be red before the
// step is done and green after doing it as the text says (its Open in editor and Run buttons, or its solution).
// One test per lesson, each in a fresh page (a lesson with `continues` has the app replay what it builds on).
// `LESSON=04-layers npx playwright test test/e2e/course.spec.ts` runs one lesson (LESSON=01-fixture: the platform's own),
// `LESSON=all` every lesson; by default the lessons that need the page (test/course-split.ts).
import { resolve } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { buildCourse } from '../../web/course/course-validate.ts';
import { readLessonSources } from '../../web/course/lesson-sources-node.ts';
import type { Lesson } from '../../web/course/lesson-types.ts';
import { LESSONS_IN_THE_PAGE } from '../course-split.ts';
import { expect, test } from './fixtures.ts';

const REPO = resolve(import.meta.dirname, '../..');
const wanted = process.env['LESSON'] === 'all' ? undefined : (process.env['LESSON']?.split(',') ?? LESSONS_IN_THE_PAGE);
const course = buildCourse(readLessonSources(resolve(REPO, 'lessons'))).lessons.filter((l) => !wanted || wanted.includes(l.id));
// The platform's fixture lesson runs unless LESSON names other lessons only.
const fixtures = buildCourse(readLessonSources(resolve(REPO, 'test/fixtures/lessons'), 'test/fixtures/lessons')).lessons.filter(
  (l) => !wanted || wanted.includes(l.id),
);

/** A lesson gets a few minutes per step on a loaded 2-core machine, plus its start. */
const timeFor = (lesson: Lesson) => 180_000 + lesson.steps.length * 120_000;
/** A slow step (a `docker build` with `RUN npm install`) may take minutes in the emulator under load. */
const GREEN_TIMEOUT_MS = 360_000;

async function openLesson(page: Page, lesson: Lesson, query = ''): Promise<Locator> {
  await page.goto(`./${query}#/lesson/${lesson.id}/1`);
  await expect(page.getByRole('heading', { name: lesson.title, level: 2 })).toBeVisible();
  const status = page.getByRole('status', { name: 'Lesson status' });
  await expect(status).toHaveText('Ready', { timeout: 240_000 });
  return status;
}

/** Does every step as written and checks red before, green after; ends at the recap. */
async function studyLesson(page: Page, lesson: Lesson): Promise<void> {
  const started = Date.now();
  for (const step of lesson.steps) {
    const where = `${lesson.file}:${step.line} step ${step.number} "${step.title}"`;
    const t0 = Date.now();
    const times: string[] = [];
    const lap = (what: string) => times.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const section = page.getByRole('region', { name: `${step.number}. ${step.title}` });
    await expect(section, where).toBeVisible();
    const check = section.getByRole('status', { name: 'Step check' });
    if (step.checks.length > 0) {
      // Red first: the step's check must not pass before the learner has done the step.
      await expect(check, `${where}: the check must be red before the step is done`).toHaveText('Not done yet', { timeout: 60_000 });
      lap('red');
    }
    let editor = 0;
    let run = 0;
    for (const part of step.parts) {
      if (part.kind === 'editor') {
        await section.getByRole('button', { name: 'Open in editor' }).nth(editor++).click();
      } else if (part.kind === 'inspect') {
        await section.getByRole('button', { name: part.label }).click();
        await expect(page.getByRole('region', { name: 'Inspect' }), `${where}: the inspect block opens the panel`).toBeVisible();
      } else if (part.kind === 'run' && step.solution === undefined) {
        const button = section.getByRole('button', { name: /^Run: / }).nth(run++);
        await expect(button).toBeEnabled({ timeout: 180_000 });
        await button.click();
        // The button is disabled while the block is typed and the prompt has not come back.
        await expect(button, `${where}: typing ${JSON.stringify(part.code)}`).toBeEnabled({ timeout: GREEN_TIMEOUT_MS });
      }
    }
    if (step.challenge) {
      // A challenge is words only: no Run button, and its solution stays hidden until Show solution is pressed.
      await expect(section.getByText('Challenge: write the commands yourself', { exact: true })).toBeVisible();
      await expect(section.getByRole('button', { name: /^Run: / })).toHaveCount(0);
      await expect(section.getByRole('region', { name: 'Solution' })).toBeHidden();
    }
    if (step.solution !== undefined || step.solutionFiles.length > 0) {
      await section.getByRole('button', { name: 'Show solution' }).click();
      const runSolution = section.getByRole('button', { name: 'Run solution' });
      await expect(runSolution).toBeEnabled({ timeout: 180_000 });
      await runSolution.click();
      await expect(runSolution).toBeEnabled({ timeout: GREEN_TIMEOUT_MS });
    }
    lap('done');
    if (step.checks.length > 0) {
      await expect(check, `${where}: the check must turn green after the step is done`)
        .toHaveText('Passed', { timeout: GREEN_TIMEOUT_MS })
        .catch(async (e: unknown) => {
          // Say what the check saw: its reasons and the technical lines (the status alone only says "Not done yet").
          const read = (l: Locator) => l.textContent({ timeout: 5_000 }).catch(() => '(not readable)');
          const seen = await read(section.locator('.check'));
          const machine = await read(page.getByText(/^Machine: /));
          throw new Error(`${(e as Error).message}\nThe check showed: ${seen}\nThe status bar showed: ${machine}`);
        });
      lap('green');
    }
    console.log(`[timing] ${lesson.id} step ${step.number}: ${times.join(', ')}`);
    await section.getByRole('button', { name: step.number === lesson.steps.length ? 'Finish' : 'Next step' }).click();
  }
  await expect(page.getByRole('heading', { name: 'What you learned' })).toBeVisible();
  console.log(`[timing] ${lesson.id}: ${lesson.steps.length} steps done in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** "Reset lesson" restores the starting checkpoint; returns the time the UI measured. */
async function resetLesson(page: Page, status: Locator): Promise<number> {
  await page.getByRole('button', { name: 'Reset lesson' }).click();
  await expect(status).toHaveText('Ready', { timeout: 60_000 });
  const label = page.getByLabel('Last reset time');
  await expect(label).toBeVisible();
  const seconds = Number(/([\d.]+) s/.exec((await label.textContent()) ?? '')?.[1]);
  return Math.round(seconds * 1000);
}

test.describe('scripted student: the fixture lesson', () => {
  for (const lesson of fixtures) {
    test(`${lesson.id}: red before, green after, reset`, async ({ page }) => {
      test.setTimeout(timeFor(lesson) + 120_000);
      const t0 = Date.now();
      const status = await openLesson(page, lesson, '?course=fixtures');
      console.log(`[timing] ${lesson.id}: ready ${((Date.now() - t0) / 1000).toFixed(1)} s after navigation`);
      await studyLesson(page, lesson);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        times.push(await resetLesson(page, status));
        // Back at step 1, and its check is red again: the machine and the engine went back together.
        const first = page.getByRole('region', { name: `1. ${lesson.steps[0]!.title}` });
        await expect(first.getByRole('status', { name: 'Step check' })).toHaveText('Not done yet', { timeout: 60_000 });
      }
      console.log(`[timing] reset lesson (checkpoint restore, Chromium): ${times.join(', ')} ms`);
    });
  }
});

test.describe('scripted student: the course', () => {
  for (const lesson of course) {
    test(`${lesson.id}: every check is red before its step and green after it`, async ({ page }) => {
      test.setTimeout(timeFor(lesson));
      await openLesson(page, lesson);
      await studyLesson(page, lesson);
    });
  }
});
