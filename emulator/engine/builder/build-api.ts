// `POST /build` and `POST /build/prune` of the Engine API. Docker's query parameters (t, dockerfile, buildargs,
// nocache, target, q); the context is named by its guest path in `context` (drydock: the CLI and the engine share
// the guest, so no tar is uploaded). Progress events travel as `{"id":"moby.buildkit.trace","aux":<event>}`
// (JSON, where dockerd sends protobuf), the result as `{"id":"moby.image.id","aux":{"ID":...}}`.
import { apiPath } from '../api/route-request.ts';
import { errorResponse, jsonResponse } from '../api/http-errors.ts';
import type { ContentStore } from '../store/content-store.ts';
import { EngineError } from '../errors.ts';
import type { GuestFs } from '../overlay/guest-fs.ts';
import type { ImageStore } from '../images/image-store.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { buildArgs } from '../api/docker-types.ts';
import { decodeGoJson, GoJsonError } from '../api/go-json.ts';
import { build, type BuildOptions } from './build.ts';
import type { BuildCache } from './cache.ts';
import { guestContextSource } from './context-source.ts';
import type { BuildEvent } from './progress.ts';

export interface BuildApiDeps {
  images: ImageStore;
  content: ContentStore;
  cache: BuildCache;
  guest: () => GuestExec | undefined;
  fs: () => GuestFs | undefined;
  shareMount: string;
}

const truthy = (v: string | null) => v !== null && v !== '' && v !== '0' && v !== 'false';

/** Docker's `buildargs` (a JSON object; null = unset) as ordered pairs, refused as dockerd refuses them. */
function buildArgsOf(raw: string | null): [string, string][] {
  if (!raw) return [];
  let parsed: Record<string, string | null> | null | undefined;
  try {
    parsed = decodeGoJson(raw, buildArgs, { unmarshal: true });
  } catch (e) {
    if (e instanceof GoJsonError) throw new EngineError('INVALID_ARGUMENT', `error reading build args: ${e.message}`);
    throw e;
  }
  return Object.entries(parsed ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string');
}

export function createBuildApi(deps: BuildApiDeps): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const url = new URL(request.url);
    const path = apiPath(url);
    if (request.method.toUpperCase() !== 'POST') return undefined;
    if (path === '/build/prune') {
      const { keys, bytes } = await deps.cache.prune();
      // BuildKit's cache record IDs are 25 characters; the keys' hex stands in for them.
      return jsonResponse({ CachesDeleted: keys.length > 0 ? keys.map((k) => k.replace(/^sha256:/, '').slice(0, 25)) : null, SpaceReclaimed: bytes });
    }
    if (path !== '/build') return undefined;
    const q = url.searchParams;
    const guest = deps.guest();
    const fs = deps.fs();
    if (!guest || !fs) throw new EngineError('CONFLICT', 'the machine is not running, so nothing can be built now');
    const context = q.get('context');
    if (!context) {
      throw new EngineError('NOT_IMPLEMENTED', 'drydock builds a context named by its guest path (the `context` query parameter); an uploaded tar context is not supported yet');
    }
    const dockerfile = q.get('dockerfile');
    const options: BuildOptions = {
      tags: q.getAll('t').filter(Boolean),
      buildArgs: buildArgsOf(q.get('buildargs')),
      noCache: truthy(q.get('nocache')),
      ...(q.get('target') ? { target: q.get('target') as string } : {}),
    };
    let source;
    try {
      source = await guestContextSource(guest, fs, deps.shareMount, { context, ...(dockerfile ? { dockerfile } : {}) });
    } catch (e) {
      return errorResponse(e);
    }
    const encoder = new TextEncoder();
    // The build stops when the client goes (the request's signal: ^C or a killed `docker build` closes the shim's
    // session; a closed socket for engine:serve) or stops reading (the body is cancelled).
    const abort = new AbortController();
    let cancelled = false;
    if (request.signal.aborted) abort.abort();
    else request.signal.addEventListener('abort', () => abort.abort(), { once: true });
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        // Once the reader has cancelled, the stream takes nothing more (enqueue would throw).
        const send = (value: unknown) => cancelled || c.enqueue(encoder.encode(`${JSON.stringify(value)}\r\n`));
        const end = () => cancelled || c.close();
        const emit = (aux: BuildEvent) => send({ id: 'moby.buildkit.trace', aux });
        build({ images: deps.images, content: deps.content, cache: deps.cache, fs, guest, shareMount: deps.shareMount }, source, { ...options, signal: abort.signal }, emit).then(
          (id) => {
            send({ id: 'moby.image.id', aux: { ID: id } });
            end();
          },
          (e: unknown) => {
            const message = e instanceof Error ? e.message : String(e);
            send({ errorDetail: { message }, error: message });
            end();
          },
        );
      },
      cancel() {
        cancelled = true;
        abort.abort();
      },
    });
    return new Response(body, { headers: { 'Content-Type': 'application/json' } });
  };
}
