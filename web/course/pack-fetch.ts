// Fetches a lesson pack from a static host (a folder with pack.json, or a .tar / .tar.gz) or reads one from a file,
// within PACK_LIMITS: gzip through the platform's DecompressionStream, tar through modern-tar (as the engine's layers).
import { unpackTar } from 'modern-tar';
import { PACK_LIMITS, PACK_MANIFEST, PackError, packFromEntries, parseManifest, type Pack, type PackEntry } from './pack.ts';

export interface PackFetchOptions {
  /** the app's static registry names (`busybox`, `busybox:latest`): a pack's start images must be among them */
  images: string[];
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

const ARCHIVE = /\.(tar|tar\.gz|tgz)$/i;

/** The name a pack's problems are reported under: the last part of its URL's path. */
export function packDisplayName(url: URL): string {
  const parts = url.pathname.split('/').filter((p) => p !== '');
  return decodeURIComponent(parts.at(-1) ?? url.host);
}

export async function fetchPack(href: string, options: PackFetchOptions): Promise<Pack> {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new PackError([{ file: href, line: 1, field: 'url', message: 'not an absolute URL (https://host/path/ of a folder, or of a .tar or .tar.gz)' }]);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new PackError([{ file: href, line: 1, field: 'url', message: `${url.protocol} URLs are not fetched; use http(s)` }]);
  const display = packDisplayName(url);
  const get = options.fetch ?? globalThis.fetch.bind(globalThis);
  // No cookies or credentials go to the pack's host; no referrer says who opened it.
  const load = async (target: URL, budget: number): Promise<Uint8Array> => {
    let response: Response;
    try {
      response = await get(target, { credentials: 'omit', referrerPolicy: 'no-referrer', ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      throw new PackError([{ file: target.href, line: 1, field: 'fetch', message: `could not fetch it (${(error as Error).message}); a pack's host must allow CORS` }]);
    }
    if (!response.ok) throw new PackError([{ file: target.href, line: 1, field: 'fetch', message: `the host answered ${response.status} ${response.statusText}`.trim() }]);
    return readLimited(response.body, budget, target.href);
  };

  if (ARCHIVE.test(url.pathname)) return packFromArchive(await load(url, PACK_LIMITS.bytes), { source: url.href, display, images: options.images });

  const base = new URL(url.href.endsWith('/') ? url.href : `${url.href}/`);
  const manifest = parseManifest(new TextDecoder().decode(await load(new URL(PACK_MANIFEST, base), PACK_LIMITS.bytes)), display);
  const entries: PackEntry[] = [];
  let budget = PACK_LIMITS.bytes;
  for (const path of manifest.files) {
    // Paths were checked (no `..`, not absolute): each segment encoded, the URL stays under the pack's folder.
    const data = await load(new URL(path.split('/').map(encodeURIComponent).join('/'), base), budget);
    budget -= data.length;
    entries.push({ path, type: 'file', data });
  }
  entries.push({ path: PACK_MANIFEST, type: 'file', data: new TextEncoder().encode(JSON.stringify(manifest)) });
  return packFromEntries(entries, { source: base.href, display, images: options.images });
}

/** A .tar or .tar.gz (gzip told by its magic bytes), from a download or a file the learner opened. */
export async function packFromArchive(bytes: Uint8Array, options: { source: string; display: string; images: string[] }): Promise<Pack> {
  if (bytes.length > PACK_LIMITS.bytes) throw tooBig(options.display);
  let tar: Uint8Array = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    try {
      tar = await readLimited(stream, PACK_LIMITS.bytes, options.display);
    } catch (error) {
      if (error instanceof PackError) throw error;
      throw new PackError([{ file: options.display, line: 1, field: 'gzip', message: `not a valid gzip file (${(error as Error).message})` }]);
    }
  }
  let entries: PackEntry[];
  try {
    entries = (await unpackTar(tar)).map((e) => ({ path: e.header.name, type: e.header.type ?? 'file', ...(e.data ? { data: e.data } : {}) }));
  } catch (error) {
    throw new PackError([{ file: options.display, line: 1, field: 'tar', message: `not a valid tar archive (${(error as Error).message})` }]);
  }
  return packFromEntries(entries, options);
}

function tooBig(what: string): PackError {
  return new PackError([{ file: what, line: 1, field: 'size', message: `more than ${PACK_LIMITS.bytes} bytes, more than a pack may have` }]);
}

/** Reads a body to its end, refusing it as soon as it passes `limit` bytes (a slow or endless host, a gzip bomb). */
async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number, what: string): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw tooBig(what);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
