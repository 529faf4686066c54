// Vitest projects: fast unit tests (pure logic, fakes allowed) and integration tests against the real guest in v86.
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  // Svelte's compiler for `*.svelte.ts` state classes tested from web/.
  plugins: [svelte()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['emulator/**/*.test.ts', 'web/**/*.test.ts', 'test/unit/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'emulator/guest/.build/**', 'emulator/image-build/.build/**'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          // Each file boots or restores its own guest; v86 is single-threaded, and `npm test` runs the Playwright suite
          // beside this project (test:machine), so each gets one of the 2 cores.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
