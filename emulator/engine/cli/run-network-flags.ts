// The network flags of `docker run`/`create` as the docker CLI reads them (cli/command/container/opts.go):
// `--network` (repeatable, with the `name=,alias=,ip=` long form), `--network-alias`, `--ip`, `--link`,
// `--mac-address`, `-p`/`--publish`, `-P`, `--expose` -> their part of the create request (NetworkMode, Links, PortBindings, PublishAllPorts; ExposedPorts,
// MacAddress; NetworkingConfig's EndpointsConfig), with the CLI's messages.
// The flags themselves are parsed by `flags.ts` (their specs are in `run-options.ts`); this is their meaning.
import { isMacAddress, isUserDefinedMode } from '../network/network-mode.ts';
import { addExposed, parsePortSpecs, toStandardNotation, type PortBindingJSON, type PortSet } from '../network/ports.ts';
import type { EndpointConfig } from '../api/types/container.ts';
import type { FlagValues } from './flags.ts';

/** The create request's fields the network flags set, named as in the body (HostConfig's, Config's, NetworkingConfig's). */
export interface NetworkOptions {
  /** `default` when no `--network` was given */
  NetworkMode: string;
  EndpointsConfig: Record<string, EndpointConfig>;
  Links: string[];
  /** `-p` and `--expose` */
  ExposedPorts: PortSet;
  PortBindings: Record<string, PortBindingJSON[]>;
  PublishAllPorts: boolean;
  /** `--mac-address` (refused against an API 1.43 daemon: MAC_ADDRESS_API_ERROR) */
  MacAddress?: string;
}

export interface Attachment {
  target: string;
  aliases: string[];
  links: string[];
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  linkLocalIPs: string[];
  driverOpts?: Record<string, string>;
  gwPriority: number;
}

/** opts.NetworkOpt.Set: `NAME`, or the CSV long form `name=NAME,alias=A,ip=IP,...` (a flag value error). */
export function parseNetworkFlag(value: string): Attachment {
  const a: Attachment = { target: value, aliases: [], links: [], linkLocalIPs: [], gwPriority: 0 };
  if (!/\w+=\w+(,\w+=\w+)*/.test(value)) return a;
  a.target = '';
  for (const field of value.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase().trim();
    if (eq < 0 || key === '') throw new Error(`invalid field ${field}`);
    const val = field.slice(eq + 1).trim();
    switch (key) {
      case 'name':
        a.target = val;
        break;
      case 'alias':
        a.aliases.push(val);
        break;
      case 'ip':
        a.ipv4 = val;
        break;
      case 'ip6':
        a.ipv6 = val;
        break;
      case 'mac-address':
        a.mac = val;
        break;
      case 'link-local-ip':
        a.linkLocalIPs.push(val);
        break;
      case 'driver-opt': {
        const [k = '', v = ''] = val.toLowerCase().split('=');
        if (!val.includes('=') || k === '') throw new Error('invalid key value pair format in driver options');
        (a.driverOpts ??= {})[k.trim()] = v.trim();
        break;
      }
      case 'gw-priority':
        if (!/^[+-]?\d+$/.test(val)) throw new Error(`invalid gw-priority (${val}): invalid syntax`);
        a.gwPriority = Number(val);
        break;
      default:
        throw new Error(`invalid field key ${key}`);
    }
  }
  if (a.target === '') throw new Error('network name/id is not specified');
  return { ...a, target: a.target };
}

/** The error a docker 28 CLI reports for `--mac-address` against a daemon speaking API 1.43 (drydock's). */
export const MAC_ADDRESS_API_ERROR = '"specify mac-address per network" requires API version 1.44, but the Docker daemon API version is 1.43';

export interface RunNetworkFlags {
  networks: Attachment[];
  aliases: string[];
  links: string[];
  ip?: string;
  ip6?: string;
  mac?: string;
  publish: string[];
  publishAll: boolean;
  expose: string[];
}

