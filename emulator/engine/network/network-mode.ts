// The network checks the CLI and the daemon share: user-defined network modes (container.NetworkMode), legacy
// links (`opts.ParseLink`), MAC addresses (`opts.ValidateMACAddress`).

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
