// HTTP/1.1 over a raw byte stream: the request a preview sends into the guest, and an incremental response parser
// (RFC 9112: status line, fields, then a body delimited by Content-Length, chunked coding or the connection's close).

/** A request as the preview forwards it: the path is the one the guest's server sees (no `/ports/N` prefix). */
export interface HttpRequestHead {
  method: string;
  /** origin-form: `/index.html?x=1` */
  target: string;
  /** field lines in order; names as the browser gave them */
  headers: [string, string][];
}

export interface HttpResponseHead {
  status: number;
  statusText: string;
  headers: [string, string][];
}

export type ResponseEvent =
  | { type: 'head'; head: HttpResponseHead; /** whether a body follows (false for HEAD, 204, 304) */ hasBody: boolean }
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'end' };

export class HttpParseError extends Error {
  override name = 'HttpParseError';
}

/** Connection-specific fields (RFC 9110 7.6.1): they describe one hop, so they are not passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export function isHopByHop(name: string, connectionTokens: ReadonlySet<string> = new Set()): boolean {
  const lower = name.toLowerCase();
  return HOP_BY_HOP.has(lower) || connectionTokens.has(lower);
}

/** The fields a hop removes: the fixed list plus any named in its Connection field. */
export function withoutHopByHop(headers: readonly [string, string][]): [string, string][] {
  const tokens = new Set(
    headers
      .filter(([name]) => name.toLowerCase() === 'connection')
      .flatMap(([, value]) => value.split(','))
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
  return headers.filter(([name]) => !isHopByHop(name, tokens));
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The request's bytes: the browser's fields minus hop-by-hop ones, `Host` set to what the server would see from a
 * browser on the machine's own host (`localhost:8080`), one request per connection (`Connection: close`), and a
 * Content-Length for the body.
 */
export function serializeRequest(request: HttpRequestHead, host: string, body?: Uint8Array): Uint8Array {
  if (!TOKEN.test(request.method)) throw new HttpParseError(`invalid method ${JSON.stringify(request.method)}`);
  if (!request.target.startsWith('/') || /[\s\x00-\x1f\x7f]/.test(request.target)) {
    throw new HttpParseError(`invalid request target ${JSON.stringify(request.target)}`);
  }
  const lines = [`${request.method} ${request.target} HTTP/1.1`, `Host: ${host}`];
  for (const [name, value] of withoutHopByHop(request.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-length') continue;
    if (!TOKEN.test(name) || /[\r\n\x00]/.test(value)) throw new HttpParseError(`invalid header field ${JSON.stringify(name)}`);
    lines.push(`${name}: ${value}`);
  }
  if (body && body.length > 0) lines.push(`Content-Length: ${body.length}`);
  else if (!['GET', 'HEAD', 'OPTIONS', 'DELETE', 'TRACE'].includes(request.method.toUpperCase())) lines.push('Content-Length: 0');
  lines.push('Connection: close', '', '');
  const head = new TextEncoder().encode(lines.join('\r\n'));
  if (!body || body.length === 0) return head;
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** Bytes kept while waiting for the end of a status line and its fields, or of a chunk-size line. */
export const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;

type BodyState =
  | { kind: 'head' }
  | { kind: 'length'; remaining: number }
  | { kind: 'close' }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; remaining: number }
  | { kind: 'chunk-crlf' }
  | { kind: 'trailers' }
  | { kind: 'done' };

/** Parses one response (after any 1xx interim ones) fed in arbitrary pieces; push() returns what became known. */
export class ResponseParser {
  private buffer: Uint8Array = new Uint8Array(0);
  private state: BodyState = { kind: 'head' };
  private received = 0;
  private expected = 0;
  private readonly headRequest: boolean;

  constructor(method: string) {
    this.headRequest = method.toUpperCase() === 'HEAD';
  }

  get done(): boolean {
    return this.state.kind === 'done';
  }

  push(bytes: Uint8Array): ResponseEvent[] {
    if (this.state.kind === 'done') {
      // A server that says more than it framed: nothing after the end is part of this response.
      return [];
    }
    const events: ResponseEvent[] = [];
    this.buffer = this.buffer.length === 0 ? bytes : concat(this.buffer, bytes);
    for (;;) {
      const before = this.buffer.length;
      const state: BodyState = this.state;
      this.step(events);
      const after = this.state as BodyState; // step() changed it; TypeScript still narrows from above
      if (after.kind === 'done' || (this.buffer.length === before && after.kind === state.kind)) break;
    }
    return events;
  }

  /** The connection ended (the server's FIN). */
  finish(): ResponseEvent[] {
    switch (this.state.kind) {
      case 'done':
        return [];
      case 'close':
        this.state = { kind: 'done' };
        return [{ type: 'end' }];
      case 'head':
        throw new HttpParseError(
          this.buffer.length === 0 ? 'the server closed the connection without sending a response' : 'the server closed the connection in the middle of the response header',
        );
      case 'length':
        throw new HttpParseError(`the server closed the connection after ${this.received} of ${this.expected} body bytes (Content-Length)`);
      default:
        throw new HttpParseError('the server closed the connection before the last chunk of a chunked body');
    }
  }

  private step(events: ResponseEvent[]): void {
    const state = this.state;
    switch (state.kind) {
      case 'head': {
        const end = findHeadEnd(this.buffer);
        if (end === null) {
          if (this.buffer.length > MAX_HEAD_BYTES) throw new HttpParseError(`the response header is larger than ${MAX_HEAD_BYTES} bytes`);
          return;
        }
        const text = new TextDecoder('latin1').decode(this.buffer.subarray(0, end.headEnd));
        this.buffer = this.buffer.subarray(end.bodyStart);
        const head = parseHead(text);
        // 1xx are interim (100 Continue, 103 Early Hints): the final response follows on the same connection.
        if (head.status >= 100 && head.status < 200) {
          if (head.status === 101) throw new HttpParseError('the server switched protocols (101); the preview speaks HTTP/1.1 only');
          return;
        }
        const framing = this.framing(head);
        events.push({ type: 'head', head, hasBody: framing.kind !== 'done' });
        this.state = framing;
        if (framing.kind === 'done') events.push({ type: 'end' });
        return;
      }
      case 'length': {
        if (this.buffer.length === 0) return;
        const take = Math.min(state.remaining, this.buffer.length);
        events.push({ type: 'data', bytes: this.buffer.subarray(0, take) });
        this.buffer = this.buffer.subarray(take);
        this.received += take;
        if (take === state.remaining) {
          this.state = { kind: 'done' };
          events.push({ type: 'end' });
        } else {
          this.state = { kind: 'length', remaining: state.remaining - take };
        }
        return;
      }
      case 'close': {
        if (this.buffer.length === 0) return;
        events.push({ type: 'data', bytes: this.buffer });
        this.buffer = new Uint8Array(0);
        return;
      }
      case 'chunk-size': {
        const eol = this.buffer.indexOf(0x0a);
        if (eol < 0) {
          if (this.buffer.length > MAX_CHUNK_LINE) throw new HttpParseError('a chunk-size line is too long');
          return;
        }
        const line = new TextDecoder('latin1').decode(this.buffer.subarray(0, eol)).replace(/\r$/, '');
        this.buffer = this.buffer.subarray(eol + 1);
        const size = /^([0-9a-fA-F]+)[ \t]*(?:;.*)?$/.exec(line);
        if (!size) throw new HttpParseError(`invalid chunk size ${JSON.stringify(line.slice(0, 40))}`);
        const n = parseInt(size[1] as string, 16);
        if (!Number.isSafeInteger(n)) throw new HttpParseError('chunk size too large');
        this.state = n === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', remaining: n };
        return;
      }
      case 'chunk-data': {
        if (this.buffer.length === 0) return;
        const take = Math.min(state.remaining, this.buffer.length);
        events.push({ type: 'data', bytes: this.buffer.subarray(0, take) });
        this.buffer = this.buffer.subarray(take);
        this.state = take === state.remaining ? { kind: 'chunk-crlf' } : { kind: 'chunk-data', remaining: state.remaining - take };
        return;
      }
      case 'chunk-crlf': {
        if (this.buffer.length === 0) return;
        if (this.buffer[0] === 0x0a) this.buffer = this.buffer.subarray(1);
        else if (this.buffer[0] === 0x0d) {
          if (this.buffer.length < 2) return;
          if (this.buffer[1] !== 0x0a) throw new HttpParseError('a chunk is not followed by CRLF');
          this.buffer = this.buffer.subarray(2);
        } else throw new HttpParseError('a chunk is longer than its size says');
        this.state = { kind: 'chunk-size' };
        return;
      }
      case 'trailers': {
        // Trailer fields are read and dropped: a Response made in the page has no place for them.
        const eol = this.buffer.indexOf(0x0a);
        if (eol < 0) {
          if (this.buffer.length > MAX_HEAD_BYTES) throw new HttpParseError('the trailer section is too large');
          return;
        }
        const line = this.buffer.subarray(0, eol);
        this.buffer = this.buffer.subarray(eol + 1);
        if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) {
          this.state = { kind: 'done' };
          events.push({ type: 'end' });
        }
        return;
      }
      case 'done':
        return;
    }
  }

  /** RFC 9112 6.3: how the body's length is known. */
  private framing(head: HttpResponseHead): BodyState {
    if (this.headRequest || head.status === 204 || head.status === 304) return { kind: 'done' };
    const field = (name: string) => head.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
    const codings = field('transfer-encoding')
      .flatMap((v) => v.split(','))
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean);
    if (codings.length > 0) {
      // chunked must be the last coding; any other coding means the body runs until the connection closes
      return codings[codings.length - 1] === 'chunked' && codings.length === 1 ? { kind: 'chunk-size' } : { kind: 'close' };
    }
    const lengths = [...new Set(field('content-length').flatMap((v) => v.split(',')).map((v) => v.trim()))];
    if (lengths.length === 0) return { kind: 'close' };
    if (lengths.length > 1 || !/^\d+$/.test(lengths[0] as string)) throw new HttpParseError(`invalid Content-Length ${JSON.stringify(field('content-length').join(', '))}`);
    const n = Number(lengths[0]);
    if (!Number.isSafeInteger(n)) throw new HttpParseError('Content-Length too large');
    this.expected = n;
    return n === 0 ? { kind: 'done' } : { kind: 'length', remaining: n };
  }
}

/** Where the header section ends: CRLFCRLF, or LFLF from a lax server. */
function findHeadEnd(bytes: Uint8Array): { headEnd: number; bodyStart: number } | null {
  for (let i = 0; i < bytes.length - 1; i++) {
    if (bytes[i] !== 0x0a) continue;
    const headEnd = i > 0 && bytes[i - 1] === 0x0d ? i - 1 : i;
    if (bytes[i + 1] === 0x0a) return { headEnd, bodyStart: i + 2 };
    if (bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a) return { headEnd, bodyStart: i + 3 };
  }
  return null;
}

function parseHead(text: string): HttpResponseHead {
  const lines = text.split(/\r?\n/);
  const statusLine = lines.shift() ?? '';
  const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!status) throw new HttpParseError(`not an HTTP/1.x response: ${JSON.stringify(statusLine.slice(0, 60))}`);
  const headers: [string, string][] = [];
  for (const line of lines) {
    if (line === '') continue;
    // obs-fold (a line starting with whitespace continues the previous field), RFC 9112 5.2
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1] as [string, string];
      last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw new HttpParseError(`invalid header line ${JSON.stringify(line.slice(0, 60))}`);
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  return { status: Number(status[1]), statusText: status[2] ?? '', headers };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
