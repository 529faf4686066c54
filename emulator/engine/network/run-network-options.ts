// The network part of the create request as the daemon takes it (NetworkMode, NetworkingConfig.EndpointsConfig,
// HostConfig.Links, ExposedPorts, PortBindings) and the checks the CLI and the daemon share (`opts.ParseLink`,
// `opts.ValidateMACAddress`, user-defined modes). The CLI's flags are read into it by `cli/run-network-flags.ts`.
import type { EndpointSettingsJSON } from './endpoint-settings.ts';
import type { PortBindingJSON, PortSet } from './ports.ts';

/** What an API client may configure of an endpoint (the rest of EndpointSettings is operational). */
export type EndpointConfig = Partial<Pick<EndpointSettingsJSON, 'IPAMConfig' | 'Links' | 'Aliases' | 'MacAddress' | 'DriverOpts' | 'GwPriority'>>;

export interface RunNetworkRequest {
  /** HostConfig.NetworkMode as the CLI sends it: `default` when no `--network` was given */
  networkMode: string;
  /** NetworkingConfig.EndpointsConfig */
  endpointsConfig: Record<string, EndpointConfig>;
  /** HostConfig.Links */
  links: string[];
  /** Config.ExposedPorts (`-p` and `--expose`) */
  exposedPorts: PortSet;
  /** HostConfig.PortBindings */
  portBindings: Record<string, PortBindingJSON[]>;
  publishAll: boolean;
  /** `--mac-address` (the CLI refuses it against an API 1.43 daemon: `cli/run-network-flags.ts` MAC_ADDRESS_API_ERROR) */
  macAddress?: string;
}

/** container.NetworkMode(x).IsUserDefined() on Linux */
export function isUserDefinedMode(mode: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(mode) && !mode.startsWith('container:') && mode !== 'container';
}

/** opts.ParseLink: `NAME`, `NAME:ALIAS`, or an inspect-form `/NAME:/PARENT/ALIAS`. */
export function parseLink(value: string): { name: string; alias: string } {
  if (value === '') throw new Error('empty string specified for links');
  const parts = value.split(':');
  if (parts.length > 2) throw new Error(`bad format for links: ${value}`);
  if (parts.length === 1) return { name: value, alias: value };
  const [name = '', alias = ''] = parts;
  if (name.startsWith('/')) return { name: name.slice(1), alias: alias.split('/').pop() ?? '' };
  return { name, alias };
}

/** opts.ValidateMACAddress (Go's net.ParseMAC for 6-byte addresses). */
export function isMacAddress(value: string): boolean {
  return /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(value) || /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/.test(value);
}
