// Lesson 01 with the keyboard alone: no click anywhere. Focus starts in the terminal (the page puts it there);
// Escape then Shift+Tab leaves it, Shift+Tab and Tab walk to each step's Run buttons, Enter presses them, and Enter
// on "Next step" opens the next step. Each check goes green as it does for a mouse user.
import type { Locator, Page } from '@playwright/test';
import { resolve } from 'node:path';
import { buildCourse } from '../../web/course/course-validate.ts';
import { readLessonSources } from '../../web/course/lesson-sources-node.ts';
import { expect, test } from './fixtures.ts';

const REPO = resolve(import.meta.dirname, '../..');
const lesson = buildCourse(readLessonSources(resolve(REPO, 'lessons'))).lessons.find((l) => l.id === '01-why-containers')!;

/** Presses `key` (Tab or Shift+Tab) until `target` has focus, as a keyboard user would; fails after `max` presses. */
async function moveFocusTo(page: Page, target: Locator, key: 'Tab' | 'Shift+Tab', max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(key);
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120));
  throw new Error(`${max} × ${key} did not reach the target; focus is on ${at}`);
}

test('lesson 01 done with the keyboard alone', async ({ page, terminal }) => {
  test.setTimeout(300_000);
  await page.goto(`./#/lesson/${lesson.id}/1`);
  await expect(page.getByRole('status', { name: 'Lesson status' })).toHaveText('Ready', { timeout: 240_000 });
  await expect(terminal.input).toBeFocused();
  // out of the terminal, backwards: the lesson column comes before it
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Tab');
  await expect(terminal.input).not.toBeFocused();

  for (const step of lesson.steps) {
    const section = page.getByRole('region', { name: `${step.number}. ${step.title}` });
    await expect(section).toBeVisible();
    const runs = section.getByRole('button', { name: /^Run: / });
    const count = await runs.count();
    for (let r = 0; r < count; r++) {
      const run = runs.nth(r);
      await expect(run).toBeEnabled({ timeout: 120_000 });
      // backwards from the terminal for the first; then forwards from the step's heading (Next focuses it) or the last Run
      await moveFocusTo(page, run, step.number === 1 && r === 0 ? 'Shift+Tab' : 'Tab');
      await page.keyboard.press('Enter');
      // Run keeps focus (the command is typed for the learner; focus does not jump to the terminal)
      await expect(run).toBeFocused();
      await expect(run).toBeEnabled({ timeout: 180_000 });
    }
    if (step.checks.length > 0) await expect(section.getByRole('status', { name: 'Step check' })).toHaveText('Passed', { timeout: 180_000 });
    const next = section.getByRole('button', { name: step.number === lesson.steps.length ? 'Finish' : 'Next step' });
    await moveFocusTo(page, next, 'Tab');
    await page.keyboard.press('Enter');
  }
  await expect(page.getByRole('heading', { name: 'What you learned' })).toBeVisible();
});
