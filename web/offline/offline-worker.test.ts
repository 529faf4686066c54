// The service worker's offline cache against an in-memory CacheStorage and a fake host: what is kept, when a version
// is complete, what an update, a half-uploaded host and a full quota do.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildOfflineManifest, type OfflineManifest } from './offline-manifest.ts';
import { appCacheName, BLOB_CACHE, OfflineCache } from './offline-worker.ts';

const SCOPE = new URL('http://h/base/');
const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const keyOf = (request: RequestInfo | URL) => (typeof request === 'string' ? request : request instanceof URL ? request.href : request.url);

class MemoryCache {
  readonly entries = new Map<string, Response>();
  failPut: Error | null = null;
  async match(request: RequestInfo | URL) {
    return this.entries.get(keyOf(request))?.clone();
  }
  async put(request: RequestInfo | URL, response: Response) {
    if (this.failPut) throw this.failPut;
    const body = await response.arrayBuffer();
    this.entries.set(keyOf(request), new Response(body, { status: response.status, headers: response.headers }));
  }
  async keys() {
    return [...this.entries.keys()].map((url) => new Request(url));
  }
  async delete(request: RequestInfo | URL) {
    return this.entries.delete(keyOf(request));
  }
}

class MemoryCacheStorage {
  readonly stores = new Map<string, MemoryCache>();
  failPuts: Error | null = null;
  async open(name: string) {
    let cache = this.stores.get(name);
    if (!cache) this.stores.set(name, (cache = new MemoryCache()));
    cache.failPut = this.failPuts;
    return cache;
  }
  async keys() {
    return [...this.stores.keys()];
  }
  async delete(name: string) {
    return this.stores.delete(name);
  }
}

/** A static host: path -> body; every fetch is counted. */
function host(files: Record<string, string>) {
  const fetched: string[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const url = keyOf(input);
    fetched.push(url.slice(SCOPE.href.length));
    const body = files[decodeURI(url.slice(SCOPE.href.length))];
    return body === undefined ? new Response('Not found', { status: 404 }) : new Response(body, { headers: { 'Content-Type': 'text/plain' } });
  });
  return { fetch, fetched };
}

function build(files: Record<string, string>): { manifest: OfflineManifest; served: Record<string, string> } {
  const manifest = buildOfflineManifest(Object.entries(files).map(([path, body]) => ({ path, size: Buffer.byteLength(body), sha256: hex(body) })));
  return { manifest, served: { ...files, 'offline-manifest.json': JSON.stringify(manifest) } };
}

function fetchEvent(path: string, mode: RequestMode = 'cors') {
  const pending: Promise<unknown>[] = [];
  const event = { request: { url: new URL(path, SCOPE).href, method: 'GET', mode } as Request, waitUntil: (p: Promise<unknown>) => void pending.push(p) };
  return { event: event as unknown as FetchEvent, settled: () => Promise.all(pending) };
}

const BLOB = 'a blob of busybox';
const FILES = { 'index.html': '<!doctype html>v1', 'assets/app.js': 'app v1', 'guest/state.bin.zst': 'snapshot', [`registry/blobs/sha256/${hex(BLOB)}`]: BLOB };

