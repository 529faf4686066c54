// Vite build for the drydock web app: Svelte UI in web/, emulator workers as ES modules, public/guest/ as static files.
import { writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { defineConfig, type Connect, type Plugin, type Rollup } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { rolldown } from 'rolldown';
import { SERVICE_WORKER_FILE } from './web/offline/offline-manifest.ts';
import { writeOfflineManifest } from './web/offline/offline-manifest-node.ts';

/** v86's module has a Node branch (fs, crypto, perf_hooks) it never takes in a browser; Vite's notice about it is noise. */
function quietV86NodeImports(level: Rollup.LogLevel, log: Rollup.RollupLog, handler: Rollup.LogOrStringHandler): void {
  if (/externalized for browser compatibility, imported by ".*\/v86\/build\//.test(log.message)) return;
  handler(level, log);
}

/**
 * Vite's static file server labels `*.gz` files `Content-Encoding: gzip`, so the browser would inflate the guest's
 * initramfs before the worker checks its digest. Static hosts serve such files as plain bytes; so do dev and preview.
 */
function gzipFilesAsBytes(): Plugin {
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    if (/\.(gz|br)(\?|$)/.test(req.url ?? '')) {
      const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
      res.writeHead = ((status: number, ...rest: unknown[]) => {
        for (const headers of rest) {
          if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
            const h = headers as Record<string, unknown>;
            delete h['Content-Encoding'];
            if (!h['Content-Type']) h['Content-Type'] = 'application/octet-stream';
          }
        }
        res.removeHeader('Content-Encoding');
        return writeHead(status, ...rest);
      }) as typeof res.writeHead;
    }
    next();
  };
  return {
    name: 'drydock:gzip-files-as-bytes',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

const PORT_SW_SOURCE = 'web/preview/port-sw.ts';
const PORT_SW_FILE = SERVICE_WORKER_FILE;

/**
 * The port service worker as one classic script (a service worker shares no chunks with the page). It carries the
 * offline manifest's version (null: no offline cache), so a new deployment is a new worker to the browser.
 */
async function bundlePortServiceWorker(minify: boolean, offlineVersion: string | null): Promise<string> {
  const bundle = await rolldown({
    input: PORT_SW_SOURCE,
    platform: 'browser',
    onLog: quietV86NodeImports,
    transform: { define: { __DRYDOCK_OFFLINE_VERSION__: JSON.stringify(offlineVersion) } },
  });
  try {
    const { output } = await bundle.generate({ format: 'iife', minify });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}

/**
 * `port-sw.js` at the root of the app (dist/ and the dev server): a service worker's scope can only be its own
 * folder or below, and the previews live at `<base>/ports/<port>/`. In a build it comes last, with
 * `offline-manifest.json` (web/offline/): both need every other file of dist/ written, public/ included.
 */
function portServiceWorker(): Plugin {
  let outDir = 'dist';
  return {
    name: 'drydock:port-service-worker',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    writeBundle: {
      order: 'post',
      sequential: true,
      async handler() {
        const manifest = await writeOfflineManifest(outDir);
        await writeFile(join(outDir, PORT_SW_FILE), await bundlePortServiceWorker(true, manifest.version));
      },
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (new URL(req.url ?? '/', 'http://x').pathname !== `/${PORT_SW_FILE}`) return next();
        bundlePortServiceWorker(false, null).then(
          (code) => res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' }).end(code),
          (error: unknown) => next(error),
        );
      });
    },
  };
}

export default defineConfig({
  // Relative base: the built dist/ works from any static host under any sub-path.
  base: './',
  // No SPA fallback: a missing file (say, public/guest/manifest.json before the guest is built) is a 404, not index.html.
  appType: 'mpa',
  plugins: [svelte(), gzipFilesAsBytes(), portServiceWorker()],
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
    watch: { ignored: ['**/emulator/guest/.build/**', '**/emulator/image-build/.build/**', '**/test-results/**'] },
  },
});
