// A container's networking as dockerd keeps it in the container: endpoint settings per network (configured at
// create or `network connect`, filled with the operational data while it runs, cleared when it stops), the
// published ports, and the sandbox. Shapes are the Engine API's (EndpointSettings, NetworkSettings.Ports).
import type { PortMap } from './ports.ts';

/** Engine API EndpointSettings, in Go's field order. */
export interface EndpointSettingsJSON {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  GwPriority: number;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

/** One network the container is attached to (or will be at its next start). */
export interface ContainerEndpoint {
  /** the network's name when attached (the key of NetworkSettings.Networks) */
  network: string;
  settings: EndpointSettingsJSON;
  /** `--mac-address`: the MAC asked for (dockerd's DesiredMacAddress); the generated one is only in settings */
  desiredMac?: string;
  /** while running: the veth's two ends */
  ifName?: string;
  hostIfName?: string;
}

/** `--link NAME:ALIAS` on the default bridge (legacy links): the linked container by ID, and the alias. */
export interface LegacyLink {
  id: string;
  alias: string;
}

/** What the engine keeps of a container's networking (persisted with the container). */
export interface ContainerNetworkState {
  /** in attach order: the first is eth0 and carries the default route */
  endpoints: ContainerEndpoint[];
  /** NetworkSettings.Ports while running (exposed-only ports map to null); null when not running */
  ports: PortMap | null;
  sandboxId: string;
  sandboxKey: string;
  links: LegacyLink[];
}

export function emptyEndpointSettings(): EndpointSettingsJSON {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}

/** dockerd's cleanOperationalData: what only holds while the container runs goes (NetworkID stays). */
export function cleanOperationalData(settings: EndpointSettingsJSON): void {
  settings.EndpointID = '';
  settings.Gateway = '';
  settings.IPAddress = '';
  settings.IPPrefixLen = 0;
  settings.IPv6Gateway = '';
  settings.GlobalIPv6Address = '';
  settings.GlobalIPv6PrefixLen = 0;
  settings.MacAddress = '';
}

/** A stopped container's state: endpoints configured, nothing operational. */
export function stoppedState(state: ContainerNetworkState): ContainerNetworkState {
  return {
    endpoints: state.endpoints.map((e) => {
      const settings = structuredClone(e.settings);
      cleanOperationalData(settings);
      return { network: e.network, settings, ...(e.desiredMac ? { desiredMac: e.desiredMac } : {}) };
    }),
    ports: null,
    sandboxId: '',
    sandboxKey: '',
    links: state.links.map((l) => ({ ...l })),
  };
}

/** The short ID and hostname dockerd adds to a user network's Aliases for API clients before 1.45 (the engine speaks 1.43). */
export function aliasesForApi(settings: EndpointSettingsJSON, shortId: string, hostname: string, userDefined: boolean): string[] | null {
  if (!userDefined) return settings.Aliases;
  const out: string[] = [];
  for (const a of [...(settings.Aliases ?? []), shortId, hostname]) if (a && !out.includes(a)) out.push(a);
  return out;
}
