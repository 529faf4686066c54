// Without WebAssembly the page explains itself instead of failing silently.
import { expect, test } from './fixtures.ts';

test('a browser without WebAssembly gets a clear static page', async ({ page }) => {
  await page.addInitScript(() => {
    // @ts-expect-error: simulating a browser with WebAssembly turned off
    delete globalThis.WebAssembly;
  });
  await page.goto('./');
  await expect(page.getByRole('heading', { name: 'This browser cannot run drydock' })).toBeVisible();
  await expect(page.getByText(/needs a browser with WebAssembly/)).toBeVisible();
  await expect(page.getByRole('region', { name: 'Terminal' })).toHaveCount(0);
});
