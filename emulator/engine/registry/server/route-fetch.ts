// A fetch that answers some hosts in-process (the in-browser registry as `localhost:5000`) and sends
// everything else to the real fetch: no network, no service worker, the same code in Node and the browser.
import type { FetchLike } from '../registry-client.ts';
import type { RegistryHandler } from './registry-server.ts';

/** `{ 'localhost:5000': server.handle }`: requests to `http://localhost:5000/...` go to the handler. */
export function routeFetch(fallback: FetchLike, handlers: Record<string, RegistryHandler>): FetchLike {
  return async (input, init) => {
    const url = new URL(input);
    const handler = url.protocol === 'http:' ? handlers[url.host] : undefined;
    if (!handler) return fallback(input, init);
    init?.signal?.throwIfAborted();
    return handler(new Request(url, init));
  };
}
