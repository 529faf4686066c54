/// <reference lib="webworker" />
// The service worker's offline part (port-sw.ts calls it): precaches this version's build on install, answers the
// app's requests from it, keeps registry blobs on first fetch, and drops older versions' caches once it takes over.
// A version is all or nothing: its cache is marked complete (the manifest stored last) before the worker may activate,
// and the page keeps the version its worker had until the learner reloads into the next one (app-update.svelte.ts).
import { OFFLINE_MANIFEST_FILE, offlineUrl, parseOfflineManifest, type OfflineFile, type OfflineManifest } from './offline-manifest.ts';
import { blobKey, offlineRoute } from './offline-routes.ts';

const APP_CACHE_PREFIX = 'drydock-app-';
/** Registry blobs by digest: shared by all versions (a digest never changes), pruned to the active build's blobs. */
export const BLOB_CACHE = 'drydock-blobs';
/** Files fetched at once while precaching: a static host's usual limit per connection pool. */
const PRECACHE_PARALLEL = 6;
/** Stored with each precached response, so the next version reuses an unchanged file instead of downloading it. */
const DIGEST_HEADER = 'X-Drydock-Sha256';

export function appCacheName(version: string): string {
  return `${APP_CACHE_PREFIX}${version}`;
}

function isQuotaError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'QuotaExceededError';
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function forEachAtMost<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane));
}

export class OfflineCache {
  /** null: a build without an offline manifest (the dev server): every request goes to the network. */
  readonly #version: string | null;
  readonly #scope: () => URL;
  #complete = false;

  constructor(version: string | null, scope: () => URL) {
    this.#version = version;
    this.#scope = scope;
  }

