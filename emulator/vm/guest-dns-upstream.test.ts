// The guest's upstream DNS: a query leaving the NIC is answered NXDOMAIN in the worker, everything else reaches v86.
import { describe, expect, it } from 'vitest';
import { answerGuestDns, nxdomainFor } from './guest-dns-upstream.ts';

const GUEST_MAC = [0x02, 0, 0, 0, 0, 0x64];
const ROUTER_MAC = [0x52, 0x54, 0, 1, 2, 3];

/** An Ethernet/IPv4/UDP frame from the guest (172.17.0.8 masqueraded as 192.168.86.100) to `to`:53. */
function query(name: string, options: { type?: number; flags?: number; port?: number; proto?: number } = {}): Uint8Array {
  const labels = name.split('.').flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  const dns = [0xbe, 0xef, ...u16(options.flags ?? 0x0100), 0, 1, 0, 0, 0, 0, 0, 1, ...labels, 0, ...u16(options.type ?? 1), 0, 1];
  const opt = [0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]; // EDNS OPT in the additional section, as musl and glibc send it
  const udp = [...u16(40000), ...u16(options.port ?? 53), ...u16(8 + dns.length + opt.length), 0, 0, ...dns, ...opt];
  const ip = [0x45, 0, ...u16(20 + udp.length), 0x12, 0x34, 0x40, 0, 64, options.proto ?? 17, 0, 0, 192, 168, 86, 100, 192, 168, 86, 1];
  return new Uint8Array([...ROUTER_MAC, ...GUEST_MAC, 0x08, 0x00, ...ip, ...udp]);
}

function u16(n: number): number[] {
  return [n >> 8, n & 0xff];
}

function ipHeaderValid(frame: Uint8Array): boolean {
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += (frame[i]! << 8) | frame[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

describe('the guest upstream DNS', () => {
  it('answers a query NXDOMAIN to its sender: addresses and ports swapped, id and question echoed, RD kept', () => {
    const q = query('web');
    const r = nxdomainFor(q)!;
    const v = new DataView(r.buffer);
    expect([...r.subarray(0, 6)]).toEqual(GUEST_MAC);
    expect([...r.subarray(6, 12)]).toEqual(ROUTER_MAC);
    expect([...r.subarray(26, 30)]).toEqual([192, 168, 86, 1]);
    expect([...r.subarray(30, 34)]).toEqual([192, 168, 86, 100]);
    expect(ipHeaderValid(r)).toBe(true);
    expect(v.getUint16(16)).toBe(r.length - 14);
    expect([v.getUint16(34), v.getUint16(36), v.getUint16(38)]).toEqual([53, 40000, r.length - 34]);
    const dns = 42;
    expect(v.getUint16(dns)).toBe(0xbeef);
    expect(v.getUint16(dns + 2)).toBe(0x8183); // QR, RD, RA, NXDOMAIN
    expect([v.getUint16(dns + 4), v.getUint16(dns + 6), v.getUint16(dns + 8), v.getUint16(dns + 10)]).toEqual([1, 0, 0, 0]);
    expect(new TextDecoder().decode(r.subarray(dns + 12, dns + 12 + 5))).toBe('\x03web\x00');
    expect(r.length).toBe(dns + 12 + 5 + 4);
  });

  it('answers AAAA and names with dots alike', () => {
    const r = nxdomainFor(query('db.example.org', { type: 28 }))!;
    expect(new DataView(r.buffer).getUint16(42 + 2) & 0x000f).toBe(3);
  });

  it('leaves alone what is not a query: other ports, TCP, a response, a question that runs off the end', () => {
    expect(nxdomainFor(query('web', { port: 5353 }))).toBeNull();
    expect(nxdomainFor(query('web', { proto: 6 }))).toBeNull();
    expect(nxdomainFor(query('web', { flags: 0x8180 }))).toBeNull();
    expect(nxdomainFor(query('web').subarray(0, 14 + 20 + 8 + 12 + 2))).toBeNull();
  });

  it('takes the queries off the way to v86 and hands the answers to the guest', () => {
    const toV86: Uint8Array[] = [];
    const toGuest: Uint8Array[] = [];
    const adapter = { send: (f: Uint8Array) => void toV86.push(f), receive: (f: Uint8Array) => void toGuest.push(f) };
    answerGuestDns(adapter);
    adapter.send(query('web'));
    const other = query('web', { port: 123 });
    adapter.send(other);
    expect(toGuest).toHaveLength(1);
    expect(toV86).toEqual([other]);
  });
});
