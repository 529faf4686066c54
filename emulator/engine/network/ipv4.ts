// IPv4 addresses and prefixes as numbers: parsing with Go's net.ParseIP/ParseCIDR rules (what dockerd accepts),
// formatting, containment and overlap. The network model is IPv4-only (the guest's one link has no IPv6).

/** An address as an unsigned 32-bit number. */
export type IPv4 = number;

/** A prefix in canonical form: `base` has no bits set past `bits`. */
export interface Prefix {
  base: IPv4;
  bits: number;
}

/** Go's ParseIP for IPv4: four decimal fields 0-255, no leading zeros (Go 1.17+), nothing else. */
export function parseIPv4(text: string): IPv4 | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n >>> 0;
}

export function formatIPv4(ip: IPv4): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

export function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** `10.1.0.0/24` -> the address as written and its prefix length; undefined when not IPv4 CIDR. */
export function parseCidr(text: string): { ip: IPv4; bits: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIPv4(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (ip === undefined || !/^(0|[1-9]\d?)$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > 32) return undefined;
  return { ip, bits };
}

export function prefixOf(ip: IPv4, bits: number): Prefix {
  return { base: (ip & mask(bits)) >>> 0, bits };
}

export function formatPrefix(p: Prefix): string {
  return `${formatIPv4(p.base)}/${p.bits}`;
}

/** `10.1.0.0/24` as a canonical prefix (host bits cleared, as netip.Prefix.Masked does). */
export function parsePrefix(text: string): Prefix | undefined {
  const c = parseCidr(text);
  return c ? prefixOf(c.ip, c.bits) : undefined;
}

export function contains(p: Prefix, ip: IPv4): boolean {
  return ((ip & mask(p.bits)) >>> 0) === p.base;
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  const bits = Math.min(a.bits, b.bits);
  return ((a.base & mask(bits)) >>> 0) === ((b.base & mask(bits)) >>> 0);
}

/** Number of addresses in the prefix. */
export function size(p: Prefix): number {
  return 2 ** (32 - p.bits);
}

export function lastAddress(p: Prefix): IPv4 {
  return (p.base + size(p) - 1) >>> 0;
}
