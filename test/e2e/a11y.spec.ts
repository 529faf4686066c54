// axe-core (Deque's accessibility engine) on the page as a learner meets it: no serious or critical violation on the
// course list, a lesson step with its check, the editor rail and the inspect panel.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

async function seriousViolations(page: Page, where: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

test('axe finds no serious or critical violation on the course list, a lesson, the editor and the inspect panel (layers, processes, network)', async ({ page, terminal }) => {
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
  await page.getByRole('tab', { name: 'Network' }).click();
  await expect(page.getByRole('table', { name: /^Published ports/ })).toBeVisible({ timeout: 60_000 });
  found.push(...(await seriousViolations(page, 'inspect network')));
  expect(found).toEqual([]);
});
