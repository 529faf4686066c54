// `docker create`'s network checks and bookkeeping as dockerd does them: the network mode's conflicts
// (runconfig validateNetMode), endpoint settings (validateNetworkingConfig), legacy links resolved to
// containers (registerLinks), `container:NAME` kept by ID (adaptSharedNamespaceContainer), and the container's
// initial NetworkSettings.Networks (updateContainerNetworkSettings). Networks are only looked up here: a missing
// one is reported when the container starts, as by dockerd.
import { EngineError } from '../errors.ts';
import type { ContainerRecord } from '../containers/container-store.ts';
import { emptyEndpointSettings, type ContainerEndpoint, type ContainerNetworkState, type LegacyLink } from './endpoint-settings.ts';
import { contains, parseIPv4, parsePrefix } from './ipv4.ts';
import type { NetworkRecord } from './network-store.ts';
import { isMacAddress, isUserDefinedMode, parseLink } from './network-mode.ts';
import type { ContainerCreateConfig, EndpointConfig } from '../api/types/container.ts';

export interface CreateNetworkLookups {
  /** dockerd's FindNetwork (may throw `network x is ambiguous`); undefined when absent */
  findNetwork(term: string): NetworkRecord | undefined;
  /** a container by ID, name or prefix; undefined when absent */
  findContainer(ref: string): ContainerRecord | undefined;
}

export interface CreatedNetwork {
  /** HostConfig.NetworkMode: `default` becomes `bridge`, `container:NAME` becomes `container:<id>` */
  mode: string;
  state: ContainerNetworkState;
  /** create warnings the CLI prints as `WARNING: ...` */
  warnings: string[];
}

const invalid = (message: string) => new EngineError('INVALID_ARGUMENT', message, { details: { origin: 'daemon' } });

