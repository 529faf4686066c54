// Plain static server for dist/ under a sub-path, behaving like a static host (gzip, max-age=600, ETag); for e2e and bench.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  // instantiateStreaming insists on this type.
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Types that static hosts compress on the fly (GitHub Pages, Netlify, Cloudflare); the zstd snapshot is not among them. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.wasm', '.txt']);

export interface ServeOptions {
  /** Directory to serve (the Vite build output). */
  root: string;
  /** URL path the app is mounted at; must start and end with "/". */
  basePath?: string;
  port?: number;
  host?: string;
}

export interface ServedApp {
  /** The app's URL, e.g. http://127.0.0.1:4317/some/sub/path/ */
  url: string;
  close(): Promise<void>;
}

export async function serveDist(options: ServeOptions): Promise<ServedApp> {
  const root = resolve(options.root);
  const basePath = options.basePath ?? '/';
  if (!basePath.startsWith('/') || !basePath.endsWith('/')) throw new Error(`basePath must start and end with "/": ${basePath}`);
  const host = options.host ?? '127.0.0.1';
  const gzipped = new Map<string, Buffer>();

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      if (!url.pathname.startsWith(basePath)) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`Not found (the app lives under ${basePath})\n`);
        return;
      }
      let relative = decodeURIComponent(url.pathname.slice(basePath.length));
      if (relative === '' || relative.endsWith('/')) relative += 'index.html';
      const file = normalize(join(root, relative));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end();
        return;
      }
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
        return;
      }
      // Validators and a short max-age, like common static hosts (GitHub Pages sends max-age=600).
      const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      const headers = {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'max-age=600',
        // GitHub Pages (and Cloudflare Pages) send it on every file: a docs page elsewhere may load drydock-lab.js,
        // a module script, which the browser fetches with CORS.
        'Access-Control-Allow-Origin': '*',
        ETag: etag,
        'Last-Modified': info.mtime.toUTCString(),
      };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers).end();
        return;
      }
      if (COMPRESSIBLE.has(extname(file)) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        const key = `${file}\0${etag}`;
        let body = gzipped.get(key);
        if (!body) gzipped.set(key, (body = gzipSync(await readFile(file))));
        res.writeHead(200, { ...headers, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding', 'Content-Length': String(body.length) });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Length': String(info.size) });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      createReadStream(file).pipe(res);
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  return {
    url: `http://${host}:${address.port}${basePath}`,
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((ok, fail) => server.close((error) => (error ? fail(error) : ok())));
}

// Command line: tsx test/e2e/serve-dist.ts [--port N] [--base /path/] [--root dist]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const served = await serveDist({
    root: arg('root') ?? 'dist',
    basePath: arg('base') ?? '/',
    port: Number(arg('port') ?? 4317),
  });
  console.log(`Serving ${arg('root') ?? 'dist'} at ${served.url}`);
}
