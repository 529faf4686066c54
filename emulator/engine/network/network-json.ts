// Engine API JSON for networks (`GET /networks`, `/networks/{id}`: dockerd's buildNetworkResource, in Go's field
// order) and their list filters (daemon/network/filter.go), and the container side: NetworkSettings of inspect
// and `/containers/json` (daemon/inspect.go, container/view.go).
import { labelsMatch } from '../api/image-filters.ts';
import { EngineError } from '../errors.ts';
import type { ContainerRecord } from '../containers/container-store.ts';
import { rfc3339Nano } from '../units/time-format.ts';
import { aliasesForApi, type ContainerNetworkState, type EndpointSettingsJSON } from './endpoint-settings.ts';
import type { IpamConfigJSON } from './ipam.ts';
import { isPredefined, type NetworkRecord } from './network-store.ts';
import { isUserDefinedMode } from './network-mode.ts';
import type { PortMap } from './ports.ts';

export interface EndpointResourceJSON {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

export interface NetworkJSON {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamConfigJSON[] | null };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, EndpointResourceJSON>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

const sorted = <T>(m: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));

/** IPAM.Config: what the user configured (a gateway only when given), else the subnet and gateway in use. */
function ipamConfig(n: NetworkRecord): IpamConfigJSON[] | null {
  const configured = (n.ipam.config ?? []).filter((c) => c.Subnet);
  if (configured.length > 0) {
    return configured.map((c) => ({
      Subnet: c.Subnet as string,
      ...(c.IPRange ? { IPRange: c.IPRange } : {}),
      ...(c.Gateway ? { Gateway: c.Gateway } : {}),
      ...(c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length ? { AuxiliaryAddresses: c.AuxiliaryAddresses } : {}),
    }));
  }
  return n.subnet ? [{ Subnet: n.subnet, Gateway: n.gateway as string }] : null;
}

export interface AttachedEndpoint {
  record: ContainerRecord;
  endpoint: { settings: EndpointSettingsJSON };
}

/** `GET /networks/{id}`; `attached` fills Containers (the list leaves it empty, as dockerd's does). */
export function networkJSON(n: NetworkRecord, attached: readonly AttachedEndpoint[] = []): NetworkJSON {
  const containers: Record<string, EndpointResourceJSON> = {};
  for (const { record, endpoint } of attached) {
    const s = endpoint.settings;
    containers[record.id] = { Name: record.name, EndpointID: s.EndpointID, MacAddress: s.MacAddress, IPv4Address: s.IPAddress ? `${s.IPAddress}/${s.IPPrefixLen}` : '', IPv6Address: '' };
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: rfc3339Nano(n.created),
    Scope: 'local',
    Driver: n.driver,
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: { Driver: n.ipam.driver, Options: n.ipam.options ? sorted(n.ipam.options) : null, Config: ipamConfig(n) },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: sorted(containers),
    Options: sorted(n.options),
    Labels: sorted(n.labels),
  };
}

const ACCEPTED = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'];

function regexpMatch(pattern: string, source: string): boolean {
  if (pattern === source) return true;
  try {
    return new RegExp(pattern).test(source);
  } catch {
    return false;
  }
}

