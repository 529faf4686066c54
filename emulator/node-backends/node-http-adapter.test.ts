// The Node adapter's hijack: an Upgrade request gets `101 UPGRADED`, its body (Content-Length) reaches the handler
// as the request body, what the client sends after it is the hijacked input, its half-close ends that input while
// the output keeps flowing; an error answer is a plain response on a closing connection.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hijackedInput, MULTIPLEXED_STREAM } from '../engine/api/hijack.ts';
import { nodeHandler, nodeUpgradeHandler } from './node-http-adapter.ts';

const encoder = new TextEncoder();

/** echoes the request body, then the hijacked input upper-cased, then `bye` once the input has ended */
async function handler(request: Request): Promise<Response> {
  if (!request.url.endsWith('/echo')) return new Response(JSON.stringify({ message: 'No such container: x' }), { status: 404, headers: { 'Content-Type': 'application/json' } });
  const body = await request.text();
  const input = hijackedInput(request);
  const out = new ReadableStream<Uint8Array>({
    async start(c) {
      c.enqueue(encoder.encode(`body=${body};`));
      const reader = (input as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        c.enqueue(encoder.encode(new TextDecoder().decode(value).toUpperCase()));
      }
      c.enqueue(encoder.encode(';bye'));
      c.close();
    },
  });
  return new Response(out, { headers: { 'Content-Type': MULTIPLEXED_STREAM } });
}

describe('nodeUpgradeHandler', () => {
  let dir: string;
  let socket: string;
  let server: Server;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-upgrade-'));
    socket = join(dir, 's.sock');
    server = createServer(nodeHandler(handler));
    server.on('upgrade', nodeUpgradeHandler(handler));
    await new Promise<void>((ok) => server.listen(socket, ok));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends `request`, then each of `after` once the answer's headers are in, then half-closes; the whole answer. */
  function talk(path: string, body: string, after: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = connect(socket);
      let text = '';
      let sent = false;
      s.on('data', (d: Buffer) => {
        text += d.toString();
        if (!sent && text.includes('\r\n\r\n')) {
          sent = true;
          for (const a of after) s.write(a);
          s.end();
        }
      });
      s.on('end', () => resolve(text));
      s.on('error', reject);
      s.write(`POST ${path} HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
  }

  it('answers 101 with the stream type, passes the body, the input until the half-close, then the rest of the output', async () => {
    const answer = await talk('/v1.43/echo', '{"Detach":false}', ['abc', 'def']);
    const [head, rest] = answer.split('\r\n\r\n');
    expect(head).toBe(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${MULTIPLEXED_STREAM}\r\nConnection: Upgrade\r\nUpgrade: tcp`);
    expect(rest).toBe('body={"Detach":false};ABCDEF;bye');
  });

  it('an error is a plain response with its status and message', async () => {
    const answer = await talk('/v1.43/nope', '', []);
    expect(answer).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(answer).toContain('content-type: application/json\r\n');
    expect(answer.endsWith('\r\n\r\n{"message":"No such container: x"}')).toBe(true);
  });
});
