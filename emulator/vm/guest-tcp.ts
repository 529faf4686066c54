// TCP connections from the worker into the guest, over v86's fetch adapter, with what its small TCP stack lacks added
// at the frame level (v86 itself is not patched).
//
// v86's TCPConnection (src/browser/fake_network.js, 0.5.x):
// - sends its SYN without options, so Linux falls back to the 536-byte default MSS (RFC 9293 3.7.1);
// - never retransmits, so a SYN the guest drops (a full listen backlog) leaves the connection hanging;
// - advertises a fixed window whatever its reader does, so a flooding server would fill the worker's memory;
// - takes a FIN without its data: Linux puts the FIN on the last data segment when the server closes right after
//   writing, and v86 would drop those bytes (and it takes a FIN even when a segment before it is missing).
// Frames v86 sends to the guest go through `adapter.receive(frame)` and frames from the guest through
// `adapter.send(frame)`; the shim wraps both: it adds MSS 1460 to the SYN and sends the SYN again while it is not
// answered (1 s, 2 s, as Linux would), rewrites the window of a paused connection's frames to 0 (which also answers
// Linux's zero-window probes: v86 itself echoes the guest's window there) and sends a window update when it resumes,
// and splits a FIN that carries data into the data and then the FIN (dropping a FIN that comes out of order: the
// guest sends it again).
import type { GuestTcpConnection, V86NetworkAdapter } from './guest-network.ts';

/** v86's TCPConnection: the fields the shim reads (names from fake_network.js). */
interface V86TcpConnection {
  state: string;
  /** the next sequence number expected from the guest */
  ack: number;
  /** our ephemeral port and the guest's port */
  sport: number;
  dport: number;
  on(event: string, handler: (...args: never[]) => void): void;
  write(data: Uint8Array): void;
  close(): void;
  /** forgets the connection: later segments from the guest are answered with RST */
  release(): void;
}

export interface V86FetchAdapter extends V86NetworkAdapter {
  connect(port: number): V86TcpConnection & GuestTcpConnection;
  /** hands an Ethernet frame to the guest's NIC (copied) */
  receive(frame: Uint8Array): void;
  /** takes an Ethernet frame the guest sent */
  send(frame: Uint8Array): void;
}

/** When an unanswered SYN is sent again (ms after the first), as Linux's initial RTO of 1 s doubling. */
const SYN_RETRIES_MS = [1000, 3000, 7000];

/** Linux's receive window without window scaling, and v86's own value for it. */
const OPEN_WINDOW = 64240;
/** An Ethernet MTU of 1500 less the IPv4 and TCP headers (v86's adapter MTU). */
const MSS = 1460;
const ETH_HEADER = 14;
const ETHERTYPE_IPV4 = 0x0800;
const PROTO_TCP = 6;
const FLAG_FIN = 0x01;
const FLAG_SYN = 0x02;
const FLAG_RST = 0x04;
const FLAG_ACK = 0x10;

/** Per adapter: which connections are paused, and the last frame of each (the template for a window update). */
export class TcpFrameShim {
  private readonly paused = new Set<string>();
  private readonly lastFrame = new Map<string, Uint8Array>();
  /** connections made here, by key(our port, guest port) */
  private readonly connections = new Map<string, V86TcpConnection>();
  private readonly deliver: (frame: Uint8Array) => void;
  private readonly take: (frame: Uint8Array) => void;
  private lastSyn: Uint8Array | null = null;

  constructor(private readonly adapter: V86FetchAdapter) {
    this.deliver = adapter.receive.bind(adapter);
    this.take = adapter.send.bind(adapter);
    adapter.receive = (frame) => this.deliver(this.rewrite(frame));
    adapter.send = (frame) => this.fromGuest(frame);
  }

  connect(port: number): GuestTcpConnection {
    this.lastSyn = null;
    const conn = this.adapter.connect(port);
    const k = key(conn.sport, conn.dport);
    this.connections.set(k, conn);
    const syn = this.lastSyn as Uint8Array | null;
    const timers = syn
      ? SYN_RETRIES_MS.map((ms) =>
          setTimeout(() => {
            if (conn.state === 'syn-sent' && this.connections.get(k) === conn) this.deliver(syn);
          }, ms),
        )
      : [];
    return new GuestTcp(conn, this, () => timers.forEach(clearTimeout));
  }

  pause(conn: V86TcpConnection): void {
    this.paused.add(key(conn.sport, conn.dport));
  }

