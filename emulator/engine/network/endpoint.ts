// The contract between the engine's network model (which networks, addresses, names and ports a container gets:
// network-store, IPAM, the API and CLI) and the guest side that makes them real (bridges, veth pairs, NAT, the
// embedded DNS server, published ports: the NetworkDriver). Names follow libnetwork's (endpoint, sandbox...).

/** A network as the guest needs it: a Linux bridge with the gateway address, NAT to eth0 unless internal. */
export interface NetworkPlan {
  /** 64 hex, Docker's network ID */
  id: string;
  name: string;
  /** the bridge device: `docker0` for the default `bridge` network, `br-<first 12 hex of the id>` for user networks */
  bridge: string;
  /** IPv4 CIDR, e.g. 172.17.0.0/16 */
  subnet: string;
  /** the bridge's own address, the containers' default gateway, e.g. 172.17.0.1 */
  gateway: string;
  /** `--internal`: no route out (no MASQUERADE, traffic leaving the bridge dropped) and no published ports */
  internal: boolean;
  /** user-defined networks: containers resolve each other through the embedded DNS server at 127.0.0.11 */
  embeddedDns: boolean;
}

/** One container's attachment to one network. */
export interface EndpointPlan {
  network: NetworkPlan;
  /** 64 hex, Docker's EndpointID */
  id: string;
  /** the interface inside the container: eth0 for the first network, eth1... */
  ifName: string;
  /** the host side of the veth pair: `veth` + 7 hex, as dockerd names it */
  hostIfName: string;
  ipAddress: string;
  prefixLength: number;
  /** random, unicast, locally administered, as libnetwork 28 makes it (or the one `--mac-address` asked for) */
  macAddress: string;
  /** the default route goes through this endpoint's gateway (the first network a container joins) */
  defaultRoute: boolean;
}

/** A published port after allocation: `-p 8080:80` on a container at 172.17.0.2 */
export interface PortMapping {
  proto: 'tcp' | 'udp';
  /** 0.0.0.0 for all addresses, or one address of the guest (127.0.0.1, 192.168.86.100) */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

/** A name the embedded DNS server answers, as seen from one container. */
export interface DnsRecord {
  /** container name, network alias, short id, or `--link` alias; matched case-insensitively */
  name: string;
  ipAddress: string;
}

/** How a starting container's network namespace is made. */
export type ContainerNetwork =
  | { mode: 'none' }
  | { mode: 'host' }
  /** `--network container:NAME`: join that container's network namespace (its PID 1 as seen from the guest) */
  | { mode: 'container'; pid: number }
  /** its own namespace with one veth per endpoint; `dns`: open the embedded DNS server's socket at 127.0.0.11:53 */
  | { mode: 'endpoints'; endpoints: EndpointPlan[]; dns: boolean };

/**
 * The guest side of networking: the engine decides, these run the steps in the guest, each traced like the
 * runtime's (a learner can read what was done). Implementations keep what they made per guest boot: after a
 * restore or restart the guest has none of it and `forgetGuest()` is called.
 */
export interface NetworkDriver {
  /** the bridge with its gateway address, up, and its NAT/isolation rules; idempotent within one boot */
  ensureNetwork(network: NetworkPlan): Promise<void>;
  /** the bridge and its rules gone; no endpoint is attached any more */
  removeNetwork(network: NetworkPlan): Promise<void>;
  /** DNAT rules and a docker-proxy per mapping, after the container's PID 1 runs */
  publish(containerId: string, ports: readonly PortMapping[]): Promise<void>;
  /** every rule and proxy of the container gone (its conntrack entries too) */
  unpublish(containerId: string): Promise<void>;
  /** `docker network connect` of a running container: a veth into the namespace of PID 1 `pid` */
  attach(containerId: string, pid: number, endpoint: EndpointPlan): Promise<void>;
  /** `docker network disconnect` of a running container */
  detach(containerId: string, endpoint: EndpointPlan): Promise<void>;
  /** what the embedded DNS server answers for this container's queries (the whole set, replacing the last) */
  setDnsView(containerId: string, records: readonly DnsRecord[]): Promise<void>;
  /** the container has stopped or is gone: its DNS view removed (a new start sets it again) */
  forgetContainer(containerId: string): Promise<void>;
  /** a new guest (boot, restore, restart): nothing made before exists any more; called before the exits are recorded */
  forgetGuest(): void;
}
