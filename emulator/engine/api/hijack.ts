// Hijacked requests, transport-independent: dockerd's attach and exec start answer `101 UPGRADED` and then use the
// raw connection both ways. Here the router keeps its (Request) => Response shape: the client's bytes after the
// response headers ride along with the request (`withHijackedInput`), the response body carries the streams, and a
// transport (node-backends/node-http-adapter.ts for a socket; a MessagePort later in the browser) joins the two.

/** Content types of an attach or exec start stream (moby api/types: MediaTypeRawStream, MediaTypeMultiplexedStream). */
export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

const inputs = new WeakMap<Request, ReadableStream<Uint8Array>>();

/** Marks a request as hijacked: `input` is what the client sends after the response headers (its stdin), ending at its half-close. */
export function withHijackedInput(request: Request, input: ReadableStream<Uint8Array>): Request {
  inputs.set(request, input);
  return request;
}

/** The client's input of a hijacked request; undefined for a plain request (nothing to read after the body). */
export function hijackedInput(request: Request): ReadableStream<Uint8Array> | undefined {
  return inputs.get(request);
}

/** A response that takes the connection over (the transport answers 101 and copies its body raw): attach or exec streams. */
export function isStreamResponse(response: Response): boolean {
  const type = response.headers.get('Content-Type') ?? '';
  return response.status === 200 && (type === RAW_STREAM || type === MULTIPLEXED_STREAM);
}

/** Calls `each` for every chunk of `input` until it ends (the client's half-close) or `signal` aborts; then `end`. */
export async function pumpInput(input: ReadableStream<Uint8Array>, each: (chunk: Uint8Array) => Promise<void>, signal?: AbortSignal): Promise<'eof' | 'aborted'> {
  const reader = input.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return signal?.aborted ? 'aborted' : 'eof';
      if (value.length) await each(value);
    }
  } catch {
    return 'aborted';
  } finally {
    signal?.removeEventListener('abort', stop);
    reader.releaseLock();
  }
}
