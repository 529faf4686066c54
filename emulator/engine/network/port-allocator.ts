// Host ports for published container ports, like libnetwork's portallocator: per host address and protocol,
// an explicit port once, a range's first free port, or a free port from the kernel's ephemeral range, handed out
// round-robin (a released port is not given again at once). A wildcard binding (0.0.0.0) and one on a single
// address of the same port cannot both be bound: that is the kernel's EADDRINUSE, reported as dockerd does.

/** Linux's default /proc/sys/net/ipv4/ip_local_port_range (the guest kernel's), which dockerd reads. */
export const EPHEMERAL_PORTS = { begin: 32768, end: 60999 } as const;

export const WILDCARD = '0.0.0.0';

/** What the binding is for, to word the kernel's bind error like dockerd (`0.0.0.0:8080:172.17.0.2:80/tcp`). */
export interface BindTarget {
  containerIp: string;
  containerPort: number;
}

export class PortAllocationError extends Error {}

interface RangeCursor {
  begin: number;
  end: number;
  last: number;
}

export class PortAllocator {
  /** `ip/proto` -> ports in use */
  readonly #used = new Map<string, Set<number>>();
  /** `ip/proto/begin-end` -> where the round-robin stopped */
  readonly #cursors = new Map<string, RangeCursor>();

  constructor(private readonly ephemeral: { begin: number; end: number } = EPHEMERAL_PORTS) {}

  #set(ip: string, proto: string): Set<number> {
    const key = `${ip}/${proto}`;
    let s = this.#used.get(key);
    if (!s) this.#used.set(key, (s = new Set()));
    return s;
  }

  /** Another address's binding of the same port that the kernel would refuse next to this one. */
  #clash(ip: string, proto: string, port: number): boolean {
    for (const [key, ports] of this.#used) {
      const slash = key.lastIndexOf('/');
      const otherIp = key.slice(0, slash);
      if (key.slice(slash + 1) !== proto || otherIp === ip || !ports.has(port)) continue;
      if (ip === WILDCARD || otherIp === WILDCARD) return true;
    }
    return false;
  }

  /**
   * A host port on `ip` for `proto`: `start` alone (`end` equal), the first free one of `start-end`, or with
   * both 0 one from the ephemeral range. Throws dockerd's messages.
   */
  request(ip: string, proto: string, start: number, end: number, target: BindTarget): number {
    if (start !== 0 || end !== 0) {
      if (start === 0 || end === 0 || end < start) throw new PortAllocationError(`invalid port range: ${start}-${end}`);
    }
    const used = this.#set(ip, proto);
    const bindError = (port: number) =>
      new PortAllocationError(`failed to bind host port for ${ip}:${port}:${target.containerIp}:${target.containerPort}/${proto}: address already in use`);
    if (start > 0 && start === end) {
      if (used.has(start)) throw new PortAllocationError(`Bind for ${ip}:${start} failed: port is already allocated`);
      if (this.#clash(ip, proto, start)) throw bindError(start);
      used.add(start);
      return start;
    }
    const range = start === 0 ? this.ephemeral : { begin: start, end };
    const cursorKey = `${ip}/${proto}/${range.begin}-${range.end}`;
    let cursor = this.#cursors.get(cursorKey);
    if (!cursor) this.#cursors.set(cursorKey, (cursor = { ...range, last: range.end }));
    let port = cursor.last;
    for (let i = cursor.begin; i <= cursor.end; i++) {
      port++;
      if (port > cursor.end) port = cursor.begin;
      if (used.has(port) || this.#clash(ip, proto, port)) continue;
      used.add(port);
      cursor.last = port;
      return port;
    }
    throw new PortAllocationError('all ports are allocated');
  }

  release(ip: string, proto: string, port: number): void {
    this.#used.get(`${ip}/${proto}`)?.delete(port);
  }

  /** A new guest: nothing is bound any more (the round-robin positions go too, as in a new dockerd). */
  releaseAll(): void {
    this.#used.clear();
    this.#cursors.clear();
  }
}
