// The offline precache list written into the build (`offline-manifest.json`): which files the service worker keeps
// for use without a network, their digests, and a version that changes whenever any of them does.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Written at the base of the build, beside `index.html`; paths inside it are relative to that base. */
export const OFFLINE_MANIFEST_FILE = 'offline-manifest.json';
/** The service worker itself: the browser fetches it for updates, never through a fetch event. */
export const SERVICE_WORKER_FILE = 'port-sw.js';

/** One file of the build, by its path relative to the base ('/'-separated, as on disk). */
export interface OfflineFile {
  path: string;
  size: number;
  /** Lowercase hex SHA-256 of the bytes as stored (what a static host sends, before any HTTP compression). */
  sha256: string;
}

export interface OfflineManifest {
  /** Hash of the precache list: the service worker carries the same string, so a new list is a new worker. */
  version: string;
  /** Fetched and kept at install, before the worker takes over. */
  precache: OfflineFile[];
  /** Registry blobs in this build ("sha256:<hex>"): not precached (~65 MB), kept on first fetch; others are pruned. */
  blobs: string[];
}

// The static registry's content-addressed blobs, in its OCI layout and its Distribution API paths.
const OCI_BLOB = /^registry\/blobs\/sha256\/([0-9a-f]{64})$/;
const API_BLOB = /^registry\/v2\/.+\/blobs\/sha256:([0-9a-f]{64})$/;

/** The digest of a registry blob path ("registry/blobs/sha256/<hex>" or ".../blobs/sha256:<hex>"), else null. */
export function registryBlobDigest(path: string): string | null {
  const m = OCI_BLOB.exec(path) ?? API_BLOB.exec(path);
  return m ? `sha256:${m[1]}` : null;
}

/** Files of the build the worker keeps at install: everything but the blobs, the worker, the list itself, source maps. */
export function isPrecached(path: string): boolean {
  if (path === OFFLINE_MANIFEST_FILE || path === SERVICE_WORKER_FILE || path.endsWith('.map')) return false;
  if (path.split('/').some((segment) => segment.startsWith('.'))) return false;
  return registryBlobDigest(path) === null;
}

/** The manifest of a build's files (any order, blobs included): sorted, so the same build gives the same version. */
export function buildOfflineManifest(files: readonly OfflineFile[]): OfflineManifest {
  for (const f of files) {
    if (f.path.startsWith('/') || f.path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw new Error(`offline manifest: "${f.path}" is not a path relative to the build's base`);
    }
    if (!/^[0-9a-f]{64}$/.test(f.sha256)) throw new Error(`offline manifest: "${f.path}" has no SHA-256 hex digest`);
  }
  const precache = files.filter((f) => isPrecached(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const blobs = [...new Set(files.map((f) => registryBlobDigest(f.path)).filter((d): d is string => d !== null))].sort();
  const listing = precache.map((f) => `${f.sha256} ${f.size} ${f.path}\n`).join('') + blobs.map((d) => `${d}\n`).join('');
  return { version: bytesToHex(sha256(utf8ToBytes(listing))).slice(0, 16), precache, blobs };
}

/** Reads `offline-manifest.json` as fetched (untrusted shape): the manifest, or an error saying what is wrong. */
export function parseOfflineManifest(value: unknown): OfflineManifest {
  const fail = (what: string): never => {
    throw new Error(`${OFFLINE_MANIFEST_FILE}: ${what}`);
  };
  if (typeof value !== 'object' || value === null) fail('not a JSON object');
  const { version, precache, blobs } = value as Record<string, unknown>;
  if (typeof version !== 'string' || version === '') fail('no "version"');
  if (!Array.isArray(precache)) fail('no "precache" list');
  if (!Array.isArray(blobs) || !blobs.every((d) => typeof d === 'string')) fail('no "blobs" list');
  (precache as unknown[]).forEach((entry, i) => {
    const e = entry as Partial<OfflineFile> | null;
    if (typeof e?.path !== 'string' || typeof e.size !== 'number' || typeof e.sha256 !== 'string') fail(`precache[${i}] is not {path, size, sha256}`);
  });
  return { version: version as string, precache: precache as OfflineFile[], blobs: blobs as string[] };
}

/** A build path as a URL under the base (':' in "sha256:<hex>" stays as the registry client writes it). */
export function offlineUrl(path: string, base: URL | string): string {
  return new URL(`./${encodeURI(path)}`, base).href;
}
