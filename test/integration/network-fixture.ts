// Hand-made network plans (what the engine's network model would decide) and containers started on them through
// the runtime and the guest network driver, for network-guest.test.ts and bench/network-node.ts.
import type { ContainerNetwork, EndpointPlan, NetworkPlan } from '../../emulator/engine/network/endpoint.ts';
import type { GuestNetworkDriver } from '../../emulator/engine/network/guest-network-driver.ts';
import type { RuntimeSpec } from '../../emulator/engine/containers/runtime-spec.ts';
import type { ContainerRuntime } from '../../emulator/engine/runtime/runtime.ts';
import type { GuestTcpConnection } from '../../emulator/vm/guest-network.ts';
import type { Machine } from '../../emulator/vm/machine.ts';
import { busyboxSpec, decode, newLayout, type SpecOptions } from './runtime-fixture.ts';

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');

/** Docker's default `bridge` network. */
export function defaultBridge(): NetworkPlan {
  return { id: hex(64), name: 'bridge', bridge: 'docker0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', internal: false, embeddedDns: false };
}

/** A user-defined network on 172.<second>.0.0/16 (`docker network create`), with the embedded DNS server. */
export function userNetwork(name: string, second: number, options: { internal?: boolean } = {}): NetworkPlan {
  const id = hex(64);
  return { id, name, bridge: `br-${id.slice(0, 12)}`, subnet: `172.${second}.0.0/16`, gateway: `172.${second}.0.1`, internal: options.internal ?? false, embeddedDns: true };
}

/** dockerd's MAC for an address: 02:42 and the four bytes. */
export function macFor(ip: string): string {
  return ['02', '42', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

export function endpoint(network: NetworkPlan, ipAddress: string, ifName = 'eth0', defaultRoute = ifName === 'eth0'): EndpointPlan {
  return { network, id: hex(64), ifName, hostIfName: `veth${hex(7)}`, ipAddress, prefixLength: Number(network.subnet.split('/')[1]), macAddress: macFor(ipAddress), defaultRoute };
}

/** A busybox spec with the bundle's resolv.conf bound over /etc/resolv.conf, as the engine's bundle does. */
export function netSpec(args: string[], bundle: string, o: SpecOptions = {}): RuntimeSpec {
  const spec = busyboxSpec(args, o);
  spec.mounts.push({ destination: '/etc/resolv.conf', type: 'bind', source: `${bundle}/resolv.conf`, options: ['rbind', 'ro'] });
  return spec;
}

export interface NetContainer {
  id: string;
  bundle: string;
  network: ContainerNetwork;
  pid: number | null;
  log: string[];
}

/**
 * create (with the network), the bundle's resolv.conf (127.0.0.11 with the embedded DNS server, else the guest's
 * resolver, as dockerd writes it), the DNS view, start.
 */
export async function startNet(
  runtime: ContainerRuntime,
  driver: GuestNetworkDriver,
  machine: Machine,
  lowerDirs: string[],
  args: string[],
  network: ContainerNetwork,
  options: SpecOptions & { names?: { name: string; ipAddress: string }[] } = {},
): Promise<NetContainer> {
  const layout = newLayout(lowerDirs);
  await runtime.create(netSpec(args, layout.bundle, options), layout, { network });
  const dns = network.mode === 'endpoints' && network.dns;
  await machine.agent.writeFile(`${layout.bundle}/resolv.conf`, dns ? 'nameserver 127.0.0.11\noptions ndots:0\n' : 'nameserver 192.168.86.1\n');
  if (dns) await driver.setDnsView(layout.id, options.names ?? []);
  const log: string[] = [];
  const pid = await runtime.start(layout.id, { onStdout: (b) => log.push(decode(b)), onStderr: (b) => log.push(decode(b)) });
  return { id: layout.id, bundle: layout.bundle, network, pid, log };
}

/** Kill (if running), delete, and forget the container's network. */
export async function removeNet(runtime: ContainerRuntime, driver: GuestNetworkDriver, c: NetContainer): Promise<void> {
  await driver.unpublish(c.id);
  await runtime.delete(c.id);
  await driver.forgetContainer(c.id);
}

/** Raw HTTP/1.0 over Machine.tcpConnect (the way the page's preview reaches a published port). */
export async function httpViaTcpConnect(machine: Machine, port: number, path: string, timeoutMs = 60_000): Promise<{ head: string; body: Uint8Array; ms: number }> {
  const t0 = performance.now();
  const conn: GuestTcpConnection = machine.tcpConnect(port);
  const chunks: Uint8Array[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpConnect(${port}): no end after ${timeoutMs} ms (state ${conn.state})`)), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    conn.on('connect', () => conn.write(new TextEncoder().encode(`GET ${path} HTTP/1.0\r\nHost: localhost:${port}\r\n\r\n`)));
    conn.on('data', (d) => chunks.push(d.slice()));
    conn.on('shutdown', () => {
      conn.close();
      done();
    });
    conn.on('close', done);
  });
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const split = indexOfCrlfCrlf(all);
  return { head: decode(all.subarray(0, split < 0 ? all.length : split)), body: split < 0 ? new Uint8Array() : all.subarray(split + 4), ms: performance.now() - t0 };
}

function indexOfCrlfCrlf(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  return -1;
}
