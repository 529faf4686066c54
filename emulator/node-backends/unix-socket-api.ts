// An EngineApi that forwards each Request to a Docker Engine API on a unix socket (engine:serve, or a real
// dockerd): lets the drydock CLI run in Node against the same engine the stock docker CLI talks to.
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import type { EngineApi } from '../engine/api/engine-api.ts';

export function unixSocketApi(socketPath: string): EngineApi {
  return async (request) => {
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => (headers[key] = value));
    return new Promise<Response>((resolve, reject) => {
      const req = httpRequest({ socketPath, path: `${url.pathname}${url.search}`, method: request.method, headers }, (res) => {
        const status = res.statusCode ?? 500;
        const out = new Headers();
        for (const [key, value] of Object.entries(res.headers)) if (typeof value === 'string') out.set(key, value);
        const noBody = status === 204 || status === 304 || (status >= 100 && status < 200) || request.method === 'HEAD';
        if (noBody) res.resume();
        // Streamed, so pull progress arrives as it happens.
        resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, headers: out }));
      });
      req.on('error', reject);
      request.signal.addEventListener('abort', () => req.destroy(), { once: true });
      req.end(body);
    });
  };
}
