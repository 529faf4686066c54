// Serves a web-standard `(Request) => Promise<Response>` handler with Node's http server: requests in,
// responses streamed out chunk by chunk (pull progress must reach the client as it happens).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

export type FetchHandler = (request: Request) => Promise<Response>;

export function nodeHandler(handler: FetchHandler, onRequest?: (method: string, url: string, status: number) => void) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const method = req.method ?? 'GET';
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
    }
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const request = new Request(`http://engine${req.url ?? '/'}`, {
      method,
      headers,
      signal: abort.signal,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
    } as RequestInit);
    let response: Response;
    try {
      response = await handler(request);
    } catch (e) {
      response = new Response(JSON.stringify({ message: e instanceof Error ? e.message : String(e) }), { status: 500, headers: { 'Content-Type': 'application/json' } });
    }
    onRequest?.(method, req.url ?? '/', response.status);
    const out: Record<string, string> = {};
    response.headers.forEach((value, key) => (out[key] = value));
    res.writeHead(response.status, out);
    if (!response.body || method === 'HEAD') {
      await response.body?.cancel();
      res.end();
      return;
    }
    // headers out now, as dockerd flushes them: a client may wait for them before its next request (the docker
    // CLI's `run -d` sends start once its wait request has been answered)
    res.flushHeaders();
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value)) await new Promise((resolve) => res.once('drain', resolve));
      }
    } catch {
      // the client went away; the handler's stream was cancelled through the request signal
    } finally {
      res.end();
    }
  };
}
