// The lesson page: at 1024x768 nothing in the lesson column is wider than the column (wide code blocks scroll inside
// themselves), "Next step" stays on screen, the step card says "Step n of N" and Next scrolls to the new step's heading
// (no machine needed); with the machine: a check is neutral until the learner acts, the editor opens for a lesson with
// project files, Reset lesson clears the ticks and the status bar follows the machine.
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

test.use({ viewport: { width: 1024, height: 768 } });

/** Elements of the column wider than it, or reaching past its right edge, outside any scroll container of their own. */
function overflowing(column: Locator): Promise<string[]> {
  return column.evaluate((col) => {
    const limit = col.getBoundingClientRect().left + col.clientWidth + 0.5;
    const scrolls = (el: Element) => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
    const bad: string[] = [];
    if (col.scrollWidth > col.clientWidth) bad.push(`the column scrolls sideways: scrollWidth ${col.scrollWidth} > clientWidth ${col.clientWidth}`);
    for (const el of col.querySelectorAll('*')) {
      // Content inside a block that scrolls (a <pre>) may be wide: the block itself is measured instead.
      let inner = false;
      for (let p = el.parentElement; p && p !== col; p = p.parentElement) if (scrolls(p)) inner = true;
      if (inner) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.width > col.clientWidth + 0.5 || r.right > limit) {
        bad.push(`<${el.tagName.toLowerCase()} class="${el.className}"> ${Math.round(r.width)} px wide, right edge ${Math.round(r.right)} > ${Math.round(limit)}: ${(el.textContent ?? '').slice(0, 60)}`);
      }
    }
    return bad;
  });
}

async function expectStepFits(page: Page, column: Locator, where: string): Promise<void> {
  const next = column.getByRole('navigation', { name: 'Step navigation' }).getByRole('button').last();
  await expect(next).toBeVisible();
  expect(await overflowing(column), `${where}: elements wider than the lesson column`).toEqual([]);
  await next.scrollIntoViewIfNeeded();
  // The column cannot scroll sideways (checked above), so this is where the button really is.
  await expect(next, `${where}: "Next step" on screen`).toBeInViewport({ ratio: 1 });
  const box = (await next.boundingBox())!;
  expect(box.x + box.width, `${where}: "Next step" right edge`).toBeLessThanOrEqual(page.viewportSize()!.width);
}

const LESSONS: { id: string; query: string }[] = [
  { id: '01-fixture', query: '?course=fixtures' },
  { id: '01-why-containers', query: '' },
  { id: '04-layers', query: '' },
  { id: '06-first-dockerfile', query: '' },
];

for (const { id, query } of LESSONS) {
  test(`${id}: every step fits the lesson column at 1024x768`, async ({ page }) => {
    await page.goto(`./${query}#/lesson/${id}/1`);
    const column = page.getByRole('complementary', { name: 'Course' });
    const steps = column.getByRole('list', { name: 'Steps' }).locator(':scope > li');
    await expect(steps.first()).toBeVisible();
    const count = await steps.count();
    for (let n = 1; n <= count; n++) {
      const card = column.getByRole('region', { name: new RegExp(`^${n}\\. `) });
      await expect(card).toBeVisible();
      await expect(card.getByText(`Step ${n} of ${count}`, { exact: true })).toBeVisible();
      if (n > 1) {
        // Next brought the new step's heading on screen (the previous card collapsed above it), with focus.
        const heading = card.getByRole('heading', { level: 3 });
        await expect(heading, `${id} step ${n}: heading in view after Next`).toBeInViewport({ ratio: 1 });
        await expect(heading).toBeFocused();
      }
      await expectStepFits(page, column, `${id} step ${n}`);
      if (n < count) await card.getByRole('button', { name: 'Next step' }).click();
    }
    if (id === '06-first-dockerfile') {
      // The lesson sets the editor's Build tag to what its checks look for (front matter build.tag).
      const pane = page.getByRole('region', { name: 'Editor' });
      if (!(await pane.isVisible())) await page.getByRole('button', { name: 'Editor', exact: true }).click();
      await expect(pane.getByRole('button', { name: 'Build' })).toHaveAttribute('title', 'Types “cd /root/app && docker build -t helloworld:0.1 .” into the terminal');
    }
  });
}

test('a check is neutral until the learner acts, then says why in words; Reset lesson clears the ticks and the machine is ready again', async ({
  page,
  terminal,
}) => {
  await page.goto('./?course=fixtures#/lesson/01-fixture/1');
  await expect(page.getByRole('status', { name: 'Lesson status' })).toHaveText('Ready', { timeout: 240_000 });
  const card = page.getByRole('region', { name: '1. Run a container' });
  const check = card.getByRole('status', { name: 'Step check' });
  const missing = card.getByRole('list', { name: 'What is missing' });

  // The lesson has project files (start.files): the editor is open with them, and Build has the default tag.
  const editor = page.getByRole('region', { name: 'Editor' });
  await expect(editor).toBeVisible();
  await expect(editor.getByRole('button', { name: 'Build' })).toHaveAttribute('title', /docker build -t app \./);

  // Before the learner did anything: "Not done yet", neither red nor reasons, and no hint.
  await expect(check).toHaveText('Not done yet', { timeout: 60_000 });
  await expect(card.locator('.check')).toHaveAttribute('data-state', 'waiting');
  await expect(missing).toBeHidden();
  await expect(card.getByRole('note', { name: 'Hint' })).toBeHidden();

  // A command of their own in the terminal is an attempt: now it is red, in words (the item's message, or the default).
  await terminal.waitForPrompt();
  await terminal.run('true');
  await expect(missing).toBeVisible({ timeout: 30_000 });
  await expect(card.locator('.check')).toHaveAttribute('data-state', 'failed');
  await expect(missing.getByRole('listitem')).toHaveText([
    'There is no stopped container fx-one yet: press Run above.',
    'docker logs fx-one does not succeed yet',
  ]);
  // The technical detail is still there, folded away.
  await expect(card.getByText('What the check looked at')).toBeVisible();

  // While its command runs, the block counts the seconds (BuildKit's `Running… 12.4s`); the live region says it
  // once when it starts and once when it ends.
  await card.getByRole('button', { name: /^Run: / }).click();
  const progress = card.getByLabel('Command progress');
  await expect(progress).toHaveText(/^(Running the command|The command finished after \d+\.\d seconds)$/);
  await expect(card.locator('.elapsed')).toHaveText(/^Done in \d+\.\ds$/, { timeout: 120_000 });
  await expect(progress).toHaveText(/^The command finished after \d+\.\d seconds$/);
  await expect(check).toHaveText('Passed', { timeout: 120_000 });
  await card.getByRole('button', { name: 'Next step' }).click();
  await expect(page.getByRole('button', { name: '1. Run a container ✓' })).toBeVisible();

  // Reset lesson: back to step 1 with the machine's state, its tick gone, and the status bar says ready again.
  await page.getByRole('button', { name: 'Reset lesson' }).click();
  await expect(page.getByRole('status', { name: 'Lesson status' })).toHaveText('Ready', { timeout: 120_000 });
  await expect(check).toHaveText('Not done yet', { timeout: 60_000 });
  await expect(card.locator('.check')).toHaveAttribute('data-state', 'waiting');
  await card.getByRole('button', { name: 'Next step' }).click();
  await expect(page.getByRole('button', { name: '1. Run a container', exact: true })).toBeVisible();
  await expect(page.getByText('Machine: ready')).toBeVisible({ timeout: 30_000 });
});
