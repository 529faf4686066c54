// The Network view's model: each bridge network's Linux bridge (its subnet and gateway), the veth pairs that plug the
// running containers into it with their addresses, and each published port traced from the page to the container
// (the Ports button, the guest's port, DNAT, the bridge, the veth, the container's address). From `GET /networks`,
// `GET /containers/json` (Ports, NetworkSettings.Networks) and drydock's `GET /drydock/bridges` (device names).
import type { BridgeDevice } from '../../emulator/engine/api/bridges-api.ts';

export interface NetworkFacts {
  Name: string;
  Id: string;
  Driver: string;
  Internal: boolean;
  IPAM: { Config: { Subnet?: string; Gateway?: string }[] | null };
}

export interface ContainerNetFacts {
  Id: string;
  Names: string[];
  State: string;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  NetworkSettings: { Networks: Record<string, { NetworkID?: string; IPAddress?: string; IPPrefixLen?: number; MacAddress?: string; Gateway?: string }> };
}

export interface EndpointRow {
  container: string;
  /** the container's end (eth0) and the guest's (vethXXXXXXX) */
  ifName: string;
  hostIfName: string;
  /** CIDR, e.g. 172.17.0.2/16 */
  address: string;
  mac: string;
}

export interface BridgeRow {
  network: string;
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  endpoints: EndpointRow[];
}

export interface PortRow {
  container: string;
  proto: string;
  /** where it is published: 0.0.0.0 (every address of the guest) or one address */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  /** the path a connection takes, hop by hop */
  path: string[];
}

export interface NetworkModel {
  bridges: BridgeRow[];
  ports: PortRow[];
}

const ifIndex = (ifName: string) => Number(/\d+$/.exec(ifName)?.[0] ?? 0);
const nameOf = (c: ContainerNetFacts) => (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');

export function networkModel(networks: readonly NetworkFacts[], containers: readonly ContainerNetFacts[], devices: readonly BridgeDevice[]): NetworkModel {
  const running = containers.filter((c) => c.State === 'running' || c.State === 'paused');
  const bridges: BridgeRow[] = networks
    .filter((n) => n.Driver === 'bridge')
    .map((n) => {
      const device = devices.find((d) => d.networkId === n.Id);
      const config = n.IPAM.Config?.[0] ?? {};
      const endpoints: EndpointRow[] = (device?.veths ?? []).map((v) => {
        const c = running.find((r) => r.Id === v.container.id);
        const ep = Object.values(c?.NetworkSettings.Networks ?? {}).find((e) => e.NetworkID === n.Id);
        return { container: v.container.name, ifName: v.ifName, hostIfName: v.hostIfName, address: ep?.IPAddress ? `${ep.IPAddress}/${ep.IPPrefixLen ?? 0}` : '', mac: ep?.MacAddress ?? '' };
      });
      return { network: n.Name, bridge: device?.bridge ?? '', subnet: config.Subnet ?? '', gateway: config.Gateway ?? '', internal: n.Internal, endpoints };
    });
  const ports: PortRow[] = [];
  for (const c of running) {
    for (const p of c.Ports) {
      if (p.PublicPort === undefined) continue;
      // the DNAT rule leads to the first endpoint (in attach order: eth0, eth1...) not on an internal network
      const name = nameOf(c);
      const [bridge, ep] = bridges
        .filter((b) => !b.internal)
        .flatMap((b) => b.endpoints.filter((e) => e.container === name).map((e) => [b, e] as const))
        .sort(([, a], [, b]) => ifIndex(a.ifName) - ifIndex(b.ifName))[0] ?? [undefined, undefined];
      const containerIp = ep?.address.split('/')[0] ?? '';
      const hostIp = p.IP ?? '0.0.0.0';
      ports.push({
        container: name,
        proto: p.Type,
        hostIp,
        hostPort: p.PublicPort,
        containerIp,
        containerPort: p.PrivatePort,
        path: [
          `the page's Ports button ${p.PublicPort} (ports/${p.PublicPort}/ under the app's address)`,
          `the guest's ${hostIp === '0.0.0.0' ? 'every address' : hostIp}, port ${p.PublicPort}/${p.Type}`,
          `DNAT to ${containerIp}:${p.PrivatePort}`,
          ...(bridge && ep ? [`bridge ${bridge.bridge}`, `${ep.hostIfName} = ${ep.ifName} in ${name}`] : []),
          `${name} listening on ${p.PrivatePort}/${p.Type}`,
        ],
      });
    }
  }
  ports.sort((a, b) => a.hostPort - b.hostPort || a.proto.localeCompare(b.proto));
  return { bridges, ports };
}
