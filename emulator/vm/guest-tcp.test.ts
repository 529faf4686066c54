// The frame-level shim over v86's TCP, against a fake adapter: MSS on the SYN, SYN retries, the zero window and the
// window update, FIN-with-data split. Checksums are verified the way the guest's kernel would.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TcpFrameShim, type V86FetchAdapter } from './guest-tcp.ts';

const ROUTER = [192, 168, 86, 1];
const GUEST = [192, 168, 86, 100];
const OUR_PORT = 50000;
const GUEST_PORT = 8080;

interface Segment {
  from: 'router' | 'guest';
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  payload?: Uint8Array;
}
const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;

function sum16(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += (bytes[i]! << 8) | (i + 1 < end ? bytes[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** An Ethernet/IPv4/TCP frame as v86 makes them (no TCP options), checksums right. */
function frame(s: Segment): Uint8Array {
  const payload = s.payload ?? new Uint8Array(0);
  const out = new Uint8Array(14 + 20 + 20 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(12, 0x0800);
  out[14] = 0x45;
  v.setUint16(16, 40 + payload.length);
  out[22] = 64;
  out[23] = 6;
  const [src, dst] = s.from === 'router' ? [ROUTER, GUEST] : [GUEST, ROUTER];
  out.set(src, 26);
  out.set(dst, 30);
  v.setUint16(24, ~sum16(out, 14, 34) & 0xffff);
  const [sport, dport] = s.from === 'router' ? [OUR_PORT, GUEST_PORT] : [GUEST_PORT, OUR_PORT];
  v.setUint16(34, sport);
  v.setUint16(36, dport);
  v.setUint32(38, s.seq);
  v.setUint32(42, s.ack ?? 0);
  out[46] = 5 << 4;
  out[47] = s.flags;
  v.setUint16(48, s.window ?? 64240);
  out.set(payload, 54);
  v.setUint16(50, ~sum16(out, 34, out.length, sum16(out, 26, 34) + 6 + 20 + payload.length) & 0xffff);
  return out;
}

function parse(f: Uint8Array) {
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const ipTotal = v.getUint16(16);
  const tcp = 34;
  const doff = (f[tcp + 12]! >> 4) * 4;
  const end = 14 + ipTotal;
  return {
    length: f.length,
    ipOk: sum16(f, 14, 34) === 0xffff,
    tcpOk: sum16(f, tcp, end, sum16(f, 26, 34) + 6 + (end - tcp)) === 0xffff,
    seq: v.getUint32(tcp + 4),
    ack: v.getUint32(tcp + 8),
    flags: f[tcp + 13]!,
    window: v.getUint16(tcp + 14),
    options: [...f.subarray(tcp + 20, tcp + doff)],
    payload: new TextDecoder().decode(f.subarray(tcp + doff, end)),
  };
}

function setup() {
  const delivered: Uint8Array[] = [];
  const taken: Uint8Array[] = [];
  const conn = {
    state: 'syn-sent',
    sport: OUR_PORT,
    dport: GUEST_PORT,
    ack: 5001,
    handlers: {} as Record<string, (...args: never[]) => void>,
    on(event: string, handler: (...args: never[]) => void) {
      this.handlers[event] = handler;
    },
    write() {},
    close() {},
    release() {},
  };
  const adapter = {
    receive: (f: Uint8Array) => void delivered.push(f),
    // v86 takes the guest's frame: data advances what it expects next
    send: (f: Uint8Array) => {
      taken.push(f);
      const p = parse(f);
      if (p.seq === conn.ack) conn.ack += p.payload.length + (p.flags & FIN ? 1 : 0);
    },
    tcp_probe: async () => true,
    connect(this: V86FetchAdapter) {
      this.receive(frame({ from: 'router', seq: 1337, flags: SYN, window: 0 }));
      return conn;
    },
  };
  const shim = new TcpFrameShim(adapter as unknown as V86FetchAdapter);
  return { shim, adapter: adapter as unknown as V86FetchAdapter, conn, delivered, taken };
}

describe('TcpFrameShim', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('adds an MSS of 1460 to the SYN and opens its window', () => {
    const { shim, delivered } = setup();
    shim.connect(GUEST_PORT);
    expect(delivered).toHaveLength(1);
    const syn = parse(delivered[0]!);
    expect(syn).toMatchObject({ length: 58, ipOk: true, tcpOk: true, flags: SYN, window: 64240, options: [2, 4, 0x05, 0xb4] });
  });

  it('sends an unanswered SYN again, and stops once connected', () => {
    const { shim, conn, delivered } = setup();
    const tcp = shim.connect(GUEST_PORT);
    tcp.on('connect', () => undefined);
    vi.advanceTimersByTime(1000);
    expect(delivered).toHaveLength(2);
    expect(delivered[1]).toEqual(delivered[0]);
    conn.state = 'established';
    conn.handlers.connect!();
    vi.advanceTimersByTime(10_000);
    expect(delivered).toHaveLength(2);
  });

  it('shuts the window while paused and announces it open on resume, after the data it sent', () => {
    const { shim, adapter, conn, delivered } = setup();
    const tcp = shim.connect(GUEST_PORT);
    conn.state = 'established';
    // v86 sends the request (10 bytes), then acks the guest's data
    adapter.receive(frame({ from: 'router', seq: 1338, ack: 5001, flags: ACK | PSH, payload: new TextEncoder().encode('GET / HTTP') }));
    tcp.pause();
    adapter.receive(frame({ from: 'router', seq: 1338, ack: 6461, flags: ACK }));
    expect(parse(delivered.at(-1)!)).toMatchObject({ window: 0, tcpOk: true, ack: 6461 });
    tcp.resume();
    const update = parse(delivered.at(-1)!);
    expect(update).toMatchObject({ ipOk: true, tcpOk: true, flags: ACK, window: 64240, seq: 1338, ack: 6461, payload: '', length: 54 });
    tcp.resume(); // not paused: nothing more
    expect(delivered).toHaveLength(4);
  });

  it('splits a FIN that carries data into the data and the FIN, and drops a FIN that comes early', () => {
    const { shim, adapter, conn, taken } = setup();
    shim.connect(GUEST_PORT);
    conn.state = 'established';
    adapter.send(frame({ from: 'guest', seq: 5001, ack: 1348, flags: ACK | PSH | FIN, payload: new TextEncoder().encode('last bytes') }));
    expect(taken.map(parse)).toMatchObject([
      { seq: 5001, flags: ACK | PSH, payload: 'last bytes', tcpOk: true },
      { seq: 5011, flags: ACK | PSH | FIN, payload: '', tcpOk: true, ipOk: true, length: 54 },
    ]);
    expect(conn.ack).toBe(5012);

    // a FIN whose sequence number is past what v86 expects (a segment before it is missing)
    const early = setup();
    early.shim.connect(GUEST_PORT);
    early.adapter.send(frame({ from: 'guest', seq: 9000, ack: 1348, flags: ACK | FIN }));
    expect(early.taken).toHaveLength(0);
  });

  it('passes other frames through untouched', () => {
    const { adapter, delivered, taken } = setup();
    const arp = new Uint8Array(60);
    arp[12] = 0x08;
    arp[13] = 0x06;
    adapter.receive(arp);
    adapter.send(arp);
    const unknown = frame({ from: 'guest', seq: 1, flags: ACK | FIN });
    adapter.send(unknown);
    expect(delivered).toEqual([arp]);
    expect(taken).toEqual([arp, unknown]);
  });
});
