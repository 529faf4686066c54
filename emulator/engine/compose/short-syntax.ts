// Compose's short syntaxes: `[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]` ports (docker/go-connections' ParsePortSpec,
// ranges expanded) and `[SOURCE:]TARGET[:MODE]` volumes (compose-go format/volume.go).
import type { PortConfig, VolumeMount } from './model.ts';

/** Throws an Error with Compose's wording; the caller adds where. */
export function parsePortSpec(spec: string): PortConfig[] {
  const [main = '', protocol = 'tcp', ...extra] = spec.split('/');
  if (extra.length > 0 || protocol === '') throw new Error(`invalid proto: ${protocol}`);
  if (!['tcp', 'udp', 'sctp'].includes(protocol)) throw new Error(`invalid proto: ${protocol}`);
  if (main.startsWith('[')) throw new Error(`drydock does not publish IPv6 addresses: ${spec}`);
  const parts = main.split(':');
  let hostIp = '';
  let published = '';
  let target: string;
  if (parts.length === 1) target = parts[0] as string;
  else if (parts.length === 2) [published, target] = parts as [string, string];
  else if (parts.length === 3) [hostIp, published, target] = parts as [string, string, string];
  else throw new Error(`invalid port format: ${spec}`);
  const range = (text: string, what: string): [number, number] => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(text);
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2] ?? m?.[1]);
    if (!m || lo < 0 || hi > 65535 || hi < lo) throw new Error(`invalid ${what}: ${text}`);
    return [lo, hi];
  };
  const [tLo, tHi] = range(target, 'containerPort');
  const pub = published === '' ? undefined : range(published, 'hostPort');
  // a host range for one container port is the range to allocate from (go-connections ParsePortSpec)
  if (pub && pub[1] - pub[0] !== tHi - tLo && tLo !== tHi) {
    throw new Error(`invalid ranges specified for container and host Ports: ${target} and ${published}`);
  }
  const out: PortConfig[] = [];
  for (let t = tLo; t <= tHi; t++) {
    const p: PortConfig = { mode: 'ingress', target: t, protocol };
    if (hostIp) p.host_ip = hostIp;
    if (pub) p.published = pub[0] === pub[1] ? String(pub[0]) : tLo === tHi ? published : String(pub[0] + t - tLo);
    out.push(p);
  }
  return out;
}

const isFilePath = (source: string) => /^[./~]/.test(source);

export function parseVolumeSpec(spec: string): VolumeMount {
  if (spec.length === 0) throw new Error('invalid empty volume spec');
  const parts = spec.split(':');
  if (parts.some((p) => p === '')) throw new Error(`invalid spec: ${spec}: empty section between colons`);
  if (parts.length > 3) throw new Error(`invalid spec: ${spec}: too many colons`);
  let source: string | undefined;
  let target: string;
  let mode: string | undefined;
  if (parts.length === 1) target = parts[0] as string;
  else [source, target, mode] = parts as [string, string, string | undefined];
  const volume: VolumeMount = { type: source !== undefined && isFilePath(source) ? 'bind' : 'volume', target };
  if (source !== undefined) volume.source = source;
  for (const option of mode?.split(',') ?? []) {
    if (option === 'ro') volume.read_only = true;
    else if (option === 'rw') delete volume.read_only;
    else if (option === 'nocopy') volume.volume = { nocopy: true };
    else throw new Error(`invalid spec: ${spec}: drydock does not support the mount option "${option}"`);
  }
  if (volume.type === 'bind') volume.bind = { create_host_path: true };
  else volume.volume ??= {};
  return volume;
}

/** shlex-style split of a string `command`/`entrypoint`, as compose-go does with go-shellwords. */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && /["\\$`]/.test(text[i + 1] ?? '')) word += text[++i];
      else word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`invalid command line string`);
  if (inWord) words.push(word);
  return words;
}