/** dockerd's FilterNetworks: `driver`, `scope` exact; `name`, `id` regexps; `label`; `type=builtin|custom`; `dangling`. */
export function filterNetworks(networks: readonly NetworkRecord[], filters: Map<string, string[]>, inUse: (n: NetworkRecord) => boolean): NetworkRecord[] {
  for (const key of filters.keys()) if (!ACCEPTED.includes(key)) throw new EngineError('INVALID_ARGUMENT', `invalid filter '${key}'`);
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters.get(key);
    return values === undefined || values.some(test);
  };
  let out = networks.filter(
    (n) =>
      any('driver', (v) => v === n.driver) &&
      any('name', (v) => regexpMatch(v, n.name)) &&
      any('id', (v) => regexpMatch(v, n.id)) &&
      labelsMatch(filters.get('label') ?? [], n.labels) &&
      any('scope', (v) => v === 'local'),
  );
  const dangling = filters.get('dangling');
  if (dangling) {
    if (dangling.length > 1) throw new EngineError('INVALID_ARGUMENT', 'got more than one value for filter key "dangling"');
    const v = dangling[0];
    if (!['0', 'false', '1', 'true'].includes(v as string)) throw new EngineError('INVALID_ARGUMENT', 'invalid value for filter \'dangling\', must be "true" (or "1"), or "false" (or "0")');
    const only = v === '1' || v === 'true';
    out = out.filter((n) => (only ? !isPredefined(n.name) && !inUse(n) : isPredefined(n.name) || inUse(n)));
  }
  const types = filters.get('type');
  if (types) {
    const picked: NetworkRecord[] = [];
    for (const t of types) {
      if (t !== 'builtin' && t !== 'custom') throw new EngineError('INVALID_ARGUMENT', `invalid filter: 'type'='${t}'`);
      picked.push(...out.filter((n) => (t === 'builtin') === isPredefined(n.name)));
    }
    out = picked;
  }
  return out;
}

/** inspect's NetworkSettings, in Go's field order; the top-level address fields are the default bridge's. */
export interface NetworkSettingsJSON {
  Bridge: string;
  SandboxID: string;
  SandboxKey: string;
  Ports: PortMap;
  HairpinMode: boolean;
  LinkLocalIPv6Address: string;
  LinkLocalIPv6PrefixLen: number;
  SecondaryIPAddresses: null;
  SecondaryIPv6Addresses: null;
  EndpointID: string;
  Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
  Networks: Record<string, EndpointSettingsJSON>;
}

function networksOf(record: ContainerRecord, state: ContainerNetworkState): Record<string, EndpointSettingsJSON> {
  const out: Record<string, EndpointSettingsJSON> = {};
  for (const ep of state.endpoints) {
    const s = structuredClone(ep.settings);
    s.Aliases = aliasesForApi(s, record.id.slice(0, 12), record.config.Hostname, isUserDefinedMode(ep.network));
    out[ep.network] = s;
  }
  return sorted(out);
}

export function networkSettingsJSON(record: ContainerRecord, state: ContainerNetworkState): NetworkSettingsJSON {
  const bridge = state.endpoints.find((e) => e.network === 'bridge')?.settings;
  return {
    Bridge: '',
    SandboxID: state.sandboxId,
    SandboxKey: state.sandboxKey,
    Ports: state.ports ?? {},
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.EndpointID ?? '',
    Gateway: bridge?.Gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: bridge?.IPAddress ?? '',
    IPPrefixLen: bridge?.IPPrefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: bridge?.MacAddress ?? '',
    Networks: networksOf(record, state),
  };
}

/** `/containers/json`'s NetworkSettings: per network the operational fields only (container/view.go). */
export function networkSettingsSummary(state: ContainerNetworkState): { Networks: Record<string, Partial<EndpointSettingsJSON>> } {
  const out: Record<string, Partial<EndpointSettingsJSON>> = {};
  for (const ep of state.endpoints) {
    const s = ep.settings;
    out[ep.network] = {
      IPAMConfig: s.IPAMConfig ? { ...(s.IPAMConfig.IPv4Address ? { IPv4Address: s.IPAMConfig.IPv4Address } : {}), ...(s.IPAMConfig.IPv6Address ? { IPv6Address: s.IPAMConfig.IPv6Address } : {}) } : null,
      Links: null,
      Aliases: null,
      MacAddress: s.MacAddress,
      DriverOpts: null,
      GwPriority: s.GwPriority,
      NetworkID: s.NetworkID,
      EndpointID: s.EndpointID,
      Gateway: s.Gateway,
      IPAddress: s.IPAddress,
      IPPrefixLen: s.IPPrefixLen,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DNSNames: null,
    };
  }
  return { Networks: sorted(out) };
}
