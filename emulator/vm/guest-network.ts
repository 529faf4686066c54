// The guest's eth0 as v86's fetch network adapter sees it, and the adapter's TCP API (not in v86.d.ts).
//
// v86's fetch adapter (src/browser/fetch_network.js, fake_network.js) is a small TCP/IP stack in the worker: it
// answers ARP/DHCP/DNS for the guest and plays a router at routerIp. The guest configures eth0 statically at boot
// (emulator/guest/rootfs/etc/init.d/10-network.sh, same addresses), so no DHCP exchange delays the prompt.

export const GUEST_NETWORK = {
  /** the guest's eth0 */
  guestIp: '192.168.86.100',
  prefixLength: 24,
  /** v86's side: the default gateway and DNS server of the guest, and the source of the worker's connections */
  routerIp: '192.168.86.1',
} as const;

/** A TCP connection into the guest: v86's TCPConnection with flow control added (guest-tcp.ts). Events: `connect`
 *  (established), `data`, `shutdown` (the guest sent FIN), `close` (the guest reset it, or refused the connection).
 *  One handler per event: `on` replaces the previous one. */
export interface GuestTcpConnection {
  /** TCP state name: "syn-sent", "established", "close-wait", "closed", ... */
  readonly state: string;
  on(event: 'connect' | 'shutdown' | 'close', handler: () => void): void;
  on(event: 'data', handler: (data: Uint8Array) => void): void;
  /** queues bytes for the guest (sent one segment at a time, each acknowledged before the next) */
  write(data: Uint8Array): void;
  /** sends FIN once the queued bytes are acknowledged */
  close(): void;
  /** stop the guest sending (a zero receive window) until resume(): the reader is behind */
  pause(): void;
  resume(): void;
  /** drop the connection now: no more events, and the guest's next segment is answered with RST */
  abort(): void;
}

/** v86's FetchNetworkAdapter, the parts used (not in v86.d.ts). */
export interface V86NetworkAdapter {
  tcp_probe(port: number): Promise<boolean>;
}