  /**
   * The install step. An update that cannot precache fails, so the version in use stays whole and the browser tries
   * again on a later visit; a first install never fails (the worker also serves previews): it works online only.
   * A full storage quota never fails it either: the app then works online, with an error in the console.
   */
  async install(updating: boolean): Promise<void> {
    if (this.#version === null) return;
    try {
      await this.#precache(this.#version);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      if (isQuotaError(error)) {
        console.error(`drydock: the browser's storage for this site is full; this version works online only (${why})`);
        await caches.delete(appCacheName(this.#version));
        return;
      }
      if (updating) throw new Error(`drydock: the new version was not installed, the current one stays: ${why}`);
      console.error(`drydock: this version is not available offline, it works online (${why})`);
    }
  }

  async #precache(version: string): Promise<void> {
    const scope = this.#scope();
    const manifestUrl = offlineUrl(OFFLINE_MANIFEST_FILE, scope);
    const cache = await caches.open(appCacheName(version));
    if (await cache.match(manifestUrl)) return;
    const response = await fetch(manifestUrl, { cache: 'no-store' });
    if (!response.ok) throw new Error(`${OFFLINE_MANIFEST_FILE}: HTTP ${response.status}`);
    const manifest = parseOfflineManifest(await response.json());
    // The host has another deployment's list (an upload in progress, a stale CDN edge): precache nothing half-way.
    if (manifest.version !== version) throw new Error(`${OFFLINE_MANIFEST_FILE} is version ${manifest.version}, this worker is ${version}`);
    await forEachAtMost(manifest.precache, PRECACHE_PARALLEL, async (file) => {
      const url = offlineUrl(file.path, scope);
      if (await cache.match(url)) return; // put by an earlier attempt that did not finish: entries are checked before
      await cache.put(url, (await this.#fromOlderVersion(url, file, version)) ?? (await fetchChecked(url, file)));
    });
    // Stored last: the mark that this version's cache is complete.
    await cache.put(manifestUrl, new Response(JSON.stringify(manifest), { headers: { 'Content-Type': 'application/json' } }));
  }

  async #fromOlderVersion(url: string, file: OfflineFile, version: string): Promise<Response | undefined> {
    for (const name of await caches.keys()) {
      if (!name.startsWith(APP_CACHE_PREFIX) || name === appCacheName(version)) continue;
      const old = await (await caches.open(name)).match(url);
      if (old?.headers.get(DIGEST_HEADER) === file.sha256) return old;
    }
    return undefined;
  }

  /** The activate step: this version is in use; older versions' caches and blobs no build of it has go. */
  async activate(): Promise<void> {
    if (this.#version === null) return;
    const current = appCacheName(this.#version);
    for (const name of await caches.keys()) {
      if (name.startsWith(APP_CACHE_PREFIX) && name !== current) await caches.delete(name);
    }
    const manifest = await this.#manifest();
    if (!manifest) return;
    const scope = this.#scope();
    const wanted = new Set(manifest.blobs.map((digest) => blobKey(digest, scope)));
    const blobs = await caches.open(BLOB_CACHE);
    for (const request of await blobs.keys()) {
      if (!wanted.has(request.url)) await blobs.delete(request);
    }
  }

  async #manifest(): Promise<OfflineManifest | null> {
    if (this.#version === null) return null;
    const stored = await (await caches.open(appCacheName(this.#version))).match(offlineUrl(OFFLINE_MANIFEST_FILE, this.#scope()));
    return stored ? parseOfflineManifest(await stored.json()) : null;
  }

  /** The answer to `event` when it is an app file or a blob (from the caches, else the network), else null. */
  respond(event: FetchEvent): Promise<Response> | null {
    if (this.#version === null) return null;
    const route = offlineRoute(event.request, this.#scope());
    if (route.kind === 'app') return this.#appFile(event.request, route.key, this.#version);
    if (route.kind === 'blob') return this.#blob(event, route.key, route.digest);
    return null;
  }

  async #appFile(request: Request, key: string, version: string): Promise<Response> {
    const cache = await caches.open(appCacheName(version));
    if (!this.#complete) this.#complete = (await cache.match(offlineUrl(OFFLINE_MANIFEST_FILE, this.#scope()))) !== undefined;
    // An incomplete cache is not this version: the network answers everything, as without a service worker.
    const hit = this.#complete ? await cache.match(key) : undefined;
    return hit ?? fetch(request);
  }

  async #blob(event: FetchEvent, key: string, digest: string): Promise<Response> {
    const blobs = await caches.open(BLOB_CACHE);
    const hit = await blobs.match(key);
    if (hit) return hit;
    const response = await fetch(event.request);
    if (response.status === 200) event.waitUntil(keepBlob(blobs, key, digest, response.clone()));
    return response;
  }
}

/**
 * A precached file, checked against the manifest (a half-uploaded host fails here). The HTTP cache first: on a first
 * visit the page has just downloaded the guest and the assets, and bad wifi should not carry them twice; a stale
 * copy from an earlier deployment (max-age) fails the check and is fetched again past the HTTP cache.
 */
async function fetchChecked(url: string, file: OfflineFile): Promise<Response> {
  let found = '';
  for (const cache of ['default', 'no-cache'] as const) {
    const response = await fetch(url, { cache });
    if (!response.ok) throw new Error(`${file.path}: HTTP ${response.status}`);
    const bytes = await response.arrayBuffer();
    if (bytes.byteLength === file.size && (await sha256Hex(bytes)) === file.sha256) {
      const type = response.headers.get('Content-Type') ?? 'application/octet-stream';
      return new Response(bytes, { headers: { 'Content-Type': type, 'Content-Length': String(bytes.byteLength), [DIGEST_HEADER]: file.sha256 } });
    }
    found = `${bytes.byteLength} bytes, ${file.size} listed`;
  }
  throw new Error(`${file.path} on the host is not the file of this version (${found})`);
}

/** Keeps a blob the engine pulled, once its bytes match its digest; storage errors are reported, never thrown. */
async function keepBlob(blobs: Cache, key: string, digest: string, response: Response): Promise<void> {
  try {
    const bytes = await response.arrayBuffer();
    if (`sha256:${await sha256Hex(bytes)}` !== digest) {
      console.error(`drydock: registry blob ${digest} arrived with other bytes; not kept for offline use`);
      return;
    }
    const type = response.headers.get('Content-Type') ?? 'application/octet-stream';
    await blobs.put(key, new Response(bytes, { headers: { 'Content-Type': type, 'Content-Length': String(bytes.byteLength) } }));
  } catch (error) {
    const why = isQuotaError(error) ? "the browser's storage for this site is full" : (error as Error).message;
    console.error(`drydock: registry blob ${digest} is not kept for offline use: ${why}`);
  }
}
