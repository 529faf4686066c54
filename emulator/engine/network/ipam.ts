// IP address management like libnetwork's default IPAM driver: subnets for new networks from Docker's default
// local address pools (172.17-31.0.0/16, then 192.168.0.0/16 in /20s; the lowest free one, skipping what the
// host's own routes use), `--subnet`/`--ip-range`/`--gateway` checked with dockerd's messages, and addresses
// inside a network (the network and broadcast addresses reserved, the gateway first, then the lowest free one).
import { EngineError } from '../errors.ts';
import { contains, formatPrefix, lastAddress, overlaps, parseIPv4, parsePrefix, prefixOf, size, type IPv4, type Prefix } from './ipv4.ts';

/** libnetwork/ipamutils localScopeDefaultNetworks: a base split into prefixes of `size` bits. */
export const DEFAULT_POOLS: readonly { base: string; size: number }[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/** The guest's own link (eth0 192.168.86.100/24, emulator/guest/rootfs/etc/init.d/10-network.sh): dockerd keeps
 *  networks off the host's routes, so 192.168.80.0/20 is never handed out. */
export const HOST_ROUTES: readonly string[] = ['192.168.86.0/24'];

/** The first default-pool prefix that overlaps neither a network's subnet nor a host route. */
export function allocateSubnet(inUse: readonly Prefix[], reserved: readonly Prefix[] = HOST_ROUTES.map((r) => parsePrefix(r) as Prefix)): Prefix {
  const taken = [...inUse, ...reserved];
  for (const pool of DEFAULT_POOLS) {
    const base = parsePrefix(pool.base) as Prefix;
    const step = 2 ** (32 - pool.size);
    for (let a = base.base; a <= lastAddress(base); a += step) {
      const candidate = prefixOf(a >>> 0, pool.size);
      if (!taken.some((t) => overlaps(t, candidate))) return candidate;
    }
  }
  throw new EngineError('INVALID_ARGUMENT', 'all predefined address pools have been fully subnetted');
}

/** `POST /networks/create` IPAM.Config entry */
export interface IpamConfigJSON {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** api/types/network.ValidateIPAM (IPv4; IPv6 entries are refused by the caller). */
export function validateIpamConfig(configs: readonly IpamConfigJSON[]): void {
  const errs: string[] = [];
  for (const cfg of configs) {
    const subnetText = cfg.Subnet ?? '';
    const subnet = parseCidrLoose(subnetText);
    if (!subnet) {
      errs.push(`invalid subnet ${subnetText}: invalid CIDR block notation`);
      continue;
    }
    const masked = prefixOf(subnet.ip, subnet.bits);
    if (masked.base !== subnet.ip) errs.push(`invalid subnet ${subnetText}: it should be ${formatPrefix(masked)}`);
    if (cfg.IPRange) {
      const range = parseCidrLoose(cfg.IPRange);
      if (!range) errs.push(`invalid ip-range ${cfg.IPRange}: invalid CIDR block notation`);
      else {
        const r = prefixOf(range.ip, range.bits);
        if (range.bits < masked.bits) errs.push(`invalid ip-range ${cfg.IPRange}: CIDR block is bigger than its parent subnet ${subnetText}`);
        if (r.base !== range.ip) errs.push(`invalid ip-range ${cfg.IPRange}: it should be ${formatPrefix(r)}`);
        if (!overlaps(masked, r)) errs.push(`invalid ip-range ${cfg.IPRange}: parent subnet ${subnetText} doesn't contain ip-range`);
      }
    }
    const address = (what: string, text: string | undefined) => {
      if (!text) return;
      const ip = parseIPv4(text);
      if (ip === undefined) errs.push(`${what}: invalid address`);
      else if (!contains(masked, ip)) errs.push(`${what}: parent subnet ${subnetText} doesn't contain this address`);
    };
    address(`invalid gateway ${cfg.Gateway ?? ''}`, cfg.Gateway);
    for (const [name, aux] of Object.entries(cfg.AuxiliaryAddresses ?? {})) address(`invalid auxiliary address ${name}`, aux);
  }
  if (errs.length > 0) {
    throw new EngineError('INVALID_ARGUMENT', `invalid network config:\n${errs.length === 1 ? errs[0] : `* ${errs.join('\n* ')}`}`);
  }
}

function parseCidrLoose(text: string): { ip: IPv4; bits: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIPv4(text.slice(0, slash));
  const bits = Number(text.slice(slash + 1));
  if (ip === undefined || !/^\d{1,2}$/.test(text.slice(slash + 1)) || bits > 32) return undefined;
  return { ip, bits };
}

/** A user's `--subnet` next to the subnets in use (libnetwork's allocateSubnet). */
export function checkSubnetFree(subnet: Prefix, inUse: readonly Prefix[]): void {
  if (inUse.some((p) => overlaps(p, subnet))) {
    throw new EngineError('DENIED', 'invalid pool request: Pool overlaps with other one on this address space');
  }
}

/** The addresses of one network: network and broadcast addresses reserved, the gateway, the containers'. */
export class AddressPool {
  readonly #used = new Set<IPv4>();
  readonly subnet: Prefix;
  /** `--ip-range`: where automatic addresses come from (the subnet when not given) */
  readonly range: Prefix;

  constructor(subnet: Prefix, range?: Prefix) {
    this.subnet = subnet;
    this.range = range ?? subnet;
    if (32 - subnet.bits > 1) {
      this.#used.add(subnet.base);
      this.#used.add(lastAddress(subnet));
    }
  }

  /** The given address (`--ip`, `--gateway`) or the lowest free one of the range. Throws dockerd's messages. */
  allocate(preferred?: IPv4): IPv4 {
    if (preferred !== undefined) {
      if (!contains(this.subnet, preferred)) throw new EngineError('INVALID_ARGUMENT', 'requested address is out of range');
      if (this.#used.has(preferred)) throw new EngineError('DENIED', 'Address already in use');
      this.#used.add(preferred);
      return preferred;
    }
    for (let i = 0; i < size(this.range); i++) {
      const ip = (this.range.base + i) >>> 0;
      if (!this.#used.has(ip)) {
        this.#used.add(ip);
        return ip;
      }
    }
    throw new EngineError('CONFLICT', 'no available addresses on this pool');
  }

  release(ip: IPv4): void {
    if (ip === this.subnet.base || ip === lastAddress(this.subnet)) return;
    this.#used.delete(ip);
  }

  inUse(ip: IPv4): boolean {
    return this.#used.has(ip);
  }
}

