// Vite build for the drydock web app: Svelte UI in web/, emulator workers as ES modules, public/guest/ as static files.
import { defineConfig, type Rollup } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/** v86's module has a Node branch (fs, crypto, perf_hooks) it never takes in a browser; Vite's notice about it is noise. */
function quietV86NodeImports(level: Rollup.LogLevel, log: Rollup.RollupLog, handler: Rollup.LogOrStringHandler): void {
  if (/externalized for browser compatibility, imported by ".*\/v86\/build\//.test(log.message)) return;
  handler(level, log);
}

export default defineConfig({
  // Relative base: the built dist/ works from any static host under any sub-path.
  base: './',
  // No SPA fallback: a missing file (say, public/guest/manifest.json before the guest is built) is a 404, not index.html.
  appType: 'mpa',
  plugins: [svelte()],
  worker: {
    // ES module workers, so a worker can use import() and share chunks with code splitting.
    format: 'es',
  },
  build: {
    target: 'es2022',
    // The guest snapshot and the v86 wasm are large by nature; the warning is noise here.
    chunkSizeWarningLimit: 2048,
    rolldownOptions: { onLog: quietV86NodeImports },
  },
  server: {
    // Other helpers' build caches are large and change often; the dev server need not watch them.
    watch: { ignored: ['**/emulator/guest/.build/**', '**/emulator/images/.build/**', '**/test-results/**'] },
  },
});
