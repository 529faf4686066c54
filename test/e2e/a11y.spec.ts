// axe-core (Deque's accessibility engine) on the page as a learner meets it: no serious or critical violation on the
// course list, a lesson step with its check, the editor rail and the inspect panel (the cgroups and network views:
// inspect.spec.ts, where they have a container to show).
import { seriousViolations } from './axe.ts';
import { expect, test } from './fixtures.ts';

test('axe finds no serious or critical violation on the course list, a lesson, the editor and the inspect panel (layers, processes)', async ({ page, terminal }) => {
  await page.goto('./');
  await terminal.waitForPrompt();
  const found = await seriousViolations(page, 'course list');

  await page.goto('./#/lesson/04-layers/1');
  await expect(page.getByRole('status', { name: 'Lesson status' })).toHaveText('Ready', { timeout: 240_000 });
  found.push(...(await seriousViolations(page, 'lesson 04 step 1')));

  await page.getByRole('button', { name: 'Editor', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Editor' })).toBeVisible();
  found.push(...(await seriousViolations(page, 'editor open')));

  await page.getByRole('button', { name: 'Inspect', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Inspect' })).toBeVisible();
  found.push(...(await seriousViolations(page, 'inspect open')));
  await page.getByRole('tab', { name: 'Processes and namespaces' }).click();
  await expect(page.getByRole('table', { name: /^Processes \(/ })).toBeVisible({ timeout: 60_000 });
  found.push(...(await seriousViolations(page, 'inspect processes')));
  expect(found).toEqual([]);
});
