// Docker's timestamp strings: RFC 3339 with a zone (volume CreatedAt), Go's zero time.

/** `2026-11-25T15:41:54Z` (Docker prints the daemon's zone; the engine's is UTC). */
export function rfc3339Seconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Go's RFC3339Nano in UTC (trailing zeros of the fraction dropped); Go's zero time for 0. */
export function rfc3339Nano(ms: number): string {
  if (ms === 0) return GO_ZERO_TIME;
  const iso = new Date(ms).toISOString();
  const [head, fraction] = iso.slice(0, -1).split('.') as [string, string];
  const trimmed = fraction.replace(/0+$/, '');
  return `${head}${trimmed ? `.${trimmed}` : ''}Z`;
}

/** Docker's RFC3339NanoFixed (always nine fraction digits), the `docker logs -t` timestamp. */
export function rfc3339NanoFixed(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}000000Z`;
}
