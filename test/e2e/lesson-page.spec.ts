// The lesson page's layout and navigation, without waiting for the machine: at 1024x768 nothing in the lesson column
// is wider than the column (wide code blocks scroll inside themselves), "Next step" stays on screen, the step card
// says "Step n of N", and Next scrolls to the new step's heading.
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
      await expectStepFits(page, column, `${id} step ${n}`);
      if (n < count) await card.getByRole('button', { name: 'Next step' }).click();
    }
  });
}
