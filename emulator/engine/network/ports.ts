// Published and exposed ports as the docker CLI parses them (go-connections/nat's ParsePortSpecs, the CLI's
// `--expose` and long `-p published=,target=` syntax) and as the Engine API carries them (`"80/tcp"` keys,
// PortBindings `{HostIp, HostPort}`), with the daemon's own checks. Error texts are Docker's, word for word.

export type PortProto = 'tcp' | 'udp' | 'sctp';

/** `HostConfig.PortBindings` / `NetworkSettings.Ports` value: one address a container port is published on. */
export interface PortBindingJSON {
  HostIp: string;
  HostPort: string;
}

/** `"80/tcp"` -> its bindings; `null` in NetworkSettings.Ports for an exposed port that is not published. */
export type PortMap = Record<string, PortBindingJSON[] | null>;

/** `Config.ExposedPorts`: `"80/tcp"` -> `{}` */
export type PortSet = Record<string, Record<string, never>>;

/** Go's strconv.ParseUint(s, 10, 16) with its error text. */
function parseUint16(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** nat.ParsePortRange: `80` or `8000-8010` (a third part is ignored, as in Go). */
export function parsePortRange(ports: string): { start: number; end: number } {
  if (ports === '') throw new Error('empty string specified for ports');
  if (!ports.includes('-')) {
    const start = parseUint16(ports);
    return { start, end: start };
  }
  const [a = '', b = ''] = ports.split('-');
  const start = parseUint16(a);
  const end = parseUint16(b);
  if (end < start) throw new Error(`invalid range specified for port: ${ports}`);
  return { start, end };
}

/** nat.SplitProtoPort: `80/udp` -> ['udp', '80'], `80` -> ['tcp', '80']. */
export function splitProtoPort(raw: string): [proto: string, port: string] {
  const parts = raw.split('/');
  if (raw === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1] === '') return ['tcp', parts[0] as string];
  return [parts[1] as string, parts[0] as string];
}

/** `80/tcp`, `8000-8010/udp` (nat.NewPort) */
export function portKey(proto: string, start: number, end = start): string {
  return start === end ? `${start}/${proto}` : `${start}-${end}/${proto}`;
}

/** Go's net.ParseIP, accepting IPv4 and IPv6 text (the CLI checks the host address with it). */
export function isIPAddress(text: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(text)) {
    return text.split('.').every((p) => /^(0|[1-9]\d*)$/.test(p) && Number(p) <= 255);
  }
  if (!text.includes(':') || /[^0-9a-fA-F:.]/.test(text)) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

export interface PortMapping {
  /** `80/tcp` */
  port: string;
  binding: PortBindingJSON;
}

/** nat.splitParts: `ip:host:container`, the IP may itself hold colons (IPv6). */
function splitParts(raw: string): [ip: string, hostPort: string, containerPort: string] {
  const parts = raw.split(':');
  const n = parts.length;
  const containerPort = parts[n - 1] as string;
  switch (n) {
    case 1:
      return ['', '', containerPort];
    case 2:
      return ['', parts[0] as string, containerPort];
    case 3:
      return [parts[0] as string, parts[1] as string, containerPort];
    default:
      return [parts.slice(0, n - 2).join(':'), parts[n - 2] as string, containerPort];
  }
}

