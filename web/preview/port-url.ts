// Which port of the machine a request is for: `<base>/ports/<port>/<path>` directly, or an absolute path (`/style.css`)
// asked by a page that itself lives under `<base>/ports/<port>/`. Used by the service worker (port-sw.ts).

export interface PortTarget {
  port: number;
  /** what the guest's server sees: path and query, without the `/ports/<port>` prefix */
  target: string;
}

/** `<scope>ports/<port>` followed by `/`, the end, `?` or `#`; a port is 1..65535 without leading zeros */
function match(url: URL, scope: URL): { port: number; rest: string } | null {
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return null;
  const m = /^ports\/([1-9][0-9]{0,4})(\/.*)?$/.exec(url.pathname.slice(scope.pathname.length));
  if (!m) return null;
  const port = Number(m[1]);
  if (port > 65535) return null;
  return { port, rest: m[2] ?? '' };
}

/** The port and guest path of a URL under `<scope>ports/<port>/`; `slash` when `/ports/8080` lacks its last `/`
 *  (a page's relative links need it: the caller redirects). */
export function portUrlTarget(url: URL, scope: URL): (PortTarget & { slash: boolean }) | null {
  const m = match(url, scope);
  if (!m) return null;
  return { port: m.port, target: `${m.rest || '/'}${url.search}`, slash: m.rest === '' };
}

/** The port a page's own URL is under, if any (a preview page, or the referrer of its requests). */
export function portOfPage(pageUrl: string | undefined, scope: URL): number | undefined {
  if (!pageUrl) return undefined;
  let url: URL;
  try {
    url = new URL(pageUrl);
  } catch {
    return undefined;
  }
  return match(url, scope)?.port;
}

/** Whether a page is one of the app's own (under the scope, not a preview): its requests are the app's. */
export function isAppPage(pageUrl: string | undefined, scope: URL): boolean {
  if (!pageUrl) return false;
  try {
    const url = new URL(pageUrl);
    return url.origin === scope.origin && url.pathname.startsWith(scope.pathname) && match(url, scope) === null;
  } catch {
    return false;
  }
}

/** A same-origin request from a preview page of `port` that is not itself under `<scope>ports/`: an absolute path
 *  on the guest's server (`fetch('/api')` -> port's `/api`). */
export function absolutePathTarget(url: URL, scope: URL, port: number): PortTarget | null {
  if (url.origin !== scope.origin || match(url, scope)) return null;
  return { port, target: `${url.pathname}${url.search}` };
}

/**
 * A redirect's Location as the preview must follow it: the guest's server names itself `localhost:<port>` (the Host
 * it was sent; nginx's directory redirects are absolute) or gives an absolute path, both of which mean the preview's
 * own address. Relative references and other hosts are left as they are.
 */
export function previewLocation(location: string, scope: URL, port: number): string {
  if (location.startsWith('//')) return location;
  if (location.startsWith('/')) return portUrl(scope, port, location);
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return location; // relative: resolved against the preview's URL, where it belongs
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  const samePort = (url.port || (url.protocol === 'https:' ? '443' : '80')) === String(port);
  if (url.protocol.startsWith('http') && local && samePort) return portUrl(scope, port, `${url.pathname}${url.search}${url.hash}`);
  return location;
}

/** The preview URL of a port and guest path: `<scope>ports/8080/index.html`. */
export function portUrl(scope: URL, port: number, target = '/'): string {
  return new URL(`ports/${port}${target.startsWith('/') ? target : `/${target}`}`, scope).href;
}
