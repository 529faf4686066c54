// The guest's upstream DNS server (192.168.86.1, the router v86's fetch adapter plays): it knows no names.
//
// v86's adapter answers every A query with 192.168.87.1 (its HTTP-over-fetch gateway; dns_method "static"), so in
// the guest `ping web` from a container on the default bridge "resolved" to that address and hung, and the embedded
// DNS server forwarded unknown names there too. This machine reaches no other network, so the truthful answer is
// the one a real resolver gives for a name that does not exist: NXDOMAIN (RFC 1035 4.1.1, RCODE 3). Containers then
// fail as they do under Docker ("bad address 'web'" from busybox), fast, instead of waiting for an address that
// never answers. The queries are answered here, at the frame level, before v86 sees them (v86 is not patched).
import { ipChecksum, type V86FetchAdapter } from './guest-tcp.ts';

const ETH_HEADER = 14;
const ETHERTYPE_IPV4 = 0x0800;
const PROTO_UDP = 17;
const DNS_PORT = 53;
const DNS_HEADER = 12;
/** QR (a response), RA (recursion available), RCODE 3 (the name does not exist); opcode and RD are the query's */
const RESPONSE = 0x8000;
const RECURSION_AVAILABLE = 0x0080;
const NXDOMAIN = 3;
const OPCODE_AND_RD = 0x7900;

/** Answers the guest's DNS queries (UDP to port 53, whatever the address) with NXDOMAIN; other frames go to v86. */
export function answerGuestDns(adapter: Pick<V86FetchAdapter, 'send' | 'receive'>): void {
  const take = adapter.send.bind(adapter);
  adapter.send = (frame) => {
    const reply = nxdomainFor(frame);
    if (reply) adapter.receive(reply);
    else take(frame);
  };
}

/** The NXDOMAIN reply to a DNS query frame (its question echoed, no records), or null when `frame` is not one. */
export function nxdomainFor(frame: Uint8Array): Uint8Array | null {
  if (frame.length < ETH_HEADER + 20 + 8 + DNS_HEADER) return null;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint16(12) !== ETHERTYPE_IPV4 || frame[ETH_HEADER + 9] !== PROTO_UDP) return null;
  const ihl = ((frame[ETH_HEADER] as number) & 0x0f) * 4;
  const udp = ETH_HEADER + ihl;
  const end = Math.min(frame.length, ETH_HEADER + view.getUint16(ETH_HEADER + 2));
  if (view.getUint16(udp + 2) !== DNS_PORT || udp + 8 + DNS_HEADER > end) return null;
  if (view.getUint16(ETH_HEADER + 6) & 0x3fff) return null; // a fragment: not a query we can read whole
  const dns = udp + 8;
  const flags = view.getUint16(dns + 2);
  if (flags & RESPONSE) return null;
  const question = questionEnd(frame, dns, end);
  if (question === null) return null;

  // Ethernet, IPv4 (20 bytes, no options) and UDP headers with the addresses and ports swapped; the DNS header and
  // the question; UDP checksum 0 (none, allowed over IPv4: RFC 768).
  const length = 20 + 8 + (question - dns);
  const out = new Uint8Array(ETH_HEADER + length);
  const o = new DataView(out.buffer);
  out.set(frame.subarray(6, 12), 0);
  out.set(frame.subarray(0, 6), 6);
  o.setUint16(12, ETHERTYPE_IPV4);
  o.setUint8(ETH_HEADER, 0x45);
  o.setUint16(ETH_HEADER + 2, length);
  o.setUint16(ETH_HEADER + 6, 0x4000); // don't fragment
  o.setUint8(ETH_HEADER + 8, 64);
  o.setUint8(ETH_HEADER + 9, PROTO_UDP);
  out.set(frame.subarray(ETH_HEADER + 16, ETH_HEADER + 20), ETH_HEADER + 12);
  out.set(frame.subarray(ETH_HEADER + 12, ETH_HEADER + 16), ETH_HEADER + 16);
  ipChecksum(out);
  const u = ETH_HEADER + 20;
  o.setUint16(u, DNS_PORT);
  o.setUint16(u + 2, view.getUint16(udp));
  o.setUint16(u + 4, 8 + (question - dns));
  out.set(frame.subarray(dns, question), u + 8);
  o.setUint16(u + 8 + 2, RESPONSE | (flags & OPCODE_AND_RD) | RECURSION_AVAILABLE | NXDOMAIN);
  o.setUint16(u + 8 + 4, 1); // QDCOUNT: the one question, echoed
  o.setUint32(u + 8 + 6, 0); // ANCOUNT, NSCOUNT
  o.setUint16(u + 8 + 10, 0); // ARCOUNT
  return out;
}

/** Where the first question of the DNS message at `dns` ends, or null when there is none or it runs past `end`. */
function questionEnd(frame: Uint8Array, dns: number, end: number): number | null {
  if ((((frame[dns + 4] as number) << 8) | (frame[dns + 5] as number)) < 1) return null;
  let at = dns + DNS_HEADER;
  for (let labels = 0; at < end && labels < 128; labels++) {
    const len = frame[at] as number;
    if (len === 0) return at + 1 + 4 <= end ? at + 1 + 4 : null; // the root label, then QTYPE and QCLASS
    if (len > 63) return null; // a compression pointer or a reserved label type: not in a query's question
    at += 1 + len;
  }
  return null;
}
