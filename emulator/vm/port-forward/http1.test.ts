import { describe, expect, it } from 'vitest';
import { HttpParseError, MAX_HEAD_BYTES, ResponseParser, serializeRequest, withoutHopByHop, type ResponseEvent } from './http1.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Feeds `raw` in pieces of `step` bytes and collects head, body text and whether it ended. */
function parse(raw: string | Uint8Array, method = 'GET', step = 7, eof = false) {
  const bytes = typeof raw === 'string' ? enc(raw) : raw;
  const parser = new ResponseParser(method);
  const events: ResponseEvent[] = [];
  for (let i = 0; i < bytes.length; i += step) events.push(...parser.push(bytes.slice(i, i + step)));
  if (eof) events.push(...parser.finish());
  const head = events.find((e) => e.type === 'head');
  const body = events.flatMap((e) => (e.type === 'data' ? [dec(e.bytes)] : [])).join('');
  return { head: head?.type === 'head' ? head : undefined, body, ended: events.some((e) => e.type === 'end'), parser };
}

describe('serializeRequest', () => {
  it('sets Host, Connection: close and Content-Length, and drops hop-by-hop fields', () => {
    const bytes = serializeRequest(
      {
        method: 'POST',
        target: '/cgi-bin/form?x=1',
        headers: [
          ['Host', 'example.org'],
          ['Content-Type', 'application/x-www-form-urlencoded'],
          ['Connection', 'keep-alive, X-Drop'],
          ['X-Drop', '1'],
          ['Keep-Alive', 'timeout=5'],
          ['Transfer-Encoding', 'chunked'],
          ['Content-Length', '99'],
          ['Accept', 'text/html'],
        ],
      },
      'localhost:8080',
      enc('a=1&b=2'),
    );
    expect(dec(bytes)).toBe(
      'POST /cgi-bin/form?x=1 HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Accept: text/html\r\nContent-Length: 7\r\nConnection: close\r\n\r\na=1&b=2',
    );
  });

  it('sends Content-Length: 0 for a body-less POST and none for GET', () => {
    expect(dec(serializeRequest({ method: 'POST', target: '/', headers: [] }, 'h'))).toContain('Content-Length: 0\r\n');
    expect(dec(serializeRequest({ method: 'GET', target: '/', headers: [] }, 'h'))).not.toContain('Content-Length');
  });

  it('refuses request smuggling through fields, methods and targets', () => {
    expect(() => serializeRequest({ method: 'GET', target: '/', headers: [['X', 'a\r\nEvil: 1']] }, 'h')).toThrow(HttpParseError);
    expect(() => serializeRequest({ method: 'GET /x', target: '/', headers: [] }, 'h')).toThrow(HttpParseError);
    expect(() => serializeRequest({ method: 'GET', target: '/a b', headers: [] }, 'h')).toThrow(HttpParseError);
    expect(() => serializeRequest({ method: 'GET', target: 'http://x/', headers: [] }, 'h')).toThrow(HttpParseError);
  });
});

describe('withoutHopByHop', () => {
  it('keeps end-to-end fields in order', () => {
    expect(
      withoutHopByHop([
        ['Content-Type', 'text/html'],
        ['Connection', 'close'],
        ['Transfer-Encoding', 'chunked'],
        ['Set-Cookie', 'a=1'],
        ['Upgrade', 'h2c'],
      ]),
    ).toEqual([
      ['Content-Type', 'text/html'],
      ['Set-Cookie', 'a=1'],
    ]);
  });
});

describe('ResponseParser', () => {
  it('reads a Content-Length body in any pieces and ignores bytes after it', () => {
    for (const step of [1, 3, 1000]) {
      const r = parse('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhelloEXTRA', 'GET', step);
      expect(r.head?.head).toEqual({ status: 200, statusText: 'OK', headers: [['Content-Type', 'text/plain'], ['Content-Length', '5']] });
      expect(r.body).toBe('hello');
      expect(r.ended).toBe(true);
    }
  });

  it('decodes a chunked body with extensions and trailers', () => {
    for (const step of [1, 2, 5, 1000]) {
      const r = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n', 'GET', step);
      expect(r.body).toBe('hello, world');
      expect(r.ended).toBe(true);
    }
  });

  it('reads a close-delimited body until the connection ends', () => {
    const r = parse('HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<p>one</p><p>two</p>', 'GET', 4, true);
    expect(r.body).toBe('<p>one</p><p>two</p>');
    expect(r.ended).toBe(true);
  });

  it('knows HEAD, 204 and 304 have no body, whatever Content-Length says', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n', 'HEAD')).toMatchObject({ ended: true, body: '', head: { hasBody: false } });
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n')).toMatchObject({ ended: true, head: { hasBody: false } });
    expect(parse('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 10\r\n\r\n')).toMatchObject({ ended: true, head: { hasBody: false } });
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).toMatchObject({ ended: true, head: { hasBody: false } });
  });

  it('skips 100 Continue and 103 Early Hints before the final response', () => {
    const r = parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok');
    expect(r.head?.head.status).toBe(201);
    expect(r.body).toBe('ok');
  });

  it('accepts bare LF line endings and folded fields from lax servers', () => {
    const r = parse('HTTP/1.1 200 OK\nX-Long: a\n  b\nContent-Length: 2\n\nhi');
    expect(r.head?.head.headers).toEqual([['X-Long', 'a b'], ['Content-Length', '2']]);
    expect(r.body).toBe('hi');
  });

  it('treats a non-chunked Transfer-Encoding as close-delimited (RFC 9112 6.3)', () => {
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nabcdef', 'GET', 3, true).body).toBe('abcdef');
  });

  it('says what went wrong with a broken response', () => {
    expect(() => parse('SSH-2.0-OpenSSH\r\n\r\n')).toThrow(/not an HTTP\/1.x response/);
    expect(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n')).toThrow(/invalid Content-Length/);
    expect(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'GET', 7, true)).toThrow('after 3 of 10 body bytes');
    expect(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toThrow(/invalid chunk size/);
    expect(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc')).toThrow(/longer than its size/);
    expect(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n', 'GET', 7, true)).toThrow(/before the last chunk/);
    expect(() => parse('', 'GET', 7, true)).toThrow('without sending a response');
    expect(() => parse('HTTP/1.1 101 Switching Protocols\r\n\r\n')).toThrow(/switched protocols/);
  });

  it('refuses an endless header instead of buffering it', () => {
    const parser = new ResponseParser('GET');
    parser.push(enc('HTTP/1.1 200 OK\r\n'));
    expect(() => {
      for (let i = 0; i < 100; i++) parser.push(enc(`X-Flood: ${'a'.repeat(1000)}\r\n`));
    }).toThrow(`larger than ${MAX_HEAD_BYTES} bytes`);
  });

  it('passes a large body through without copying it into one buffer', () => {
    const body = new Uint8Array(2 * 1024 * 1024).fill(0x61);
    const parser = new ResponseParser('GET');
    parser.push(enc(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`));
    let total = 0;
    let ended = false;
    for (let i = 0; i < body.length; i += 536) {
      for (const e of parser.push(body.subarray(i, i + 536))) {
        if (e.type === 'data') total += e.bytes.length;
        if (e.type === 'end') ended = true;
      }
    }
    expect(total).toBe(body.length);
    expect(ended).toBe(true);
  });
});