/** The network mode's conflicts (runconfig's validateNetContainerMode and validateNetMode). */
function validateMode(create: ContainerCreateConfig, mode: string): void {
  const links = create.HostConfig.Links ?? [];
  if (mode === 'container' || mode.startsWith('container:')) {
    if (mode.slice('container:'.length) === '') throw invalid('invalid network mode: invalid container format container:<name|id>');
    if (create.Config.Hostname) throw invalid('conflicting options: hostname and the network mode');
    if (links.length > 0) throw invalid("conflicting options: container type network can't be used with links. This would result in undefined behavior");
    if (Object.keys(create.HostConfig.PortBindings).length > 0 || create.HostConfig.PublishAllPorts) throw invalid('conflicting options: port publishing and the container type network mode');
    if (Object.keys(create.Config.ExposedPorts ?? {}).length > 0) throw invalid('conflicting options: port exposing and the container type network mode');
  }
  if (mode === 'host' && links.length > 0) throw invalid("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
}

/** dockerd's validateEndpointSettings for one endpoint config (errors collected as its multierror prints them). */
function validateEndpoint(name: string, ep: EndpointConfig, nw: NetworkRecord | undefined): void {
  const errs: string[] = [];
  const ipam = ep.IPAMConfig ?? {};
  if (!isUserDefinedMode(name)) {
    if (ipam.IPv4Address || ipam.IPv6Address) errs.push('user specified IP address is supported on user defined networks only');
    if ((ep.Aliases ?? []).length > 0) errs.push('network-scoped alias is supported only for containers in user defined networks');
  }
  const v4 = ipam.IPv4Address ? parseIPv4(ipam.IPv4Address) : undefined;
  if (ipam.IPv4Address && (v4 === undefined || v4 === 0)) errs.push(`invalid IPv4 address: ${ipam.IPv4Address}`);
  if (ipam.IPv6Address) errs.push(`invalid IPv6 address: ${ipam.IPv6Address} (the machine's network is IPv4 only)`);
  if (nw && v4 !== undefined && v4 !== 0) {
    // only a subnet the user configured (--subnet) takes static addresses
    const configured = (nw.ipam.config ?? []).filter((c) => c.Subnet);
    if (configured.length === 0) errs.push('user specified IP address is supported only when connecting to networks with user configured subnets');
    else if (!configured.some((c) => contains(parsePrefix(c.IPRange || (c.Subnet as string)) ?? { base: 0, bits: 32 }, v4))) {
      errs.push(`no configured subnet or ip-range contain the IP address ${ipam.IPv4Address}`);
    }
  }
  if (ep.MacAddress && !isMacAddress(ep.MacAddress)) errs.push(`invalid MAC address ${ep.MacAddress}`);
  if (errs.length > 0) {
    const joined = errs.length === 1 ? errs[0] : `* ${errs.join('\n* ')}`;
    throw invalid(`invalid config for network ${name}: invalid endpoint settings:\n${joined}`);
  }
}

/** `create` as verifyCreateRequest gave it: `default` already read as the bridge. */
export function createNetwork(create: ContainerCreateConfig, lookups: CreateNetworkLookups): CreatedNetwork {
  let mode = create.HostConfig.NetworkMode;
  const configs: Record<string, EndpointConfig> = { ...create.NetworkingConfig.EndpointsConfig };
  validateMode(create, mode);
  const warnings: string[] = [];
  const bindings = create.HostConfig.PortBindings;
  if (mode === 'host' && Object.keys(bindings).length > 0) warnings.push('Published ports are discarded when using host network mode');
  for (const b of Object.values(bindings).flat()) {
    if (b.HostIp.includes(':')) throw invalid(`publishing on an IPv6 address (${b.HostIp}) is not supported in drydock: the machine's network is IPv4 only`);
    if (b.HostIp !== '' && parseIPv4(b.HostIp) === undefined) throw invalid(`invalid host IP address: ${b.HostIp}`);
  }
  for (const [name, ep] of Object.entries(configs)) validateEndpoint(name, ep, lookups.findNetwork(name));

  const macAddress = create.Config.MacAddress;
  if (macAddress) {
    if (mode !== 'bridge' && !isUserDefinedMode(mode)) throw invalid('conflicting options: mac-address and the network mode');
    const key = Object.keys(configs).find((k) => k === mode || lookups.findNetwork(k)?.name === mode) ?? mode;
    configs[key] = { ...(configs[key] ?? {}), MacAddress: macAddress };
  }

  // legacy links (not on user networks, where --link is an endpoint alias)
  const links: LegacyLink[] = [];
  if (!isUserDefinedMode(mode)) {
    for (const l of create.HostConfig.Links ?? []) {
      let link;
      try {
        link = parseLink(l);
      } catch (e) {
        throw invalid((e as Error).message);
      }
      let child = lookups.findContainer(link.name);
      if (!child) throw invalid(`could not get container for ${link.name}: No such container: ${link.name}`);
      while (child.hostConfig.NetworkMode.startsWith('container:')) {
        const next = child.hostConfig.NetworkMode.slice('container:'.length);
        const found = lookups.findContainer(next);
        if (!found) throw invalid(`could not get container for ${next}: No such container: ${next}`);
        child = found;
      }
      if (child.hostConfig.NetworkMode === 'host') throw invalid("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
      links.push({ id: child.id, alias: link.alias });
    }
  }

  if (mode.startsWith('container:')) {
    const target = lookups.findContainer(mode.slice('container:'.length));
    if (target) mode = `container:${target.id}`;
    return { mode, state: { endpoints: [], ports: null, sandboxId: '', sandboxKey: '', links }, warnings };
  }

  // NetworkSettings.Networks: the configured endpoints, keyed by network name; the mode's own first
  const endpoint = (network: string, ep: EndpointConfig): ContainerEndpoint => ({
    network,
    settings: {
      ...emptyEndpointSettings(),
      ...(ep.IPAMConfig ? { IPAMConfig: { ...ep.IPAMConfig } } : {}),
      ...(ep.Links ? { Links: [...ep.Links] } : {}),
      ...(ep.Aliases ? { Aliases: [...ep.Aliases] } : {}),
      ...(ep.MacAddress ? { MacAddress: ep.MacAddress } : {}),
      ...(ep.DriverOpts ? { DriverOpts: { ...ep.DriverOpts } } : {}),
      ...(ep.GwPriority ? { GwPriority: ep.GwPriority } : {}),
    },
    ...(ep.MacAddress ? { desiredMac: ep.MacAddress } : {}),
  });
  let modeName = mode;
  if (isUserDefinedMode(mode)) modeName = lookups.findNetwork(mode)?.name ?? mode;
  const endpoints: ContainerEndpoint[] = [];
  for (const [key, ep] of Object.entries(configs)) {
    const n = lookups.findNetwork(key);
    const name = key === mode || (n !== undefined && n.name === modeName) ? modeName : key;
    endpoints.push(endpoint(name, ep));
  }
  if (!endpoints.some((e) => e.network === modeName)) endpoints.unshift(endpoint(modeName, {}));
  endpoints.sort((a, b) => Number(b.network === modeName) - Number(a.network === modeName));
  return { mode, state: { endpoints, ports: null, sandboxId: '', sandboxKey: '', links }, warnings };
}
