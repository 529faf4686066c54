// Vite build for the drydock web app: Svelte UI in web/, emulator workers as ES modules, public/guest/ as static files.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
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

/** The <drydock-lab> element's script, at the root of the build (web/embed/README.md). */
const EMBED_SCRIPT = 'drydock-lab';

const EMBED_DEMO_SOURCE = 'web/embed/embed.html';

/**
 * `embed.html`, a demo docs page, copied as it is: it loads `./drydock-lab.js` as any docs page would. Were it a Vite
 * input, the element's code would move into a shared chunk under assets/, where its `import.meta.url` no longer
 * names the build's root. The dev server sends the script's name to its source.
 */
function embedDemoPage(): Plugin {
  let outDir = 'dist';
  return {
    name: 'drydock:embed-demo-page',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    // before the offline manifest (portServiceWorker), which lists every file of dist/
    writeBundle: {
      order: 'post',
      sequential: true,
      async handler() {
        await copyFile(EMBED_DEMO_SOURCE, join(outDir, 'embed.html'));
      },
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        if (path === '/embed.html') {
          readFile(EMBED_DEMO_SOURCE, 'utf8').then(
            (html) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(html),
            (error: unknown) => next(error),
          );
        } else if (path === `/${EMBED_SCRIPT}.js`) {
          res.writeHead(302, { Location: '/web/embed/drydock-lab.ts' }).end();
        } else next();
      });
    },
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
  plugins: [svelte(), gzipFilesAsBytes(), embedDemoPage(), portServiceWorker()],
  worker: {
    // ES module workers, so a worker can use import() and share chunks with code splitting.
    format: 'es',
  },
  build: {
    target: 'es2022',
    // The guest snapshot and the v86 wasm are large by nature; the warning is noise here.
    chunkSizeWarningLimit: 2048,
    rolldownOptions: {
      onLog: quietV86NodeImports,
      // The app, the embedded lab (framed by <drydock-lab>) and the element's script.
      input: { main: 'index.html', lab: 'lab.html', [EMBED_SCRIPT]: 'web/embed/drydock-lab.ts' },
      output: {
        // Docs pages load the element by a name that stays put across deployments: `<base>drydock-lab.js`.
        entryFileNames: (chunk) => (chunk.name === EMBED_SCRIPT ? `${EMBED_SCRIPT}.js` : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: {
    // Other helpers' build caches are large and change often; the dev server need not watch them.
    watch: { ignored: ['**/emulator/guest/.build/**', '**/emulator/image-build/.build/**', '**/test-results/**'] },
  },
});
