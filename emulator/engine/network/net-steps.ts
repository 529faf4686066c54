// The network's guest steps, each a shell line the learner can replay (iproute2's ip, nsenter, iptables-restore)
// and the same step as a drydock-init op (emulator/guest/runtime/STEPS.md "Network steps"): a container's endpoints
// (run by its PID 1 inside its new network namespace, lower.ts), and what the network driver does in the guest's
// own namespace (bridges, published ports, guest-network-driver.ts).
import { DRYDOCK_INIT, type Step } from '../runtime/lower.ts';
import { encodeWord } from '../runtime/steps-file.ts';
import type { EndpointPlan, NetworkPlan } from './endpoint.ts';

/** iproute2's ip, by path: the guest's busybox shell runs its own `ip` applet for a bare `ip`, whatever PATH says. */
export const IP = '/bin/ip';
/** util-linux's, by path too (busybox's applet would run instead) */
export const NSENTER = '/usr/bin/nsenter';
/**
 * The guest's own network namespace, as seen before a container's /proc is mounted (its PID 1's is the guest's
 * init): where the host ends of veth pairs go. `netns 1` for iproute2.
 */
export const GUEST_NETNS = '/proc/1/ns/net';
/** Networking's helpers (drydock-dns, docker-proxy) share this cgroup: low CPU weight, a memory limit (guest /init). */
export const NETWORK_CGROUP = '/sys/fs/cgroup/drydock-net';
/** Where the embedded DNS server reads a container's names: one file per container id, `NAME ADDRESS` lines. */
export const DNS_VIEW_DIR = '/run/drydock/dns';
/** The embedded DNS server's address inside every container on a user-defined network, as in Docker. */
export const DNS_ADDRESS = '127.0.0.11';

/** The same step run in the guest's network namespace: `nsenter --net=...` in shell, `@ PATH` in the steps file. */
export function inGuestNetns(step: Step): Step {
  return { ...step, argv: [NSENTER, `--net=${GUEST_NETNS}`, ...step.argv], op: ['@', GUEST_NETNS, ...step.op] };
}

/** A step with no standard tool (dockerd does it in Go): replayed through drydock-init itself. */
function drydockInit(op: string[], why: string, when?: Step['when']): Step {
  return { argv: [DRYDOCK_INIT, '-c', op.map(encodeWord).join(' ')], op, why, ...(when ? { when } : {}) };
}

export const sysClassNet = (dev: string) => `/sys/class/net/${dev}`;

/**
 * IPv6 off on a link before it comes up (/proc/sys/net is the network namespace of whoever opens it; sysctl(8) in
 * shell, so that under nsenter the write is the command's, not the calling shell's redirection).
 */
function ipv6Off(dev: string, why: string): Step {
  return { argv: ['sysctl', '-q', '-w', `net.ipv6.conf.${dev}.disable_ipv6=1`], op: ['write', `/proc/sys/net/ipv6/conf/${dev}/disable_ipv6`, '1'], why };
}

/** `lo` up: a new network namespace has only a loopback device, down; the embedded DNS server binds 127.0.0.11 on it. */
export function loopbackUp(): Step {
  return { argv: [IP, 'link', 'set', 'lo', 'up'], op: ['ifup', 'lo'], why: 'a new network namespace has only a loopback device, and it starts down' };
}

/**
 * One endpoint, from inside the container's new network namespace: a veth pair whose other end goes to the guest's
 * namespace and onto the network's bridge; this end gets the MAC, the address and (the first network) the route.
 */
export function endpointSteps(ep: EndpointPlan): Step[] {
  const { network: net, ifName, hostIfName } = ep;
  const cidr = `${ep.ipAddress}/${ep.prefixLength}`;
  const steps: Step[] = [
    {
      argv: [IP, 'link', 'add', ifName, 'type', 'veth', 'peer', 'name', hostIfName, 'netns', '1'],
      op: ['veth-add', ifName, hostIfName, GUEST_NETNS],
      why: `network ${net.name}: a veth pair, ${ifName} here in the container's network namespace and ${hostIfName} in the guest's (that of its PID 1: this /proc is still the guest's)`,
    },
    ipv6Off(ifName, 'an IPv4 network: no IPv6 link-local address, duplicate address detection or router solicitation on it, as dockerd sets it (this /proc/sys/net is the namespace\'s own)'),
    inGuestNetns(ipv6Off(hostIfName, 'the guest\'s end likewise: nothing of IPv6 on the bridge (each packet costs the emulator)')),
    inGuestNetns({
      argv: [IP, 'link', 'set', hostIfName, 'master', net.bridge, 'up'],
      op: ['link-set', hostIfName, `master=${net.bridge}`, 'up'],
      why: `the guest's end plugged into the bridge ${net.bridge}, up`,
    }),
    {
      argv: [IP, 'link', 'set', ifName, 'address', ep.macAddress, 'up'],
      op: ['link-set', ifName, `address=${ep.macAddress}`, 'up'],
      why: 'the endpoint\'s MAC address (the network model\'s, random as libnetwork makes it), up',
    },
    {
      argv: [IP, 'addr', 'add', cidr, 'brd', '+', 'dev', ifName],
      op: ['addr-add', ifName, cidr],
      why: `the address IPAM gave the endpoint in ${net.subnet}`,
    },
  ];
  if (ep.defaultRoute) {
    steps.push({
      argv: [IP, 'route', 'replace', 'default', 'via', net.gateway, 'dev', ifName],
      op: ['route-default', net.gateway, ifName],
      why: `the default route through ${net.name}'s gateway, the bridge's own address (outbound traffic is NATed to the guest's eth0 there)`,
    });
  }
  return steps;
}

