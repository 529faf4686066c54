// One HTTP request from the page to a port of the guest: a TCP connection into the guest's eth0, the request
// written, the response parsed and streamed to the reader's MessagePort with flow control both ways.
import type { PortErrorCode, PortHttpRequest, PortReaderMessage, PortResponseMessage } from '../../protocol.ts';
import type { GuestTcpConnection } from '../guest-network.ts';
import { HttpParseError, ResponseParser, serializeRequest, withoutHopByHop, type ResponseEvent } from './http1.ts';

export interface ForwardLimits {
  /** no SYN-ACK (nor RST) from the guest within this: the machine is not answering */
  connectTimeoutMs: number;
  /** connected, request sent, no response header within this */
  responseTimeoutMs: number;
  /** no body bytes within this while the reader wants more */
  idleTimeoutMs: number;
  /** body bytes posted to the reader ahead of its `more` */
  windowBytes: number;
  /** buffered in the worker past this: the guest is told to stop sending (zero window) ... */
  pauseAtBytes: number;
  /** ... and told to go on once the buffer is down to this */
  resumeAtBytes: number;
  /** buffered past this in spite of the zero window: the response is dropped with an OVERFLOW error */
  maxBufferedBytes: number;
  /** the reader asked for nothing for this long: it is gone (its page closed); the connection is dropped */
  readerGoneMs: number;
}

export const DEFAULT_LIMITS: ForwardLimits = {
  connectTimeoutMs: 5_000,
  responseTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  windowBytes: 256 * 1024,
  pauseAtBytes: 512 * 1024,
  resumeAtBytes: 128 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  readerGoneMs: 120_000,
};

/** Largest body message: small TCP segments are merged so the reader gets few, larger chunks. */
const MAX_MESSAGE_BYTES = 64 * 1024;

export interface ForwardHandle {
  /** ends the exchange with a NO_MACHINE error (the machine restarted) */
  abort(message: string): void;
  /** settles when the exchange is over, whatever the outcome */
  readonly done: Promise<void>;
  /** bytes held in the worker now (for tests and the flood bound) */
  readonly bufferedBytes: number;
}

const STATUS: Record<PortErrorCode, number> = { REFUSED: 502, TIMEOUT: 504, BAD_RESPONSE: 502, OVERFLOW: 502, NO_MACHINE: 503 };

/**
 * Forwards `request` to the guest and streams the answer to `port`. The `Host` the server sees is
 * `localhost:<port>`, as from a browser on the machine's own host.
 */