/** nat.ParsePortSpec: one `-p` value -> a mapping per container port. */
export function parsePortSpec(raw: string): PortMapping[] {
  let [ip, hostPort, containerPort] = splitParts(raw);
  let proto: string;
  [proto, containerPort] = splitProtoPort(containerPort);
  if (ip !== '' && ip[0] === '[') {
    // net.SplitHostPort(ip + ":"): `[::1]` -> `::1`
    const m = /^\[([^\]]*)\]$/.exec(ip);
    if (!m) throw new Error(`invalid IP address ${ip}: address ${ip}:: missing ']' in address`);
    ip = m[1] as string;
  }
  if (ip !== '' && !isIPAddress(ip)) throw new Error(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new Error(`no port specified: ${raw}<empty>`);
  let c: { start: number; end: number };
  try {
    c = parsePortRange(containerPort);
  } catch {
    throw new Error(`invalid containerPort: ${containerPort}`);
  }
  let h = { start: 0, end: 0 };
  if (hostPort !== '') {
    try {
      h = parsePortRange(hostPort);
    } catch {
      throw new Error(`invalid hostPort: ${hostPort}`);
    }
  }
  if (hostPort !== '' && c.end - c.start !== h.end - h.start && c.end !== c.start) {
    throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  const lower = proto.toLowerCase();
  if (lower !== 'tcp' && lower !== 'udp' && lower !== 'sctp') throw new Error(`invalid proto: ${proto}`);
  const out: PortMapping[] = [];
  for (let i = 0; i <= c.end - c.start; i++) {
    let host = hostPort === '' ? '' : String(h.start + i);
    // one container port, a host range: the daemon picks a free port in the range
    if (c.start === c.end && h.start !== h.end) host = `${host}-${h.end}`;
    out.push({ port: portKey(lower, c.start + i), binding: { HostIp: ip, HostPort: host } });
  }
  return out;
}

/** nat.ParsePortSpecs: every `-p` -> ExposedPorts and PortBindings, in the order given. */
export function parsePortSpecs(specs: readonly string[]): { exposed: PortSet; bindings: Record<string, PortBindingJSON[]> } {
  const exposed: PortSet = {};
  const bindings: Record<string, PortBindingJSON[]> = {};
  for (const raw of specs) {
    for (const m of parsePortSpec(raw)) {
      exposed[m.port] = {};
      (bindings[m.port] ??= []).push(m.binding);
    }
  }
  return { exposed, bindings };
}

/** The CLI's convertToStandardNotation: `published=8080,target=80,protocol=udp` -> `8080:80/udp`. */
export function toStandardNotation(specs: readonly string[]): string[] {
  return specs.map((spec) => {
    if (!spec.includes('=')) return spec;
    const params: Record<string, string> = { protocol: 'tcp' };
    for (const param of spec.split(',')) {
      const eq = param.indexOf('=');
      if (eq <= 0) throw new Error(`invalid publish opts format (should be name=value but got '${param}')`);
      params[param.slice(0, eq)] = param.slice(eq + 1);
    }
    return `${params['published'] ?? ''}:${params['target'] ?? ''}/${params['protocol']}`;
  });
}

/** The CLI's `--expose` values (`80`, `80/udp`, `8000-8010`) added to ExposedPorts. */
export function addExposed(exposed: PortSet, values: readonly string[]): void {
  for (const e of values) {
    if (e.includes(':')) throw new Error(`invalid port format for --expose: ${e}`);
    const [proto, port] = splitProtoPort(e);
    let r: { start: number; end: number };
    try {
      r = parsePortRange(port);
    } catch (err) {
      throw new Error(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
    }
    for (let p = r.start; p <= r.end; p++) exposed[portKey(proto, p)] ??= {};
  }
}

/** The daemon's validatePortBindings (`invalid port specification: "x"`), for any API client. */
export function validatePortBindings(bindings: Record<string, unknown> | null | undefined): void {
  for (const [port, list] of Object.entries(bindings ?? {})) {
    const [, portStr] = splitProtoPort(port);
    try {
      if (portStr !== '') parseUint16(portStr);
    } catch {
      throw new Error(`invalid port specification: ${JSON.stringify(portStr)}`);
    }
    for (const b of (list as { HostPort?: string }[] | null) ?? []) {
      const hostPort = b?.HostPort ?? '';
      const [, hp] = splitProtoPort(hostPort);
      try {
        if (hp !== '') parsePortRange(hp);
      } catch {
        throw new Error(`invalid port specification: ${JSON.stringify(hostPort)}`);
      }
    }
  }
}

/** A port key `80/tcp` -> number and protocol (ranges do not occur in PortBindings keys). */
export function parsePortKey(key: string): { port: number; proto: string } {
  const [proto, port] = splitProtoPort(key);
  return { port: Number(port.split('-')[0]), proto };
}

/** Go's encoding/json writes map keys sorted: Engine API port maps come out in that order. */
export function sortedKeys<T>(map: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k] as T]));
}
