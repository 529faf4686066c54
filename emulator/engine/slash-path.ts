// Slash paths as Go's path package handles them (container paths, guest paths, WORKDIR): one cleaner for all.

/** `path` made absolute and cleaned like Go's `path.Clean("/" + path)`: no `.`, `..`, doubled or trailing slashes. */
export function cleanPath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** `path` resolved against the absolute directory `base` when it is relative, then cleaned. */
export function resolvePath(base: string, path: string): string {
  return cleanPath(path.startsWith('/') ? path : `${base}/${path}`);
}
