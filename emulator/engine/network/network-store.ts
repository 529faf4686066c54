// The engine's networks: the predefined `bridge` (docker0, 172.17.0.0/16), `host` and `none`, and the user's
// bridge networks, with stable 64-hex IDs, lookup like dockerd's FindNetwork (full ID, full name, unique ID
// prefix), Docker's refusals, persisted as one JSON document (drydock-networks.json) beside the containers'.
import { EngineError } from '../errors.ts';
import { generateId } from '../containers/ids.ts';
import { SaveQueue, type JsonStorage } from '../containers/json-storage.ts';
import { AddressPool, allocateSubnet, checkSubnetFree, validateIpamConfig, type IpamConfigJSON } from './ipam.ts';
import { formatIPv4, formatPrefix, parsePrefix, type Prefix } from './ipv4.ts';

export const NETWORKS_DOCUMENT = 'drydock-networks.json';

export type NetworkDriverName = 'bridge' | 'host' | 'null';

export interface NetworkRecord {
  id: string;
  name: string;
  driver: NetworkDriverName;
  /** epoch ms */
  created: number;
  internal: boolean;
  attachable: boolean;
  /** driver options (`-o`), Docker's `Options` */
  options: Record<string, string>;
  labels: Record<string, string>;
  ipam: {
    driver: string;
    /** `null` for networks made without IPAM options (the predefined ones, API clients that send none) */
    options: Record<string, string> | null;
    /** what the user asked for (`--subnet`...), `null` when nothing */
    config: IpamConfigJSON[] | null;
  };
  /** the IPv4 subnet, gateway and `--ip-range` in use (bridge networks) */
  subnet?: string;
  gateway?: string;
  ipRange?: string;
}

/** The three networks every Docker host has. */
export const PREDEFINED = ['bridge', 'host', 'none'] as const;

export function isPredefined(name: string): boolean {
  return (PREDEFINED as readonly string[]).includes(name);
}

/** The default bridge's driver options, as dockerd 28 sets them (daemon_unix.go initBridgeDriver). */
export const DEFAULT_BRIDGE_OPTIONS: Readonly<Record<string, string>> = {
  'com.docker.network.bridge.default_bridge': 'true',
  'com.docker.network.bridge.enable_icc': 'true',
  'com.docker.network.bridge.enable_ip_masquerade': 'true',
  'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
  'com.docker.network.bridge.name': 'docker0',
  'com.docker.network.driver.mtu': '1500',
};

/** The Linux bridge a network's containers are plugged into: docker0, `br-<12 hex>`, or the `-o` name. */
export function bridgeName(n: NetworkRecord): string {
  return n.options['com.docker.network.bridge.name'] ?? `br-${n.id.slice(0, 12)}`;
}