  resume(conn: V86TcpConnection): void {
    const k = key(conn.sport, conn.dport);
    if (!this.paused.delete(k)) return;
    const last = this.lastFrame.get(k);
    if (last && conn.state === 'established') this.deliver(windowUpdate(last));
  }

  forget(conn: V86TcpConnection): void {
    const k = key(conn.sport, conn.dport);
    this.paused.delete(k);
    this.lastFrame.delete(k);
    if (this.connections.get(k) === conn) this.connections.delete(k);
  }

  /** A frame from the guest: a FIN with data becomes the data, then the FIN; a FIN out of order is dropped. */
  private fromGuest(frame: Uint8Array): void {
    const tcp = tcpOffset(frame);
    if (tcp === null) return this.take(frame);
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    // from the guest: its port is the source, ours the destination
    const conn = this.connections.get(key(view.getUint16(tcp + 2), view.getUint16(tcp)));
    const flags = view.getUint8(tcp + 13);
    if (!conn || !(flags & FLAG_FIN)) return this.take(frame);
    const ipTotal = view.getUint16(ETH_HEADER + 2);
    const dataStart = tcp + (view.getUint8(tcp + 12) >> 4) * 4;
    const payload = ETH_HEADER + ipTotal - dataStart;
    const seq = view.getUint32(tcp + 4);
    if (payload > 0) {
      const data = frame.slice(0, ETH_HEADER + ipTotal);
      data[tcp + 13] = flags & ~FLAG_FIN;
      tcpChecksum(data, tcp);
      this.take(data);
    }
    const finSeq = (seq + payload) >>> 0;
    if (conn.ack !== finSeq) return; // a segment before the FIN is missing (or v86 refused this one's data)
    const fin = frame.slice(0, dataStart);
    const finView = new DataView(fin.buffer);
    finView.setUint16(ETH_HEADER + 2, dataStart - ETH_HEADER);
    finView.setUint32(tcp + 4, finSeq);
    ipChecksum(fin);
    tcpChecksum(fin, tcp);
    this.take(fin);
  }

  private rewrite(frame: Uint8Array): Uint8Array {
    const tcp = tcpOffset(frame);
    if (tcp === null) return frame;
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const k = key(view.getUint16(tcp), view.getUint16(tcp + 2));
    const flags = view.getUint8(tcp + 13);
    let out = frame;
    if (flags & FLAG_SYN && !(flags & FLAG_ACK) && view.getUint8(tcp + 12) >> 4 === 5) out = withMss(frame, tcp);
    if (flags & FLAG_SYN && !(flags & FLAG_ACK)) this.lastSyn = out;
    const paused = this.paused.has(k);
    if (paused || flags & FLAG_SYN) {
      if (out === frame) out = frame.slice();
      new DataView(out.buffer).setUint16(tcp + 14, paused ? 0 : OPEN_WINDOW);
      tcpChecksum(out, tcp);
      if (flags & FLAG_SYN && !(flags & FLAG_ACK)) this.lastSyn = out;
    }
    if (flags & (FLAG_FIN | FLAG_RST)) {
      // v86 closes or refuses: no window update will be due, and what the guest still sends is not read
      this.paused.delete(k);
      this.lastFrame.delete(k);
      this.connections.delete(k);
    } else if (!(flags & FLAG_SYN)) {
      // The template of a later window update, its sequence number moved past any data this frame carries.
      const header = out.slice(0, tcp + 20);
      const payload = ETH_HEADER + view.getUint16(ETH_HEADER + 2) - tcp - (view.getUint8(tcp + 12) >> 4) * 4;
      const headerView = new DataView(header.buffer);
      headerView.setUint32(tcp + 4, (headerView.getUint32(tcp + 4) + payload) >>> 0);
      this.lastFrame.set(k, header);
    }
    return out;
  }
}

/** A connection as the rest of the worker sees it: v86's, plus pause/resume/abort through the shim. */
class GuestTcp implements GuestTcpConnection {
  constructor(
    private readonly conn: V86TcpConnection & GuestTcpConnection,
    private readonly shim: TcpFrameShim,
    private readonly stopRetries: () => void,
  ) {
    // v86 keeps one handler per event; ours wrap the caller's so the shim forgets closed connections.
    this.conn.on('close', () => this.forget());
    this.conn.on('connect', () => this.stopRetries());
  }

  private forget(): void {
    this.stopRetries();
    this.shim.forget(this.conn);
  }

  get state(): string {
    return this.conn.state;
  }

