// drydock extension, read-only: `GET /drydock/bridges`, the Linux devices behind the bridge networks (the Inspect
// panel's "Network" view): each network's bridge and the veth pairs of the running containers plugged into it.
// Docker's API names neither: `/networks` gives a user network's bridge only when `-o ...bridge.name` was asked for,
// and no route names a veth. The engine chose both names (container-networking.ts), so nothing is read in the guest.
import { apiPath } from './route-request.ts';
import type { ContainerStore } from '../containers/container-store.ts';
import { bridgeName, type NetworkStore } from '../network/network-store.ts';
import { jsonResponse } from './http-errors.ts';

export interface BridgeVeth {
  container: { id: string; name: string };
  /** the container's end, in its network namespace (eth0...) */
  ifName: string;
  /** the guest's end, plugged into the bridge (`veth` + 7 hex) */
  hostIfName: string;
}

export interface BridgeDevice {
  /** the network's name and ID, as `/networks` has them */
  network: string;
  networkId: string;
  /** the Linux bridge: docker0, `br-<12 hex>` */
  bridge: string;
  veths: BridgeVeth[];
}

export interface BridgesApiDeps {
  containers: ContainerStore;
  networks: NetworkStore;
}

export function createBridgesApi(deps: BridgesApiDeps): (request: Request) => Promise<Response | undefined> {
  return (request) => {
    if (apiPath(new URL(request.url)) !== '/drydock/bridges' || request.method.toUpperCase() !== 'GET') return Promise.resolve(undefined);
    const running = deps.containers.list().filter((c) => ['running', 'paused', 'restarting'].includes(c.state.status));
    const bridges: BridgeDevice[] = deps.networks
      .list()
      .filter((n) => n.driver === 'bridge')
      .map((n) => ({
        network: n.name,
        networkId: n.id,
        bridge: bridgeName(n),
        veths: running.flatMap((c) =>
          (c.network?.endpoints ?? [])
            .filter((ep) => ep.settings.NetworkID === n.id && ep.ifName && ep.hostIfName)
            .map((ep) => ({ container: { id: c.id, name: c.name }, ifName: ep.ifName as string, hostIfName: ep.hostIfName as string })),
        ),
      }));
    return Promise.resolve(jsonResponse({ bridges }));
  };
}
