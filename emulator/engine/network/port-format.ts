// Ports as the docker CLI prints them: the PORTS column of `docker ps` (formatter.DisplayablePorts: consecutive
// ports collapsed into ranges, host mappings last) and `docker port` (sorted with sortorder.NaturalLess).
import type { PortMap } from './ports.ts';

/** `/containers/json` `Ports` item (IP and PublicPort are omitted when the port is only exposed). */
export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

/** fvbommel/sortorder's NaturalLess: digit runs compare as numbers, digits before other characters. */
export function naturalLess(a: string, b: string): boolean {
  const digit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const d1 = digit(a[i]);
    const d2 = digit(b[j]);
    if (d1 !== d2) return d1;
    if (!d1) {
      if (a[i] !== b[j]) return (a[i] as string) < (b[j] as string);
      i++;
      j++;
      continue;
    }
    while (i < a.length && a[i] === '0') i++;
    while (j < b.length && b[j] === '0') j++;
    const nz1 = i;
    const nz2 = j;
    while (i < a.length && digit(a[i])) i++;
    while (j < b.length && digit(b[j])) j++;
    if (i - nz1 !== j - nz2) return i - nz1 < j - nz2;
    const n1 = a.slice(nz1, i);
    const n2 = b.slice(nz2, j);
    if (n1 !== n2) return n1 < n2;
    if (nz1 !== nz2) return nz1 < nz2;
  }
  return a.length < b.length;
}

export function naturalCompare(a: string, b: string): number {
  return naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0;
}

/** Go's net.JoinHostPort: IPv6 hosts in brackets. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function comparePorts(i: PortSummary, j: PortSummary): number {
  if (i.PrivatePort !== j.PrivatePort) return i.PrivatePort - j.PrivatePort;
  const ip1 = i.IP ?? '';
  const ip2 = j.IP ?? '';
  if (ip1 !== ip2) return ip1 < ip2 ? -1 : 1;
  const p1 = i.PublicPort ?? 0;
  const p2 = j.PublicPort ?? 0;
  if (p1 !== p2) return p1 - p2;
  return i.Type < j.Type ? -1 : i.Type > j.Type ? 1 : 0;
}

function formGroup(key: string, start: number, last: number): string {
  const parts = key.split('/');
  let type = parts[0] as string;
  let ip = '';
  if (parts.length > 1) {
    ip = parts[0] as string;
    type = parts[1] as string;
  }
  let group = String(start);
  if (start !== last) group = `${group}-${last}`;
  if (ip !== '') group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${type}`;
}

/** The PORTS column: `0.0.0.0:8080->80/tcp`, `8000-8001/tcp`, `0.0.0.0:32768->80/tcp, 443/tcp`. */
export function displayablePorts(ports: readonly PortSummary[]): string {
  const sorted = [...ports].sort(comparePorts);
  const groups = new Map<string, { first: number; last: number }>();
  const keys: string[] = [];
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const port of sorted) {
    const current = port.PrivatePort;
    let key = port.Type;
    if (port.IP) {
      if ((port.PublicPort ?? 0) !== current) {
        hostMappings.push(`${joinHostPort(port.IP, port.PublicPort ?? 0)}->${port.PrivatePort}/${port.Type}`);
        continue;
      }
      key = `${port.IP}/${port.Type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      keys.push(key);
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group.first, group.last));
    groups.set(key, { first: current, last: current });
  }
  for (const key of keys) {
    const g = groups.get(key) as { first: number; last: number };
    result.push(formGroup(key, g.first, g.last));
  }
  return [...result, ...hostMappings].join(', ');
}

/** `/containers/json` `Ports` from NetworkSettings.Ports (daemon/container/view.go). */
export function portSummaries(ports: PortMap | null | undefined): PortSummary[] {
  const out: PortSummary[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const [portText = '', type = 'tcp'] = key.split('/');
    const port = Number(portText);
    if (!bindings || bindings.length === 0) {
      out.push({ PrivatePort: port, Type: type });
      continue;
    }
    for (const b of bindings) {
      // Go's field order (IP, PrivatePort, PublicPort, Type); IP and PublicPort are omitempty
      const hp = Number(b.HostPort);
      out.push({ ...(b.HostIp !== '' ? { IP: b.HostIp } : {}), PrivatePort: port, ...(hp ? { PublicPort: hp } : {}), Type: type });
    }
  }
  return out;
}

/**
 * `docker port CONTAINER [PRIVATE_PORT[/PROTO]]`: the lines it prints, or the CLI's error. `ports` is the
 * container's NetworkSettings.Ports.
 */
export function portLines(ports: PortMap, container: string, wanted?: string): string[] {
  const out: string[] = [];
  if (wanted !== undefined) {
    const slash = wanted.indexOf('/');
    const port = slash < 0 ? wanted : wanted.slice(0, slash);
    const proto = slash < 0 || wanted.slice(slash + 1) === '' ? 'tcp' : wanted.slice(slash + 1);
    if (!/^\d+$/.test(port) || Number(port) > 65535) {
      const why = /^\d+$/.test(port) ? 'value out of range' : 'invalid syntax';
      throw new Error(`Error: invalid port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: ${why}`);
    }
    const frontends = ports[`${port}/${proto}`];
    if (!frontends || frontends.length === 0) throw new Error(`Error: No public port '${wanted}' published for ${container}`);
    for (const f of frontends) out.push(joinHostPort(f.HostIp, f.HostPort));
  } else {
    for (const [from, frontends] of Object.entries(ports)) {
      for (const f of frontends ?? []) out.push(`${from} -> ${joinHostPort(f.HostIp, f.HostPort)}`);
    }
  }
  return out.sort(naturalCompare);
}