  on(event: 'connect' | 'shutdown' | 'close', handler: () => void): void;
  on(event: 'data', handler: (data: Uint8Array) => void): void;
  on(event: 'connect' | 'shutdown' | 'close' | 'data', handler: ((data: Uint8Array) => void) | (() => void)): void {
    if (event === 'data') {
      // v86 hands out a view of the frame it parsed; the reader may keep the bytes.
      this.conn.on('data', (data: Uint8Array) => (handler as (data: Uint8Array) => void)(data.slice()));
    } else if (event === 'close') {
      this.conn.on('close', () => {
        this.forget();
        (handler as () => void)();
      });
    } else if (event === 'connect') {
      this.conn.on('connect', () => {
        this.stopRetries();
        (handler as () => void)();
      });
    } else {
      this.conn.on(event, handler as () => void);
    }
  }

  write(data: Uint8Array): void {
    this.conn.write(data);
  }

  close(): void {
    this.conn.close();
  }

  pause(): void {
    this.shim.pause(this.conn);
  }

  resume(): void {
    this.shim.resume(this.conn);
  }

  abort(): void {
    this.forget();
    for (const event of ['connect', 'data', 'shutdown', 'close']) this.conn.on(event, () => undefined);
    this.conn.release();
  }
}

function key(sourcePort: number, destinationPort: number): string {
  return `${sourcePort}>${destinationPort}`;
}

/** Offset of the TCP header in an Ethernet/IPv4 frame, or null for any other frame. */
function tcpOffset(frame: Uint8Array): number | null {
  if (frame.length < ETH_HEADER + 40) return null;
  if (((frame[12] as number) << 8 | (frame[13] as number)) !== ETHERTYPE_IPV4) return null;
  if (frame[ETH_HEADER + 9] !== PROTO_TCP) return null;
  const ihl = ((frame[ETH_HEADER] as number) & 0x0f) * 4;
  return ETH_HEADER + ihl;
}

/** The SYN with a 4-byte MSS option after its 20-byte header (IPv4 total length, data offset and checksums fixed). */
function withMss(frame: Uint8Array, tcp: number): Uint8Array {
  const ipTotal = new DataView(frame.buffer, frame.byteOffset).getUint16(ETH_HEADER + 2);
  const end = ETH_HEADER + ipTotal;
  const out = new Uint8Array(end + 4);
  out.set(frame.subarray(0, tcp + 20));
  out.set([2, 4, MSS >> 8, MSS & 0xff], tcp + 20);
  out.set(frame.subarray(tcp + 20, end), tcp + 24);
  const view = new DataView(out.buffer);
  view.setUint16(ETH_HEADER + 2, ipTotal + 4);
  out[tcp + 12] = (6 << 4) | ((out[tcp + 12] as number) & 0x0f);
  ipChecksum(out);
  tcpChecksum(out, tcp);
  return out;
}

/** A pure ACK announcing the open window, made from the connection's last header (its ack is current: v86 acks
 *  every segment it takes, and each ack passes through the shim). */
function windowUpdate(header: Uint8Array): Uint8Array {
  const out = header.slice();
  const view = new DataView(out.buffer);
  const tcp = tcpOffset(out) as number;
  view.setUint16(ETH_HEADER + 2, tcp + 20 - ETH_HEADER);
  out[tcp + 12] = 5 << 4;
  out[tcp + 13] = FLAG_ACK;
  view.setUint16(tcp + 14, OPEN_WINDOW);
  ipChecksum(out);
  tcpChecksum(out, tcp);
  return out;
}

function sum16(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i + 1 < end; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if ((end - start) % 2 === 1) sum += (bytes[end - 1] as number) << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** RFC 791: the IPv4 header checksum of an Ethernet/IPv4 frame, set in place. */
export function ipChecksum(frame: Uint8Array): void {
  const view = new DataView(frame.buffer, frame.byteOffset);
  const ihl = ((frame[ETH_HEADER] as number) & 0x0f) * 4;
  view.setUint16(ETH_HEADER + 10, 0);
  view.setUint16(ETH_HEADER + 10, fold(sum16(frame, ETH_HEADER, ETH_HEADER + ihl)));
}

/** RFC 9293 3.1: over the pseudo-header (addresses, protocol, TCP length), the header and the data. */
function tcpChecksum(frame: Uint8Array, tcp: number): void {
  const view = new DataView(frame.buffer, frame.byteOffset);
  const end = ETH_HEADER + view.getUint16(ETH_HEADER + 2);
  view.setUint16(tcp + 16, 0);
  let sum = sum16(frame, ETH_HEADER + 12, ETH_HEADER + 20); // source and destination addresses
  sum += PROTO_TCP + (end - tcp);
  view.setUint16(tcp + 16, fold(sum16(frame, tcp, end, sum)));
}