let storage: MemoryCacheStorage;
let errors: string[];
beforeEach(() => {
  storage = new MemoryCacheStorage();
  vi.stubGlobal('caches', storage);
  errors = [];
  vi.spyOn(console, 'error').mockImplementation((message: string) => void errors.push(message));
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('offline cache (service worker)', () => {
  it('precaches the list at install, then answers the app from it and keeps a blob on its first fetch', async () => {
    const { manifest, served } = build(FILES);
    const blobPath = `registry/v2/busybox/blobs/sha256:${hex(BLOB)}`;
    const { fetch, fetched } = host({ ...served, [blobPath]: BLOB });
    vi.stubGlobal('fetch', fetch);
    const offline = new OfflineCache(manifest.version, () => SCOPE);
    await offline.install(false);
    expect(fetched.sort()).toEqual(['assets/app.js', 'guest/state.bin.zst', 'index.html', 'offline-manifest.json']);
    expect([...storage.stores.get(appCacheName(manifest.version))!.entries.keys()]).toHaveLength(4);

    fetched.length = 0;
    const page = fetchEvent('./?lesson=1', 'navigate');
    expect(await (await offline.respond(page.event))!.text()).toBe('<!doctype html>v1');
    expect(await (await offline.respond(fetchEvent('assets/app.js').event))!.text()).toBe('app v1');
    expect(fetched).toEqual([]);

    const first = fetchEvent(blobPath);
    expect(await (await offline.respond(first.event))!.text()).toBe(BLOB);
    await first.settled();
    expect(await (await offline.respond(fetchEvent(`registry/blobs/sha256/${hex(BLOB)}`).event))!.text()).toBe(BLOB);
    expect(fetched).toEqual([blobPath]);
    expect(offline.respond(fetchEvent('ports/8080/').event)).toBeNull();
    expect(errors).toEqual([]);
  });

  it('takes a file from the HTTP cache, and past it when that copy is an earlier deployment\'s', async () => {
    const { manifest, served } = build(FILES);
    const modes: string[] = [];
    const fresh = host(served).fetch;
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
      if (keyOf(input).endsWith('index.html')) modes.push(init?.cache ?? 'default');
      // the browser's HTTP cache still holds the previous index.html (max-age)
      if (keyOf(input).endsWith('index.html') && init?.cache === 'default') return new Response('<!doctype html>v0');
      return fresh(input);
    });
    const offline = new OfflineCache(manifest.version, () => SCOPE);
    await offline.install(true);
    expect(modes).toEqual(['default', 'no-cache']);
    expect(await (await offline.respond(fetchEvent('index.html').event))!.text()).toBe('<!doctype html>v1');
  });

  it('does not keep a blob whose bytes are not its digest', async () => {
    const { manifest, served } = build(FILES);
    const wrong = `registry/blobs/sha256/${hex('other')}`;
    vi.stubGlobal('fetch', host({ ...served, [wrong]: 'tampered' }).fetch);
    const offline = new OfflineCache(manifest.version, () => SCOPE);
    await offline.install(false);
    const blob = fetchEvent(wrong);
    expect(await (await offline.respond(blob.event))!.text()).toBe('tampered');
    await blob.settled();
    expect(storage.stores.get(BLOB_CACHE)?.entries.size ?? 0).toBe(0);
    expect(errors).toEqual([`drydock: registry blob sha256:${hex('other')} arrived with other bytes; not kept for offline use`]);
  });

  it('a host with another version (half uploaded): a first install works online, an update is not installed', async () => {
    const { manifest, served } = build(FILES);
    const { fetch } = host({ ...served, 'index.html': 'v2 already' });
    vi.stubGlobal('fetch', fetch);
    const offline = new OfflineCache(manifest.version, () => SCOPE);
    await offline.install(false);
    expect(errors).toEqual([expect.stringContaining('this version is not available offline, it works online (index.html on the host is not the file of this version')]);
    // the incomplete cache is not used: the network answers
    expect(await (await offline.respond(fetchEvent('assets/app.js').event))!.text()).toBe('app v1');
    expect(fetch).toHaveBeenLastCalledWith(expect.objectContaining({ url: `${SCOPE.href}assets/app.js` }));

    const next = new OfflineCache('0123456789abcdef', () => SCOPE);
    await expect(next.install(true)).rejects.toThrow('the new version was not installed, the current one stays: offline-manifest.json is version');
  });

  it('a full quota: an error in the console, the version works online, its partial cache goes', async () => {
    const { manifest, served } = build(FILES);
    vi.stubGlobal('fetch', host(served).fetch);
    storage.failPuts = new DOMException('quota', 'QuotaExceededError');
    const offline = new OfflineCache(manifest.version, () => SCOPE);
    await offline.install(true);
    expect(errors).toEqual([expect.stringContaining("the browser's storage for this site is full; this version works online only")]);
    expect(await storage.keys()).not.toContain(appCacheName(manifest.version));
    expect(await (await offline.respond(fetchEvent('index.html').event))!.text()).toBe('<!doctype html>v1');
  });

  it('the next version reuses unchanged files, and on activate drops the old version and blobs no longer shipped', async () => {
    const v1 = build(FILES);
    vi.stubGlobal('fetch', host(v1.served).fetch);
    const first = new OfflineCache(v1.manifest.version, () => SCOPE);
    await first.install(false);
    await first.activate();
    const blob = fetchEvent(`registry/blobs/sha256/${hex(BLOB)}`);
    await first.respond(blob.event);
    await blob.settled();

    const { [`registry/blobs/sha256/${hex(BLOB)}`]: _gone, ...rest } = FILES;
    const v2 = build({ ...rest, 'index.html': '<!doctype html>v2' });
    const { fetch, fetched } = host(v2.served);
    vi.stubGlobal('fetch', fetch);
    const second = new OfflineCache(v2.manifest.version, () => SCOPE);
    await second.install(true);
    expect(fetched.sort()).toEqual(['index.html', 'offline-manifest.json']);
    // both versions until the new one takes over
    expect((await storage.keys()).sort()).toEqual([appCacheName(v1.manifest.version), appCacheName(v2.manifest.version), BLOB_CACHE].sort());
    await second.activate();
    expect((await storage.keys()).sort()).toEqual([appCacheName(v2.manifest.version), BLOB_CACHE].sort());
    expect(storage.stores.get(BLOB_CACHE)!.entries.size).toBe(0);
    expect(await (await second.respond(fetchEvent('./', 'navigate').event))!.text()).toBe('<!doctype html>v2');
  });

  it('caches nothing without a version (the dev server)', async () => {
    const offline = new OfflineCache(null, () => SCOPE);
    await offline.install(false);
    expect(offline.respond(fetchEvent('index.html').event)).toBeNull();
    expect(await storage.keys()).toEqual([]);
  });
});