/** The CLI's parse(): throws its messages (printed as `docker: MESSAGE`, exit 125). */
export function networkOptions(f: RunNetworkFlags): NetworkOptions {
  if (f.mac !== undefined && f.mac !== '' && !isMacAddress(f.mac)) throw new Error(`${f.mac} is not a valid mac address`);
  const { exposed, bindings } = parsePortSpecs(toStandardNotation(f.publish));
  addExposed(exposed, f.expose);

  const endpoints: Record<string, EndpointConfig> = {};
  let userDefined = false;
  let other = false;
  const apply = (n: Attachment) => {
    if (n.aliases.length > 0 && f.aliases.length > 0) throw new Error('conflicting options: cannot specify both --network-alias and per-network alias');
    if (n.links.length > 0 && f.links.length > 0) throw new Error('conflicting options: cannot specify both --link and per-network links');
    if (n.ipv4 && f.ip) throw new Error('conflicting options: cannot specify both --ip and per-network IPv4 address');
    if (n.ipv6 && f.ip6) throw new Error('conflicting options: cannot specify both --ip6 and per-network IPv6 address');
    if (n.mac && f.mac) throw new Error('conflicting options: cannot specify both --mac-address and per-network MAC address');
    if (f.aliases.length > 0) n.aliases = [...f.aliases];
    // on a user network `--link` makes an alias; on the default bridge it is a legacy link (HostConfig.Links)
    if (isUserDefinedMode(n.target) && f.links.length > 0) n.links = [...f.links];
    if (f.ip) n.ipv4 = f.ip;
    if (f.ip6) n.ipv6 = f.ip6;
    if (f.mac) n.mac = f.mac;
  };
  const endpoint = (n: Attachment): EndpointConfig => {
    if (n.target.trim() === '') throw new Error('no name set for network');
    if (!isUserDefinedMode(n.target)) {
      if (n.aliases.length > 0) throw new Error('network-scoped aliases are only supported for user-defined networks');
      if (n.links.length > 0) throw new Error('links are only supported for user-defined networks');
    }
    const ep: EndpointConfig = {};
    if (n.aliases.length > 0) ep.Aliases = [...n.aliases];
    if (n.driverOpts) ep.DriverOpts = n.driverOpts;
    if (n.links.length > 0) ep.Links = [...n.links];
    if (n.ipv4 || n.ipv6 || n.linkLocalIPs.length > 0) {
      ep.IPAMConfig = { ...(n.ipv4 ? { IPv4Address: n.ipv4 } : {}), ...(n.ipv6 ? { IPv6Address: n.ipv6 } : {}), ...(n.linkLocalIPs.length ? { LinkLocalIPs: n.linkLocalIPs } : {}) };
    }
    if (n.mac) {
      if (!isMacAddress(n.mac)) throw new Error(`${n.mac} is not a valid mac address`);
      ep.MacAddress = n.mac;
    }
    if (n.gwPriority) ep.GwPriority = n.gwPriority;
    return ep;
  };
  if (f.networks.length === 0) {
    const n: Attachment = { target: 'default', aliases: [], links: [], linkLocalIPs: [], gwPriority: 0 };
    apply(n);
    endpoints['default'] = endpoint(n);
  }
  f.networks.forEach((n, i) => {
    if (isUserDefinedMode(n.target)) userDefined = true;
    else other = true;
    if (i === 0) apply(n);
    const ep = endpoint(n);
    if (endpoints[n.target] !== undefined) throw new Error(`network "${n.target}" is specified multiple times`);
    // one network and nothing configured: no endpoint config is sent (the daemon makes one at create)
    if (i === 0 && f.networks.length === 1 && Object.keys(ep).length === 0) return;
    endpoints[n.target] = ep;
  });
  if (userDefined && other) throw new Error('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  const mode = f.networks[0]?.target ?? 'default';
  return {
    NetworkMode: mode,
    EndpointsConfig: endpoints,
    Links: [...f.links],
    ExposedPorts: exposed,
    PortBindings: bindings,
    PublishAllPorts: f.publishAll,
    ...(f.mac ? { MacAddress: f.mac } : {}),
  };
}

/** The network flags' values as `flags.ts` parsed them (`--network` through parseNetworkFlag) -> networkOptions. */
export function networkOptionsFromFlags(values: FlagValues): NetworkOptions {
  const list = <T = string>(name: string) => (values[name] as T[] | undefined) ?? [];
  const ip = values['ip'] as string | undefined;
  const mac = values['mac-address'] as string | undefined;
  return networkOptions({
    networks: list<Attachment>('network'),
    aliases: list('network-alias'),
    links: list('link'),
    ...(ip ? { ip } : {}),
    ...(mac ? { mac } : {}),
    publish: list('publish'),
    publishAll: (values['publish-all'] as boolean | undefined) ?? false,
    expose: list('expose'),
  });
}