/**
 * The embedded DNS server's socket: drydock-init opens 127.0.0.11:53 (UDP and TCP) in this namespace and hands the
 * sockets to drydock-dns, which answers from DNS_VIEW_DIR/<id> as long as process `pid` lives (1: the container's
 * first process, this one).
 */
export function dnsStep(containerId: string, pid = 1): Step {
  return drydockInit(
    ['dns', containerId, String(pid)],
    `the embedded DNS server at ${DNS_ADDRESS}:53: drydock-init opens the sockets in this namespace and hands them to drydock-dns, which answers from ${DNS_VIEW_DIR}/${containerId} while PID ${pid} lives (dockerd does this in Go; no standard tool does)`,
  );
}

/** `--network container:NAME`: that container's network namespace instead of a new one. */
export function joinNetnsStep(pid: number): Step {
  return { argv: [NSENTER, `--net=/proc/${pid}/ns/net`], op: ['netns', `/proc/${pid}/ns/net`], why: `--network container: the network namespace of that container's PID 1 (${pid})` };
}

/** After the container: the guest's end of its veth (either end's deletion takes the pair) and its connections. */
export function endpointCleanupSteps(endpoints: readonly EndpointPlan[]): Step[] {
  const steps: Step[] = endpoints.map((ep) => ({
    argv: [IP, 'link', 'del', ep.hostIfName],
    op: ['link-del', ep.hostIfName],
    when: { test: '-e', path: sysClassNet(ep.hostIfName) },
    why: `the veth pair of network ${ep.network.name} (the kernel also drops it with the container's namespace, later)`,
  }));
  if (endpoints.length) steps.push(conntrackFlushStep(endpoints.map((ep) => ep.ipAddress)));
  return steps;
}

/**
 * conntrack -D for connections from, to or NATed to these addresses (and to these `tcp/PORT`, `udp/PORT`), as dockerd
 * clears a leaving endpoint's.
 */
export function conntrackFlushStep(selectors: readonly string[]): Step {
  return drydockInit(
    ['conntrack-flush', ...selectors],
    `forget the connections of ${selectors.join(', ')} (conntrack -D with conntrack-tools, which the guest does not have): a stale entry would send a reused address's or port's packets where they went before`,
  );
}

/** The bridge with its own MAC and the gateway address, up; nothing when it exists already (this boot made it). */
export function bridgeSteps(net: NetworkPlan): Step[] {
  const prefix = net.subnet.split('/')[1] ?? '16';
  const absent = { test: '!-e' as const, path: sysClassNet(net.bridge) };
  const mac = bridgeMac(net.id);
  return [
    {
      argv: [IP, 'link', 'add', net.bridge, 'address', mac, 'type', 'bridge'],
      op: ['bridge-add', net.bridge, mac],
      when: absent,
      why: `network ${net.name}: a Linux bridge, with a MAC of its own (else it takes its lowest port's, which changes as containers come and go)`,
    },
    ipv6Off(net.bridge, 'an IPv4-only network: no IPv6 on the bridge, as dockerd sets it'),
    { argv: [IP, 'addr', 'add', `${net.gateway}/${prefix}`, 'brd', '+', 'dev', net.bridge], op: ['addr-add', net.bridge, `${net.gateway}/${prefix}`], why: `the gateway address of ${net.subnet} on the bridge` },
    { argv: [IP, 'link', 'set', net.bridge, 'up'], op: ['ifup', net.bridge], why: 'up' },
  ];
}

/** A locally administered MAC from the network's id (dockerd picks a random one; this one stays the same). */
export function bridgeMac(networkId: string): string {
  const hex = networkId.replace(/[^0-9a-f]/gi, '').padEnd(8, '0');
  return ['02', '42', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4, 6), hex.slice(6, 8)].join(':').toLowerCase();
}

export function linkDelStep(dev: string, why: string): Step {
  return { argv: [IP, 'link', 'del', dev], op: ['link-del', dev], when: { test: '-e', path: sysClassNet(dev) }, why };
}