export function forwardHttp(
  connect: (port: number) => GuestTcpConnection,
  request: PortHttpRequest,
  port: MessagePort,
  limits: ForwardLimits = DEFAULT_LIMITS,
): ForwardHandle {
  const queue: Uint8Array[] = [];
  let queued = 0;
  let credit = limits.windowBytes;
  let paused = false;
  let finished = false;
  let ended = false;
  let headSent = false;
  let flushScheduled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const parser = new ResponseParser(request.method);
  let conn: GuestTcpConnection | null = null;

  const post = (message: PortResponseMessage) => {
    if (message.type === 'body') port.postMessage(message, [message.bytes.buffer as ArrayBuffer]);
    else port.postMessage(message);
  };

  const arm = (ms: number, code: PortErrorCode, message: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(code, message), ms);
  };

  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    port.onmessage = null;
    queue.length = 0;
    queued = 0;
    resolveDone();
    // The port stays open a moment longer for messages already posted; the reader closes its end.
    queueMicrotask(() => port.close());
  };

  const fail = (code: PortErrorCode, message: string) => {
    if (finished) return;
    conn?.abort();
    // After the head, the reader's stream errors; before it, the page shows the message.
    post({ type: 'error', code, status: STATUS[code], message });
    finish();
  };

  const flush = () => {
    while (queue.length > 0 && credit > 0 && !finished) {
      // merge small segments into one message
      let size = 0;
      let count = 0;
      while (count < queue.length && size + (queue[count] as Uint8Array).length <= MAX_MESSAGE_BYTES) size += (queue[count++] as Uint8Array).length;
      if (count === 0) count = 1;
      const parts = queue.splice(0, count);
      // one buffer per message, since it is transferred (the parser hands out views that may share one)
      const bytes = concatAll(parts);
      queued -= bytes.length;
      credit -= bytes.length;
      post({ type: 'body', bytes });
    }
    if (paused && queued <= limits.resumeAtBytes && !finished) {
      paused = false;
      conn?.resume();
    }
    if (ended && queue.length === 0 && !finished) {
      post({ type: 'end' });
      conn?.close();
      finish();
      return;
    }
    if (finished) return;
    // Waiting on the guest (idle) or on the reader (gone?): a bound either way.
    if (credit > 0) arm(limits.idleTimeoutMs, 'TIMEOUT', `the server on port ${request.port} stopped sending its response for ${seconds(limits.idleTimeoutMs)}`);
    else {
      clearTimeout(timer);
      timer = setTimeout(() => {
        conn?.abort();
        finish();
      }, limits.readerGoneMs);
    }
  };

  const onEvents = (events: ResponseEvent[]) => {
    for (const event of events) {
      if (event.type === 'head') {
        headSent = true;
        const { status, statusText, headers } = event.head;
        post({ type: 'head', status, statusText, headers: withoutHopByHop(headers), hasBody: event.hasBody });
      } else if (event.type === 'data') {
        if (event.bytes.length === 0) continue;
        queue.push(event.bytes);
        queued += event.bytes.length;
      } else {
        ended = true;
      }
    }
    if (queued > limits.maxBufferedBytes) {
      fail('OVERFLOW', `the server on port ${request.port} sent more than ${limits.maxBufferedBytes / (1024 * 1024)} MB that the page had not read yet; the response was cut off`);
      return;
    }
    if (!paused && queued > limits.pauseAtBytes && !ended) {
      paused = true;
      conn?.pause();
    }
    // v86 hands over the segments of one slice of guest time one by one: they leave as one message after it.
    if (!flushScheduled) {
      flushScheduled = true;
      queueMicrotask(() => {
        flushScheduled = false;
        flush();
      });
    }
  };

  const parse = (step: () => ResponseEvent[]) => {
    if (finished) return;
    try {
      onEvents(step());
    } catch (error) {
      if (!(error instanceof HttpParseError)) throw error;
      fail('BAD_RESPONSE', `the server on port ${request.port} ${headSent ? 'broke off its response' : 'did not answer with HTTP'}: ${error.message}`);
    }
  };

  port.onmessage = (event: MessageEvent<PortReaderMessage>) => {
    if (finished) return;
    if (event.data.type === 'cancel') {
      conn?.abort();
      finish();
    } else if (event.data.type === 'more') {
      credit = limits.windowBytes;
      flush();
    }
  };
  port.start();

  let bytes: Uint8Array;
  try {
    bytes = serializeRequest({ method: request.method, target: request.target, headers: request.headers }, `localhost:${request.port}`, request.body);
  } catch (error) {
    fail('BAD_RESPONSE', `the request cannot be sent: ${(error as Error).message}`);
    return { abort: () => undefined, done, bufferedBytes: 0 };
  }

  try {
    conn = connect(request.port);
  } catch (error) {
    fail('NO_MACHINE', `the machine cannot open a connection: ${(error as Error).message}`);
    return { abort: () => undefined, done, bufferedBytes: 0 };
  }
  const c = conn;
  let connected = false;
  arm(limits.connectTimeoutMs, 'TIMEOUT', `the machine did not answer a connection to port ${request.port} within ${seconds(limits.connectTimeoutMs)}`);
  c.on('connect', () => {
    connected = true;
    c.write(bytes);
    arm(limits.responseTimeoutMs, 'TIMEOUT', `the server on port ${request.port} accepted the connection but sent no response within ${seconds(limits.responseTimeoutMs)}`);
  });
  c.on('data', (data) => parse(() => parser.push(data)));
  c.on('shutdown', () => {
    // The server is done sending (FIN): a close-delimited body ends here; we close our side too.
    parse(() => parser.finish());
    if (!finished && !parser.done) return;
    c.close();
  });
  c.on('close', () => {
    if (finished) return;
    if (!connected) {
      fail('REFUSED', `nothing listens on port ${request.port} of the machine (connection refused)`);
      return;
    }
    // A reset after a complete response (busybox httpd resets when it did not read a request body) ends it.
    parse(() => parser.finish());
    if (!finished && !parser.done && !ended) fail('BAD_RESPONSE', `the server on port ${request.port} reset the connection`);
  });

  return {
    abort: (message) => fail('NO_MACHINE', message),
    done,
    get bufferedBytes() {
      return queued;
    },
  };
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  const only = parts[0] as Uint8Array;
  if (parts.length === 1 && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) return only;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
