// Playwright end-to-end tests: the production build, served by a plain static server under a sub-path, in Debian's Chromium.
import { defineConfig } from '@playwright/test';
import { CHROMIUM_LAUNCH } from './test/e2e/chromium.ts';

// DRYDOCK_E2E_PORT: another port, so that two checkouts can run their end-to-end tests at once.
const PORT = Number(process.env.DRYDOCK_E2E_PORT ?? 4317);
/** A sub-path, because the app must work from any static host at any base path. */
const BASE_PATH = '/drydock/e2e/';
// DRYDOCK_E2E_NO_BUILD=1 reuses an existing dist/ (quicker when only the tests changed).
const build = process.env.DRYDOCK_E2E_NO_BUILD ? '' : 'npm run build && ';

export default defineConfig({
  testDir: 'test/e2e',
  // Each test boots a real emulated machine; two cores cannot run several at once without skewing timeouts.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 60_000 },
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}${BASE_PATH}`,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1200, height: 760 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: CHROMIUM_LAUNCH,
  },
  webServer: {
    command: `${build}tsx test/e2e/serve-dist.ts --port ${PORT} --base ${BASE_PATH}`,
    url: `http://127.0.0.1:${PORT}${BASE_PATH}`,
    reuseExistingServer: false,
    timeout: 300_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
