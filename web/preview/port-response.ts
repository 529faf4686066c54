// The service worker's end of a port request: PortResponseMessages from the machine's worker turned into a fetch
// Response whose body streams (asking the worker for more as it is read), or a failure the page explains.
import type { PortErrorCode, PortReaderMessage, PortResponseMessage } from '../../emulator/protocol.ts';
import type { BridgeMessage } from './port-bridge-messages.ts';

export interface PortFailure {
  code: PortErrorCode | 'DECLINED';
  status: number;
  message: string;
}

export type PortOutcome = { response: Response } | { failure: PortFailure };

/** Statuses whose responses have no body (Fetch: null body status), and 1xx that a Response cannot carry. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export interface ReadOptions {
  /** the page must answer (accepted/declined) within this, else it is taken as declined */
  acceptTimeoutMs: number;
  /** the response header must arrive within this once accepted (the worker has its own, shorter, bounds) */
  headTimeoutMs: number;
  /** rewrites a redirect's Location (the preview's address in place of the guest server's own) */
  location?: (value: string) => string;
}

/** Reads one response from `port`; a body stream errors if the worker reports a failure mid-body. */
export function responseFromPort(port: MessagePort, options: ReadOptions): Promise<PortOutcome> {
  return new Promise<PortOutcome>((resolve) => {
    let settled = false;
    let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
    let wake: (() => void) | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const send = (message: PortReaderMessage) => port.postMessage(message);
    const settle = (outcome: PortOutcome) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const fail = (failure: PortFailure) => {
      settle({ failure });
      port.close();
    };
    timer = setTimeout(() => fail({ code: 'DECLINED', status: 503, message: 'the page with the machine did not answer' }), options.acceptTimeoutMs);

    port.onmessage = (event: MessageEvent<PortResponseMessage | BridgeMessage>) => {
      const message = event.data;
      switch (message.type) {
        case 'accepted':
          clearTimeout(timer);
          timer = setTimeout(
            () => fail({ code: 'TIMEOUT', status: 504, message: 'the machine sent no response in time' }),
            options.headTimeoutMs,
          );
          return;
        case 'declined':
          fail({ code: 'DECLINED', status: 503, message: message.reason });
          return;
        case 'head': {
          if (message.status < 200 || message.status > 599) {
            send({ type: 'cancel' });
            fail({ code: 'BAD_RESPONSE', status: 502, message: `the server answered with status ${message.status}, which a browser cannot show` });
            return;
          }
          const { headers, decode } = responseHeaders(message.headers, options.location);
          const hasBody = message.hasBody && !NULL_BODY.has(message.status);
          let body: ReadableStream<Uint8Array> | null = null;
          if (hasBody) {
            body = new ReadableStream<Uint8Array>(
              {
                start: (c) => void (controller = c),
                // Each pull is room in the queue: the worker may post another window of bytes.
                pull: () =>
                  new Promise<void>((resolve) => {
                    wake = resolve;
                    send({ type: 'more' });
                  }),
                cancel: () => {
                  controller = null;
                  send({ type: 'cancel' });
                  port.close();
                },
              },
              new ByteLengthQueuingStrategy({ highWaterMark: 256 * 1024 }),
            );
            if (decode) body = body.pipeThrough(new DecompressionStream(decode) as unknown as TransformStream<Uint8Array, Uint8Array>);
          } else {
            port.close();
          }
          settle({ response: new Response(body, { status: message.status, statusText: message.statusText, headers }) });
          return;
        }
        case 'body':
          controller?.enqueue(message.bytes);
          wake?.();
          wake = null;
          return;
        case 'end':
          controller?.close();
          controller = null;
          wake?.();
          port.close();
          return;
        case 'error':
          if (controller) {
            controller.error(new Error(message.message));
            controller = null;
            port.close();
          } else if (settled) {
            port.close();
          } else {
            fail({ code: message.code, status: message.status, message: message.message });
          }
          return;
      }
    };
    port.start();
  });
}

/**
 * The guest's fields for a Response made in the service worker. The browser does not decode the body of such a
 * Response, so gzip and deflate are decoded here (and the fields that describe the coded body dropped); fields a
 * Response may not carry (Set-Cookie) or cannot hold are left out.
 */
function responseHeaders(fields: [string, string][], location?: (value: string) => string): { headers: Headers; decode: CompressionFormat | null } {
  const coding = fields.find(([n]) => n.toLowerCase() === 'content-encoding')?.[1].trim().toLowerCase();
  const decode: CompressionFormat | null = coding === 'gzip' || coding === 'x-gzip' ? 'gzip' : coding === 'deflate' ? 'deflate' : null;
  const headers = new Headers();
  for (const [name, value] of fields) {
    const lower = name.toLowerCase();
    if (decode && (lower === 'content-encoding' || lower === 'content-length')) continue;
    try {
      headers.append(name, lower === 'location' && location ? location(value) : value);
    } catch {
      // a value the Headers class refuses (bytes outside Latin-1): dropped rather than failing the response
    }
  }
  return { headers, decode };
}
