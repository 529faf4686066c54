// Percent-escapes in a request path, read as Go's net/url reads them (dockerd's router): `%` must start two hex
// digits, else the request is refused with url.EscapeError's words; the bytes are UTF-8 (invalid ones replaced,
// never an exception).
import { EngineError } from '../errors.ts';

/** The first bad escape of `path`, as Go's unescape reports it (`%zz`, or what is left of a truncated one). */
function badEscape(path: string): string | undefined {
  for (let i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
    if (!/^%[0-9a-fA-F]{2}/.test(path.slice(i, i + 3))) return path.slice(i, i + 3);
  }
  return undefined;
}

/** Refuses a path with a bad escape: 400 `invalid URL escape "%zz"`. */
export function checkPathEscapes(path: string): void {
  const bad = badEscape(path);
  if (bad !== undefined) throw new EngineError('INVALID_ARGUMENT', `invalid URL escape ${JSON.stringify(bad)}`);
}

/** One path segment (a container, image, network name), unescaped. */
export function decodePathSegment(raw: string): string {
  checkPathEscapes(raw);
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === '%') {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const cp = raw.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      bytes.push(...encoder.encode(ch));
      i += ch.length;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
