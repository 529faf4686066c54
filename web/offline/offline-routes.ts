// Which requests the service worker answers from its caches: a pure function of the request and the worker's scope,
// so that the routing is tested without a browser.
import { isPrecached, offlineUrl, registryBlobDigest } from './offline-manifest.ts';

export type OfflineRoute =
  /** A file of the build: this version's precache, else the network (never stored: the precache is the version). */
  | { kind: 'app'; key: string }
  /** A registry blob, named by its digest: the blob cache (one key per digest, whichever path asked), else the network,
   *  kept once its digest is checked. */
  | { kind: 'blob'; key: string; digest: string }
  /** Not for the caches: other origins, other methods, published ports, the worker script and the manifest. */
  | { kind: 'pass' };

export interface RoutedRequest {
  url: string;
  method: string;
  mode: RequestMode;
}

const PASS: OfflineRoute = { kind: 'pass' };

export function offlineRoute(request: RoutedRequest, scope: URL): OfflineRoute {
  if (request.method !== 'GET') return PASS;
  const url = new URL(request.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return PASS;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname.slice(scope.pathname.length));
  } catch {
    return PASS;
  }
  if (path === 'ports' || path.startsWith('ports/')) return PASS;
  const navigate = request.mode === 'navigate';
  // A page's address may carry a query (`?embed`) that the file does not depend on; other files are asked plainly.
  if (url.search && !navigate) return PASS;
  if (navigate && (path === '' || path.endsWith('/'))) path += 'index.html';
  const digest = registryBlobDigest(path);
  if (digest) return { kind: 'blob', key: blobKey(digest, scope), digest };
  return isPrecached(path) ? { kind: 'app', key: offlineUrl(path, scope) } : PASS;
}

/** The blob cache's key for a digest: its path in the registry's OCI layout. */
export function blobKey(digest: string, scope: URL): string {
  return offlineUrl(`registry/blobs/sha256/${digest.replace(/^sha256:/, '')}`, scope);
}
