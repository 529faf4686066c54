// Serves public/registry as a read-only Distribution API with the headers real clients need (dev middleware + CLI).

import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What skopeo 1.9 needed (measured against this registry): GET /v2/ must answer 200 (any body),
 * and a manifest's Content-Type must be its own mediaType; with application/octet-stream it
 * falls back to Docker schema 1 and fails with "unsupported schema version 2". It did not need
 * Docker-Distribution-API-Version or Docker-Content-Digest; we send them because Docker's
 * clients and the distribution-spec expect them.
 */
const NAME = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*';
const ROUTE = new RegExp(`^/v2/(?:(_catalog)|(${NAME})/(tags/list|manifests/([^/]+)|blobs/(sha256:[a-f0-9]{64})))$`);

type Next = (error?: unknown) => void;

/** A Connect-style middleware (Vite's `server.middlewares.use`) answering /v2/... under `mount`. */
export function registryMiddleware(root: string, mount = '') {
  const base = resolve(root);
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const url = new URL(req.url ?? '/', 'http://registry');
    if (!url.pathname.startsWith(`${mount}/v2`)) return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') return error(res, 405, 'UNSUPPORTED', 'this registry is read-only');
    const path = url.pathname.slice(mount.length);
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    if (path === '/v2' || path === '/v2/') return send(req, res, 200, 'application/json', Buffer.from('{}'));
    const match = ROUTE.exec(path);
    if (!match) return error(res, 404, 'NOT_FOUND', `no such path ${path}`);
    const file = join(base, path);
    // Symlinked blobs resolve into blobs/sha256/; anything resolving outside the registry is refused.
    if (!existsSync(file) || !realpathSync(file).startsWith(realpathSync(base) + sep)) {
      const code = match[4] ? 'MANIFEST_UNKNOWN' : match[5] ? 'BLOB_UNKNOWN' : 'NAME_UNKNOWN';
      return error(res, 404, code, `${path.slice(4)} not found`);
    }
    if (match[5]) {
      res.setHeader('Docker-Content-Digest', match[5]);
      return stream(req, res, file, 'application/octet-stream');
    }
    const bytes = readFileSync(file);
    if (match[4]) {
      res.setHeader('Docker-Content-Digest', `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
      return send(req, res, 200, (JSON.parse(bytes.toString('utf8')) as { mediaType: string }).mediaType, bytes);
    }
    return send(req, res, 200, 'application/json', bytes);
  };
}

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function stream(req: IncomingMessage, res: ServerResponse, file: string, type: string): void {
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': statSync(file).size });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

/** distribution-spec error body. */
function error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = Buffer.from(JSON.stringify({ errors: [{ code, message }] }));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

// `tsx emulator/image-build/registry-server.ts [--port N]`: serves /v2/ at the root (what docker-style
// clients such as skopeo expect) and under /registry/v2/ (where the app's files live).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/registry');
  const at = process.argv.indexOf('--port');
  const port = at === -1 ? 5001 : Number(process.argv[at + 1]);
  const atRoot = registryMiddleware(root);
  const underRegistry = registryMiddleware(root, '/registry');
  createServer((req, res) =>
    atRoot(req, res, () => underRegistry(req, res, () => error(res, 404, 'NOT_FOUND', 'not a registry path'))),
  ).listen(port, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${port}/v2/\n`));
}
