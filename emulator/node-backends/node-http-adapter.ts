// Serves a web-standard `(Request) => Promise<Response>` handler with Node's http server: requests in,
// responses streamed out chunk by chunk (pull progress must reach the client as it happens), and hijacked
// requests (`Connection: Upgrade`, `Upgrade: tcp`: attach, exec start) answered `101 UPGRADED` with the raw socket.
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { isStreamResponse, withHijackedInput } from '../engine/api/hijack.ts';

export type FetchHandler = (request: Request) => Promise<Response>;

export function nodeHandler(handler: FetchHandler, onRequest?: (method: string, url: string, status: number) => void) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const method = req.method ?? 'GET';
    const headers = requestHeaders(req);
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const request = new Request(`http://engine${req.url ?? '/'}`, {
      method,
      headers,
      signal: abort.signal,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
    } as RequestInit);
    const response = await answer(handler, request);
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
    await pump(response.body.getReader(), res);
    res.end();
  };
}

/** The request's headers, less those of the connection itself (`skip`). */
function requestHeaders(req: IncomingMessage, skip: readonly string[] = []): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined || skip.includes(key)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  return headers;
}

/** The handler's response, or a 500 with its message when it throws (as a daemon answers an internal error). */
async function answer(handler: FetchHandler, request: Request): Promise<Response> {
  try {
    return await handler(request);
  } catch (e) {
    return new Response(JSON.stringify({ message: e instanceof Error ? e.message : String(e) }), { status: 500, headers: { 'Content-Type': 'application/json' } });
  }
}

/** Writes the body out as it comes, waiting for `drain` when the client reads slowly; ends quietly if it goes away. */
async function pump(reader: ReadableStreamDefaultReader<Uint8Array>, out: { write(chunk: Uint8Array): boolean; once(event: 'drain', listener: () => void): unknown }): Promise<void> {
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (!out.write(value)) await new Promise<void>((resolve) => out.once('drain', resolve));
    }
  } catch {
    // the client went away; the handler's stream was cancelled (the request's signal)
  }
}

/**
 * The server's `upgrade` listener: the request's body (Content-Length bytes: exec start's JSON) is read off the
 * socket, what the client sends after it becomes the request's hijacked input (its stdin, ended by its half-close),
 * and a stream response (attach, exec start) is answered as dockerd answers it: `101 UPGRADED`, then the body raw
 * on the socket, then our half-close. Any other response (an error) goes out as a plain response on a closing
 * connection, so the client reads the status and the message.
 */
export function nodeUpgradeHandler(handler: FetchHandler, onRequest?: (method: string, url: string, status: number) => void) {
  return (req: IncomingMessage, duplex: Duplex, head: Buffer): void => {
    void serveUpgrade(handler, req, duplex as Socket, head, onRequest).catch(() => duplex.destroy());
  };
}

async function serveUpgrade(handler: FetchHandler, req: IncomingMessage, socket: Socket, head: Buffer, onRequest?: (method: string, url: string, status: number) => void): Promise<void> {
  // the client's half-close ends its stdin; our side stays open for the output
  socket.allowHalfOpen = true;
  socket.setNoDelay?.(true);
  const abort = new AbortController();
  socket.on('close', () => abort.abort());
  socket.on('error', () => abort.abort());

  const length = Number(req.headers['content-length'] ?? 0) || 0;
  const bodyChunks: Buffer[] = [];
  let bodyBytes = 0;
  let gotBody!: () => void;
  const bodyRead = new Promise<void>((resolve) => (gotBody = resolve));
  if (length === 0) gotBody();

  let input!: ReadableStreamDefaultController<Uint8Array>;
  let inputOpen = true;
  const stdin = new ReadableStream<Uint8Array>(
    {
      start: (c) => void (input = c),
      pull: () => void socket.resume(),
      cancel: () => {
        inputOpen = false;
        socket.resume();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
  const feed = (chunk: Buffer) => {
    if (!inputOpen || chunk.length === 0) return;
    input.enqueue(new Uint8Array(chunk));
    if ((input.desiredSize ?? 1) <= 0) socket.pause();
  };
  const onData = (chunk: Buffer) => {
    if (bodyBytes < length) {
      const take = Math.min(length - bodyBytes, chunk.length);
      bodyChunks.push(chunk.subarray(0, take));
      bodyBytes += take;
      if (bodyBytes === length) gotBody();
      chunk = chunk.subarray(take);
    }
    feed(chunk);
  };
  const closeInput = () => {
    if (!inputOpen) return;
    inputOpen = false;
    input.close();
  };
  socket.on('data', onData);
  socket.on('end', () => {
    gotBody();
    closeInput();
  });
  abort.signal.addEventListener('abort', () => {
    gotBody();
    closeInput();
  });
  if (head.length) onData(head);
  await bodyRead;

  const method = req.method ?? 'POST';
  const headers = requestHeaders(req, ['content-length', 'connection', 'upgrade']);
  const hasBody = method !== 'GET' && method !== 'HEAD' && bodyBytes > 0;
  const request = withHijackedInput(
    new Request(`http://engine${req.url ?? '/'}`, { method, headers, signal: abort.signal, ...(hasBody ? { body: Buffer.concat(bodyChunks) } : {}) }),
    stdin,
  );
  const response = await answer(handler, request);
  onRequest?.(method, req.url ?? '/', isStreamResponse(response) ? 101 : response.status);
  if (!isStreamResponse(response) || !response.body) {
    const bytes = Buffer.from(await response.arrayBuffer());
    const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`];
    response.headers.forEach((value, key) => lines.push(`${key}: ${value}`));
    lines.push(`Content-Length: ${bytes.length}`, 'Connection: close');
    socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), bytes]));
    return;
  }
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${response.headers.get('Content-Type')}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  const reader = response.body.getReader();
  abort.signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
  await pump(reader, socket);
  // our half-close: the client sees the end of the output (it may still be sending, or done)
  if (!socket.destroyed) socket.end();
}