/** `docker network create` / `POST /networks/create` */
export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string } | null;
  EnableIPv6?: boolean | null;
  EnableIPv4?: boolean | null;
  Scope?: string;
  IPAM?: { Driver?: string; Options?: Record<string, string> | null; Config?: IpamConfigJSON[] | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

const DRIVER_ALIASES: Record<string, NetworkDriverName> = { bridge: 'bridge', host: 'host', null: 'null' };

export interface NetworkStoreOptions {
  now?: () => number;
  generateId?: () => string;
}

export class NetworkStore {
  readonly #records = new Map<string, NetworkRecord>();
  readonly #queue: SaveQueue;
  readonly #now: () => number;
  readonly #generateId: () => string;
  readonly #listeners = new Set<(record: NetworkRecord, event: 'create' | 'destroy') => void>();

  private constructor(storage: JsonStorage, options: NetworkStoreOptions) {
    this.#queue = new SaveQueue(storage);
    this.#now = options.now ?? Date.now;
    this.#generateId = options.generateId ?? (() => generateId());
  }

  /** Loads the saved networks; the predefined ones are made (once, with IDs kept from then on) when missing. */
  static async open(storage: JsonStorage, options: NetworkStoreOptions = {}): Promise<NetworkStore> {
    const store = new NetworkStore(storage, options);
    const text = await storage.load();
    for (const r of text ? (JSON.parse(text) as { networks: NetworkRecord[] }).networks : []) store.#records.set(r.id, r);
    let added = false;
    for (const name of PREDEFINED) {
      if (store.#byName(name)) continue;
      store.#add(store.#predefined(name));
      added = true;
    }
    if (added) await store.#save();
    return store;
  }

  #predefined(name: (typeof PREDEFINED)[number]): NetworkRecord {
    const base = { id: this.#newId(), name, created: this.#now(), internal: false, attachable: false, labels: {} };
    if (name === 'bridge') {
      return {
        ...base,
        driver: 'bridge',
        options: { ...DEFAULT_BRIDGE_OPTIONS },
        ipam: { driver: 'default', options: null, config: [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }] },
        subnet: '172.17.0.0/16',
        gateway: '172.17.0.1',
      };
    }
    return { ...base, driver: name === 'host' ? 'host' : 'null', options: {}, ipam: { driver: 'default', options: null, config: null } };
  }

  #newId(): string {
    for (;;) {
      const id = this.#generateId();
      if (!this.#records.has(id)) return id;
    }
  }

  #add(record: NetworkRecord): void {
    this.#records.set(record.id, record);
  }

  #byName(name: string): NetworkRecord | undefined {
    for (const r of this.#records.values()) if (r.name === name) return r;
    return undefined;
  }

  /** In creation order: the predefined networks first. */
  list(): NetworkRecord[] {
    return [...this.#records.values()];
  }

  /**
   * dockerd's FindNetwork: a full ID, then a full name, then a unique ID prefix. Throws `network x not found`
   * (404) or `network x is ambiguous (n matches found based on ID prefix)` (400).
   */
  get(term: string): NetworkRecord {
    const found = this.find(term);
    if (!found) throw new EngineError('NOT_FOUND', `network ${term} not found`);
    return found;
  }

  find(term: string): NetworkRecord | undefined {
    if (term === '') return undefined;
    const exact = this.#records.get(term);
    if (exact) return exact;
    const named = this.#byName(term);
    if (named) return named;
    const prefixed = this.list().filter((r) => r.id.startsWith(term));
    if (prefixed.length > 1) throw new EngineError('INVALID_ARGUMENT', `network ${term} is ambiguous (${prefixed.length} matches found based on ID prefix)`);
    return prefixed[0];
  }

  /** The IPv4 subnets of every network (a new one may overlap none of them). */
  subnets(): Prefix[] {
    return this.list().flatMap((r) => (r.subnet ? [parsePrefix(r.subnet) as Prefix] : []));
  }

  /** `POST /networks/create`: validated like dockerd, a subnet from the default pools unless given. */
  async create(request: NetworkCreateRequest): Promise<NetworkRecord> {
    const name = request.Name ?? '';
    if (isPredefined(name)) throw new EngineError('DENIED', `operation is not permitted on predefined ${name} network `);
    const driverName = request.Driver || 'bridge';
    const driver = DRIVER_ALIASES[driverName];
    if (driver === undefined) {
      throw new EngineError('NOT_FOUND', `plugin "${driverName}" not found`, { details: { hint: 'drydock networks use the bridge driver' } });
    }
    if (driver !== 'bridge') throw new EngineError('DENIED', `only one instance of "${driverName}" network is allowed`);
    if (name.trim() === '') throw new EngineError('INVALID_ARGUMENT', 'invalid name: name is empty');
    if (this.#byName(name)) throw new EngineError('CONFLICT', `network with name ${name} already exists`);
    if (request.EnableIPv6) throw new EngineError('INVALID_ARGUMENT', 'IPv6 networks are not supported in drydock: the machine\'s network is IPv4 only');
    if (request.EnableIPv4 === false) throw new EngineError('INVALID_ARGUMENT', 'IPv4 cannot be disabled in drydock: the machine\'s network is IPv4 only');
    if (request.ConfigOnly || request.ConfigFrom?.Network) throw new EngineError('NOT_IMPLEMENTED', 'config-only networks are not supported in drydock');
    if (request.Ingress) throw new EngineError('DENIED', 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
    const ipamDriver = request.IPAM?.Driver || 'default';
    if (ipamDriver !== 'default') throw new EngineError('NOT_FOUND', `plugin "${ipamDriver}" not found`);
    const configs = request.IPAM?.Config ?? [];
    if (configs.some((c) => (c.Subnet ?? '').includes(':'))) throw new EngineError('INVALID_ARGUMENT', 'IPv6 subnets are not supported in drydock: the machine\'s network is IPv4 only');
    validateIpamConfig(configs);
    if (configs.length > 1) throw new EngineError('NOT_IMPLEMENTED', 'a network with several IPv4 subnets is not supported in drydock');
    const given = configs[0];
    let subnet: Prefix;
    if (given?.Subnet) {
      subnet = parsePrefix(given.Subnet) as Prefix;
      checkSubnetFree(subnet, this.subnets());
    } else subnet = allocateSubnet(this.subnets());
    // libnetwork asks IPAM for the gateway like for any address: the lowest free one of the range
    const gateway = given?.Gateway || formatIPv4(new AddressPool(subnet, given?.IPRange ? parsePrefix(given.IPRange) : undefined).allocate());
    const record: NetworkRecord = {
      id: this.#newId(),
      name,
      driver,
      created: this.#now(),
      internal: request.Internal ?? false,
      attachable: request.Attachable ?? false,
      options: { ...(request.Options ?? {}) },
      labels: { ...(request.Labels ?? {}) },
      ipam: { driver: ipamDriver, options: request.IPAM?.Options ? { ...request.IPAM.Options } : null, config: request.IPAM ? configs.map((c) => ({ ...c })) : null },
      subnet: formatPrefix(subnet),
      gateway,
      ...(given?.IPRange ? { ipRange: given.IPRange } : {}),
    };
    this.#add(record);
    await this.#save();
    for (const l of this.#listeners) l(record, 'create');
    return record;
  }

  /** Forgets a network (the caller checked it is not predefined and has no endpoints). */
  async remove(id: string): Promise<void> {
    const record = this.#records.get(id);
    if (!record) throw new EngineError('NOT_FOUND', `network ${id} not found`);
    this.#records.delete(id);
    await this.#save();
    for (const l of this.#listeners) l(record, 'destroy');
  }

  subscribe(listener: (record: NetworkRecord, event: 'create' | 'destroy') => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #save(): Promise<void> {
    return this.#queue.save(JSON.stringify({ networks: this.list() }));
  }
}
