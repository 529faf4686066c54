// The network side of a container's life, like dockerd's allocateNetwork/releaseNetwork with libnetwork: at
// start, endpoints on each network (IP from IPAM, MAC, veth names, endpoint ID), legacy links, published ports
// (host ports allocated), the networks ensured in the guest, /etc/hosts and resolv.conf; once PID 1 runs, the
// ports published and every affected container's embedded-DNS view; at exit, all of it released; `network
// connect`/`disconnect` of running containers; a lost guest forgotten. Decisions here, guest work through the
// injected NetworkDriver (endpoint.ts). Operations on one container are serialised.
import { KeyedTurns } from '../keyed-turns.ts';
import { EngineError } from '../errors.ts';
import type { ContainerRecord, ContainerStore } from '../containers/container-store.ts';
import type { EtcFileName, NetworkForBundle } from '../containers/bundle.ts';
import { dnsView, endpointDnsNames, type DnsParticipant } from './dns-view.ts';
import type { ContainerNetwork, EndpointPlan, NetworkDriver, NetworkPlan, PortMapping } from './endpoint.ts';
import { cleanOperationalData, emptyEndpointSettings, stoppedState, type ContainerEndpoint, type ContainerNetworkState } from './endpoint-settings.ts';
import { GUEST_HOST_FILES, hostsFile, linkHostNames, resolvConfFile, type HostFiles } from './etc-files.ts';
import { AddressPool } from './ipam.ts';
import { contains, formatIPv4, parseIPv4, parsePrefix, type IPv4, type Prefix } from './ipv4.ts';
import { linkEnvVars } from './link-env.ts';
import { bridgeName, type NetworkRecord, type NetworkStore } from './network-store.ts';
import { PortAllocationError, PortAllocator, WILDCARD } from './port-allocator.ts';
import { parsePortKey, parsePortRange, sortedKeys, splitProtoPort, type PortBindingJSON, type PortMap } from './ports.ts';
import { isUserDefinedMode } from './network-mode.ts';
import type { EndpointConfig } from '../api/types/container.ts';

export interface ContainerNetworkingDeps {
  networks: NetworkStore;
  containers: ContainerStore;
  /**
   * The guest side (bridges, veths, NAT, proxies, embedded DNS). Without one the networks are only modelled:
   * containers get their own namespace with loopback only, and publishing a port is refused.
   */
  driver?: NetworkDriver;
  /** the guest's /etc/hosts and /etc/resolv.conf (dockerd reads the host's at every start) */
  hostFiles?: () => Promise<HostFiles>;
  /** writes a running container's /etc/hosts again (`network connect`/`disconnect`) */
  writeHosts?: (record: ContainerRecord, text: string) => Promise<void>;
  /** random bytes for MACs, veth names, endpoint and sandbox IDs; tests pin them */
  randomBytes?: (n: number) => Uint8Array;
}

/** What the start of a container needs from the network model. */
export interface PreparedNetwork extends NetworkForBundle {
  /** for the runtime: how the container's network namespace is made */
  network: ContainerNetwork;
}

/** What one running container holds (in memory: a new engine or guest has none of it). */
interface Active {
  endpoints: { networkId: string; ip?: IPv4 }[];
  ports: { ip: string; proto: string; port: number }[];
  mappings: PortMapping[];
  published: boolean;
  files: Record<EtcFileName, string>;
  extraHosts: { ip: string; names: string }[];
}

/** The prefix dockerd wraps start-time network failures in (daemon/start_linux.go). */
export const SETUP_NETWORKING = 'failed to set up container networking';

const running = (r: ContainerRecord) => ['running', 'paused', 'restarting'].includes(r.state.status);

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** dockerd's getNetworkID: a user network by the ID it had, the predefined ones by name. */
function networkTerm(ep: ContainerEndpoint): string {
  return isUserDefinedMode(ep.network) && ep.settings.NetworkID ? ep.settings.NetworkID : ep.network;
}

/** What only holds while a container runs is still recorded. */
function hasOperationalData(state: ContainerNetworkState): boolean {
  return state.ports !== null || state.sandboxId !== '' || state.endpoints.some((e) => e.settings.EndpointID !== '' || e.settings.IPAddress !== '');
}

function wrap(e: unknown): EngineError {
  if (e instanceof EngineError) return new EngineError(e.code, `${SETUP_NETWORKING}: ${e.message}`, { details: { origin: 'daemon' } });
  return new EngineError('INTERNAL', `${SETUP_NETWORKING}: ${(e as Error).message}`, { details: { origin: 'daemon' } });
}

export class ContainerNetworking {
  readonly #active = new Map<string, Active>();
  readonly #pools = new Map<string, AddressPool>();
  readonly #ports = new PortAllocator();
  readonly #turns = new KeyedTurns();
  /** releases under way, by container: a new container's ports and addresses wait for them (see #released) */
  readonly #releasing = new Map<string, Promise<unknown>>();
  readonly #random: (n: number) => Uint8Array;
  readonly #dispose: (() => void)[] = [];

  private constructor(private readonly deps: ContainerNetworkingDeps) {
    this.#random = deps.randomBytes ?? ((n) => crypto.getRandomValues(new Uint8Array(n)));
    // Every way a container stops goes through the store's events: the network is released on all of them.
    this.#dispose.push(
      deps.containers.subscribe((record, event) => {
        if (event === 'die' || event === 'restart' || event === 'start-failed') void this.release(record.id).catch(() => undefined);
        else if (event === 'destroy') void this.release(record.id, { gone: true }).catch(() => undefined);
        else if (event === 'rename') void this.#renamed(record).catch(() => undefined);
      }),
      deps.networks.subscribe((record, event) => {
        if (event === 'destroy') this.#pools.delete(record.id);
      }),
    );
  }

  /** After an engine start nothing runs: operational data saved by a previous one is cleared, as after dockerd's restore. */
  static async open(deps: ContainerNetworkingDeps): Promise<ContainerNetworking> {
    const n = new ContainerNetworking(deps);
    for (const r of deps.containers.list()) {
      if (!running(r) && r.network && hasOperationalData(r.network)) await deps.containers.setNetwork(r.id, stoppedState(r.network));
    }
    return n;
  }

  dispose(): void {
    for (const d of this.#dispose.splice(0)) d();
  }

  get driver(): NetworkDriver | undefined {
    return this.deps.driver;
  }

  /** A record's network state; records from before networks existed get what their NetworkMode implies. */
  stateOf(record: ContainerRecord): ContainerNetworkState {
    if (record.network) return record.network;
    const mode = record.hostConfig.NetworkMode;
    const endpoints = mode.startsWith('container:') ? [] : [{ network: mode, settings: emptyEndpointSettings() }];
    return { endpoints, ports: null, sandboxId: '', sandboxKey: '', links: [] };
  }

  #serial<T>(id: string, work: () => Promise<T>): Promise<T> {
    return this.#turns.run(id, work);
  }

  #pool(n: NetworkRecord): AddressPool {
    let pool = this.#pools.get(n.id);
    if (!pool) {
      pool = new AddressPool(parsePrefix(n.subnet as string) as Prefix, n.ipRange ? parsePrefix(n.ipRange) : undefined);
      const gw = parseIPv4(n.gateway ?? '');
      if (gw !== undefined && contains(pool.subnet, gw)) pool.allocate(gw);
      this.#pools.set(n.id, pool);
    }
    return pool;
  }

  async #hostFiles(): Promise<HostFiles> {
    return this.deps.hostFiles ? this.deps.hostFiles().catch(() => GUEST_HOST_FILES) : GUEST_HOST_FILES;
  }

  #plan(n: NetworkRecord): NetworkPlan {
    return { id: n.id, name: n.name, bridge: bridgeName(n), subnet: n.subnet as string, gateway: n.gateway as string, internal: n.internal, embeddedDns: isUserDefinedMode(n.name) };
  }

  #mac(): string {
    // libnetwork 28's GenerateRandomMAC: random, unicast, locally administered
    const b = this.#random(6);
    b[0] = ((b[0] as number) & 0xfe) | 0x02;
    return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
  }

  /**
   * Everything a start needs before the runtime creates the container. Throws dockerd's errors (prefixed with
   * `failed to set up container networking: ` where dockerd prefixes them); nothing is left allocated then.
   */
  prepare(record: ContainerRecord): Promise<PreparedNetwork> {
    return this.#serial(record.id, async () => {
      await this.#releaseNow(record.id, {});
      await this.#released(record.id);
      const mode = record.hostConfig.NetworkMode;
      if (mode.startsWith('container:')) return this.#prepareJoin(record, mode.slice('container:'.length));
      const host = await this.#hostFiles();
      const state = structuredClone(this.stateOf(record));
      const hostname = `${record.config.Hostname}\n`;
      if (mode === 'host' || mode === 'none') {
        const n = this.deps.networks.find(mode);
        for (const ep of state.endpoints) {
          cleanOperationalData(ep.settings);
          ep.settings.NetworkID = n?.id ?? '';
          ep.settings.EndpointID = hex(this.#random(32));
        }
        state.sandboxId = hex(this.#random(32));
        state.ports = {};
        const files = {
          hostname,
          hosts: mode === 'host' ? host.hosts : hostsFile({ hostname: record.config.Hostname, domainname: record.config.Domainname, addresses: [] }),
          'resolv.conf': resolvConfFile(mode === 'host' ? 'host' : 'legacy', host.resolvConf),
        };
        this.#active.set(record.id, { endpoints: [], ports: [], mappings: [], published: false, files, extraHosts: [] });
        await this.deps.containers.setNetwork(record.id, state);
        return { network: { mode }, files, env: [] };
      }
      return this.#prepareEndpoints(record, state, host);
    });
  }

  async #prepareJoin(record: ContainerRecord, ref: string): Promise<PreparedNetwork> {
    // daemon.getNetworkedContainer: the container must exist, not be itself, and run
    let target: ContainerRecord | undefined;
    try {
      target = this.deps.containers.find(ref);
    } catch {
      target = undefined;
    }
    if (!target) throw new EngineError('INTERNAL', `joining network namespace of container: No such container: ${ref}`, { details: { origin: 'daemon' } });
    if (target.id === record.id) throw new EngineError('INTERNAL', 'cannot join own network namespace', { details: { origin: 'daemon' } });
    if (target.state.status === 'restarting') throw new EngineError('CONFLICT', `cannot join network namespace of container: Container ${target.id} is restarting, wait until the container is running`);
    if (!['running', 'paused'].includes(target.state.status) || !target.state.pid) {
      throw new EngineError('CONFLICT', `cannot join network namespace of a non running container: container ${target.name} is ${target.state.status}`);
    }
    const files = this.#active.get(target.id)?.files;
    if (files === undefined) throw new EngineError('CONFLICT', `cannot join network namespace of a non running container: container ${target.name} is ${target.state.status}`);
    // the shared namespace brings the other container's host name with it (dockerd's initializeNetworking)
    if (record.config.Hostname !== target.config.Hostname) await this.deps.containers.setHostname(record.id, target.config.Hostname);
    this.#active.set(record.id, { endpoints: [], ports: [], mappings: [], published: false, files, extraHosts: [] });
    const netnsPath = `/proc/${target.state.pid}/ns/net`;
    return { network: { mode: 'container', pid: target.state.pid }, files, env: [], netnsPath };
  }

  /**
   * Legacy links (default bridge only): the linked containers' /etc/hosts lines and variables. Checked before
   * any address is taken, and not wrapped: dockerd makes them with the container's spec, before its network.
   */
  #legacyLinks(record: ContainerRecord, state: ContainerNetworkState): { env: string[]; extraHosts: { ip: string; names: string }[] } {
    const env: string[] = [];
    const extraHosts: { ip: string; names: string }[] = [];
    if (!state.endpoints.some((e) => e.network === 'bridge')) return { env, extraHosts };
    for (const link of state.links) {
      const child = this.deps.containers.find(link.id);
      if (!child) continue;
      const linkName = `/${record.name}/${link.alias}`;
      if (!['running', 'paused'].includes(child.state.status)) throw new EngineError('INVALID_ARGUMENT', `Cannot link to a non running container: /${child.name} AS ${linkName}`, { details: { origin: 'daemon' } });
      const childBridge = this.stateOf(child).endpoints.find((e) => e.network === 'bridge' && e.settings.EndpointID);
      if (!childBridge) throw new EngineError('INVALID_ARGUMENT', `container ${child.id} not attached to default bridge network`, { details: { origin: 'daemon' } });
      if (childBridge.settings.IPAddress) extraHosts.push({ ip: childBridge.settings.IPAddress, names: linkHostNames(link.alias, child.config.Hostname, child.name) });
      env.push(...linkEnvVars(linkName, childBridge.settings.IPAddress, child.config.Env, Object.keys(child.config.ExposedPorts ?? {})));
    }
    return { env, extraHosts };
  }

  async #prepareEndpoints(record: ContainerRecord, state: ContainerNetworkState, host: HostFiles): Promise<PreparedNetwork> {
    const { env, extraHosts } = this.#legacyLinks(record, state);
    const active: Active = { endpoints: [], ports: [], mappings: [], published: false, files: { hostname: '', hosts: '', 'resolv.conf': '' }, extraHosts };
    // registered first so that a failure below releases what was taken so far
    this.#active.set(record.id, active);
    try {
      const plans: EndpointPlan[] = [];
      const networks: NetworkRecord[] = [];
      for (const [i, ep] of state.endpoints.entries()) {
        const n = this.deps.networks.find(networkTerm(ep));
        if (!n) throw new EngineError('NOT_FOUND', `network ${networkTerm(ep)} not found`);
        if (n.driver !== 'bridge') {
          throw new EngineError('DENIED', n.driver === 'host' ? 'cannot connect container to host network - container must be created in host network mode' : 'container cannot be connected to multiple networks with one of the networks in private (none) mode');
        }
        const plan = this.#attachEndpoint(record, ep, n, i, active);
        plans.push(plan);
        networks.push(n);
      }
      state.ports = this.#allocatePorts(record, state, networks, active);
      if (active.mappings.length > 0 && !this.deps.driver) {
        throw new EngineError('NOT_IMPLEMENTED', "publishing ports needs the guest's network driver, which this engine was started without");
      }
      state.sandboxId = hex(this.#random(32));
      state.sandboxKey = '';
      const embedded = networks.some((n) => isUserDefinedMode(n.name));
      active.files = {
        hostname: `${record.config.Hostname}\n`,
        hosts: hostsFile({ hostname: record.config.Hostname, domainname: record.config.Domainname, addresses: plans.map((p) => p.ipAddress), extra: active.extraHosts }),
        'resolv.conf': resolvConfFile(embedded ? 'internal' : 'legacy', host.resolvConf),
      };
      for (const n of new Map(networks.map((n) => [n.id, n])).values()) await this.deps.driver?.ensureNetwork(this.#plan(n));
      await this.deps.containers.setNetwork(record.id, state);
      // before its process runs, as dockerd joins the sandbox before the start: a `ping db` as the container's first
      // act must find db (and db find it), not race the view's writing
      await this.#refreshDns(this.#sharing(record.id));
      // without the guest side, nothing would make the bridges the endpoints plug into: loopback only, as promised
      const network: ContainerNetwork = this.deps.driver ? { mode: 'endpoints', endpoints: plans, dns: embedded } : { mode: 'none' };
      return { network, files: active.files, env };
    } catch (e) {
      await this.#releaseNow(record.id, {});
      throw wrap(e);
    }
  }

  /** One endpoint: an address (the asked one or the lowest free), MAC, IDs, veth names; its settings filled in. */
  #attachEndpoint(record: ContainerRecord, ep: ContainerEndpoint, n: NetworkRecord, index: number, active: Active): EndpointPlan {
    const pool = this.#pool(n);
    const asked = ep.settings.IPAMConfig?.IPv4Address;
    const ip = pool.allocate(asked ? parseIPv4(asked) : undefined);
    active.endpoints.push({ networkId: n.id, ip });
    const mac = ep.desiredMac ?? this.#mac();
    const id = hex(this.#random(32));
    const hostIfName = `veth${hex(this.#random(4)).slice(0, 7)}`;
    const ifName = `eth${index}`;
    const s = ep.settings;
    ep.network = n.name;
    s.NetworkID = n.id;
    s.EndpointID = id;
    s.Gateway = n.gateway ?? '';
    s.IPAddress = formatIPv4(ip);
    s.IPPrefixLen = pool.subnet.bits;
    s.MacAddress = mac;
    s.DNSNames = isUserDefinedMode(n.name) ? endpointDnsNames({ id: record.id, name: record.name, hostname: record.config.Hostname }, s.Aliases) : null;
    ep.ifName = ifName;
    ep.hostIfName = hostIfName;
    return {
      network: this.#plan(n),
      id,
      ifName,
      hostIfName,
      ipAddress: s.IPAddress,
      prefixLength: s.IPPrefixLen,
      macAddress: mac,
      defaultRoute: index === 0,
    };
  }

  /**
   * NetworkSettings.Ports: every exposed port (null when not published), host ports allocated for the bindings
   * and for `-P`, on the first endpoint that is not on an internal network (libnetwork's external connectivity).
   */
  #allocatePorts(record: ContainerRecord, state: ContainerNetworkState, networks: NetworkRecord[], active: Active): PortMap {
    const index = networks.findIndex((n) => !n.internal);
    if (index < 0) return {};
    const ep = state.endpoints[index] as ContainerEndpoint;
    const containerIp = ep.settings.IPAddress;
    const bindings = record.hostConfig.PortBindings ?? {};
    const exposed = Object.keys(record.config.ExposedPorts ?? {});
    // nat.SortPortMap's order: explicit host ports first (highest first), then higher container ports, tcp first
    const entries: { port: string; binding?: PortBindingJSON }[] = [];
    for (const port of exposed) {
      const list = bindings[port] ?? [];
      if (list.length > 0) for (const b of list) entries.push({ port, binding: b });
      else entries.push({ port, ...(record.hostConfig.PublishAllPorts ? { binding: { HostIp: '', HostPort: '' } } : {}) });
    }
    const hostPort = (b?: PortBindingJSON) => (b?.HostPort ? Number(b.HostPort.split('-')[0]) || 0 : 0);
    entries.sort((a, b) => hostPort(b.binding) - hostPort(a.binding) || parsePortKey(b.port).port - parsePortKey(a.port).port || Number(parsePortKey(b.port).proto === 'tcp') - Number(parsePortKey(a.port).proto === 'tcp'));
    const map: PortMap = {};
    for (const port of exposed) map[port] = null;
    const gateways = new Set(this.deps.networks.list().flatMap((n) => (n.gateway ? [n.gateway] : [])));
    for (const { port, binding } of entries) {
      if (!binding) continue;
      const { port: containerPort, proto } = parsePortKey(port);
      const hostIp = binding.HostIp || WILDCARD;
      const [, range] = splitProtoPort(binding.HostPort);
      const { start, end } = range === '' ? { start: 0, end: 0 } : parsePortRange(range);
      const external = () => new EngineError('INTERNAL', `driver failed programming external connectivity on endpoint ${record.name} (${ep.settings.EndpointID}): `);
      if (!this.#bindable(hostIp, gateways)) {
        const e = external();
        throw new EngineError('INTERNAL', `${e.message}failed to bind host port for ${hostIp}:${start || ''}:${containerIp}:${containerPort}/${proto}: cannot assign requested address`);
      }
      let allocated: number;
      try {
        allocated = this.#ports.request(hostIp, proto, start, end, { containerIp, containerPort });
      } catch (err) {
        if (!(err instanceof PortAllocationError)) throw err;
        throw new EngineError('INTERNAL', `${external().message}${err.message}`);
      }
      active.ports.push({ ip: hostIp, proto, port: allocated });
      active.mappings.push({ proto: proto as PortMapping['proto'], hostIp, hostPort: allocated, containerIp, containerPort });
      (map[port] ??= []).push({ HostIp: hostIp, HostPort: String(allocated) });
    }
    return sortedKeys(map);
  }

  /** The host addresses the guest has: any, loopback, eth0, and the networks' gateways (their bridges). */
  #bindable(ip: string, gateways: Set<string>): boolean {
    return ip === WILDCARD || ip.startsWith('127.') || ip === '192.168.86.100' || gateways.has(ip);
  }

  /**
   * Once PID 1 runs: the sandbox key and the published ports (the DNS views were written before, by the
   * preparation). Throws dockerd's error when the guest cannot publish (the caller then stops the start).
   */
  started(record: ContainerRecord, pid: number): Promise<void> {
    return this.#serial(record.id, async () => {
      const active = this.#active.get(record.id);
      const current = this.deps.containers.find(record.id);
      if (!active || !current) return;
      const state = structuredClone(this.stateOf(current));
      if (pid > 0 && !current.hostConfig.NetworkMode.startsWith('container:')) state.sandboxKey = `/proc/${pid}/ns/net`;
      await this.deps.containers.setNetwork(record.id, state);
      if (active.mappings.length > 0) {
        const ep = state.endpoints.find((e) => e.settings.IPAddress === active.mappings[0]?.containerIp);
        try {
          await this.deps.driver?.publish(record.id, active.mappings);
          active.published = true;
        } catch (e) {
          active.published = true; // whatever was made must be unmade by the release
          throw new EngineError('INTERNAL', `${SETUP_NETWORKING}: driver failed programming external connectivity on endpoint ${record.name} (${ep?.settings.EndpointID ?? ''}): ${(e as Error).message}`, { details: { origin: 'daemon' } });
        }
      }
    });
  }

  /** Everything of the container's run given back: ports unpublished, addresses, host ports, DNS views. */
  release(id: string, options: { gone?: boolean } = {}): Promise<void> {
    const done = this.#serial(id, () => this.#releaseNow(id, options));
    const settled = done.catch(() => undefined);
    this.#releasing.set(id, settled);
    void settled.then(() => {
      if (this.#releasing.get(id) === settled) this.#releasing.delete(id);
    });
    return done;
  }

  /**
   * Resolves once the container's release under way (if any) has finished. A container's exit is seen through the
   * store's events and released from there; `docker stop`, `kill` and `rm -f` wait for this before they answer
   * (daemon-state.ts released), as dockerd releases the network before it answers: the port is free and its
   * docker-proxy gone when the CLI returns.
   */
  async settled(id: string): Promise<void> {
    await this.#releasing.get(id);
  }

  /** Waits for the other containers' releases under way: a new container's ports and addresses may be theirs. */
  async #released(except: string): Promise<void> {
    await Promise.all([...this.#releasing].filter(([id]) => id !== except).map(([, p]) => p));
  }

  async #releaseNow(id: string, options: { gone?: boolean }): Promise<void> {
    const active = this.#active.get(id);
    const affected = this.#sharing(id);
    if (active) {
      this.#active.delete(id);
      if (active.published) await this.deps.driver?.unpublish(id).catch(() => undefined);
      for (const p of active.ports) this.#ports.release(p.ip, p.proto, p.port);
      for (const e of active.endpoints) if (e.ip !== undefined) this.#pools.get(e.networkId)?.release(e.ip);
      await this.deps.driver?.forgetContainer(id).catch(() => undefined);
    } else if (options.gone) await this.deps.driver?.forgetContainer(id).catch(() => undefined);
    const record = this.deps.containers.find(id);
    if (record?.network && !running(record) && hasOperationalData(record.network)) await this.deps.containers.setNetwork(id, stoppedState(record.network));
    if (active) await this.#refreshDns(affected.filter((c) => c !== id));
  }

  /**
   * A running container of a checkpoint, in the guest restored with it: what its run holds is taken again from its
   * record (the record and the guest were saved together, so the guest has these veths, addresses and proxies):
   * its addresses from the pools, its host ports from the allocator, its published ports as made (a release
   * unpublishes them), its /etc files for `--network container:` joins. A `container:` one after the one it joins.
   */
  adopt(record: ContainerRecord): Promise<void> {
    return this.#serial(record.id, async () => {
      const mode = record.hostConfig.NetworkMode;
      const hostname = `${record.config.Hostname}\n`;
      if (mode.startsWith('container:')) {
        const target = this.deps.containers.find(mode.slice('container:'.length));
        const files = target ? this.#active.get(target.id)?.files : undefined;
        if (files) this.#active.set(record.id, { endpoints: [], ports: [], mappings: [], published: false, files, extraHosts: [] });
        return;
      }
      const host = await this.#hostFiles();
      if (mode === 'host' || mode === 'none') {
        const files = {
          hostname,
          hosts: mode === 'host' ? host.hosts : hostsFile({ hostname: record.config.Hostname, domainname: record.config.Domainname, addresses: [] }),
          'resolv.conf': resolvConfFile(mode === 'host' ? 'host' : 'legacy', host.resolvConf),
        };
        this.#active.set(record.id, { endpoints: [], ports: [], mappings: [], published: false, files, extraHosts: [] });
        return;
      }
      const state = this.stateOf(record);
      let extraHosts: Active['extraHosts'] = [];
      try {
        extraHosts = this.#legacyLinks(record, state).extraHosts;
      } catch {
        // a linked container that did not come back: its line is simply not there for a join
      }
      const active: Active = { endpoints: [], ports: [], mappings: [], published: false, files: { hostname: '', hosts: '', 'resolv.conf': '' }, extraHosts };
      this.#active.set(record.id, active);
      const networks: NetworkRecord[] = [];
      for (const ep of state.endpoints) {
        const n = this.deps.networks.find(networkTerm(ep));
        const ip = parseIPv4(ep.settings.IPAddress);
        if (!n) continue;
        networks.push(n);
        if (ip === undefined || n.subnet === undefined) continue;
        active.endpoints.push({ networkId: n.id, ip: this.#pool(n).allocate(ip) });
      }
      // the ports side of the first endpoint not on an internal network (#allocatePorts)
      const index = networks.findIndex((n) => !n.internal);
      const containerIp = index < 0 ? '' : (state.endpoints[index]?.settings.IPAddress ?? '');
      for (const [key, bindings] of Object.entries(state.ports ?? {})) {
        const { port: containerPort, proto } = parsePortKey(key);
        for (const b of bindings ?? []) {
          const port = Number(b.HostPort);
          if (!(port > 0)) continue;
          const hostIp = b.HostIp || WILDCARD;
          this.#ports.request(hostIp, proto, port, port, { containerIp, containerPort });
          active.ports.push({ ip: hostIp, proto, port });
          active.mappings.push({ proto: proto as PortMapping['proto'], hostIp, hostPort: port, containerIp, containerPort });
        }
      }
      active.published = active.mappings.length > 0 && this.deps.driver !== undefined;
      const embedded = networks.some((n) => isUserDefinedMode(n.name));
      active.files = {
        hostname,
        hosts: hostsFile({ hostname: record.config.Hostname, domainname: record.config.Domainname, addresses: active.endpoints.flatMap((e) => (e.ip === undefined ? [] : [formatIPv4(e.ip)])), extra: extraHosts }),
        'resolv.conf': resolvConfFile(embedded ? 'internal' : 'legacy', host.resolvConf),
      };
    });
  }

  /** A new guest (restart, restore): nothing it had exists; the containers' exits are recorded after this. */
  forgetGuest(): void {
    this.deps.driver?.forgetGuest();
    this.#active.clear();
    this.#pools.clear();
    this.#ports.releaseAll();
  }

  /** Running containers that share a user network with `id` (itself included while it has endpoints). */
  #sharing(id: string): string[] {
    const record = this.deps.containers.find(id);
    const mine = new Set((record ? this.stateOf(record).endpoints : []).map((e) => e.settings.NetworkID).filter(Boolean));
    return this.#participants()
      .filter((p) => p.id === id || p.network.endpoints.some((e) => mine.has(e.settings.NetworkID)))
      .map((p) => p.id);
  }

  /** The containers whose endpoints are up now, oldest first. */
  #participants(): DnsParticipant[] {
    return this.deps.containers
      .list()
      .reverse()
      .filter((r) => this.#active.has(r.id) && r.network)
      .map((r) => ({ id: r.id, name: r.name, hostname: r.config.Hostname, network: r.network as ContainerNetworkState }));
  }

  async #refreshDns(ids: readonly string[]): Promise<void> {
    const driver = this.deps.driver;
    if (!driver) return;
    const participants = this.#participants();
    const userDefined = (networkId: string) => {
      const n = this.deps.networks.find(networkId);
      return n !== undefined && isUserDefinedMode(n.name);
    };
    for (const id of ids) {
      const self = participants.find((p) => p.id === id);
      if (!self || !self.network.endpoints.some((e) => userDefined(e.settings.NetworkID))) continue;
      await driver.setDnsView(id, dnsView(self, participants, userDefined));
    }
  }

  async #renamed(record: ContainerRecord): Promise<void> {
    if (!this.#active.has(record.id) || !record.network) return;
    const state = structuredClone(record.network);
    for (const ep of state.endpoints) {
      if (ep.settings.DNSNames) ep.settings.DNSNames = endpointDnsNames({ id: record.id, name: record.name, hostname: record.config.Hostname }, ep.settings.Aliases);
    }
    await this.deps.containers.setNetwork(record.id, state);
    await this.#refreshDns(this.#sharing(record.id));
  }

  /** Running containers with an endpoint on the network (`network inspect`'s Containers, `network rm`'s check). */
  endpointsOn(networkId: string): { record: ContainerRecord; endpoint: ContainerEndpoint }[] {
    const out: { record: ContainerRecord; endpoint: ContainerEndpoint }[] = [];
    for (const r of this.deps.containers.list()) {
      if (!this.#active.has(r.id) || !r.network) continue;
      const ep = r.network.endpoints.find((e) => e.settings.NetworkID === networkId && e.settings.EndpointID);
      if (ep) out.push({ record: r, endpoint: ep });
    }
    return out;
  }

  /** `POST /networks/{id}/connect` */
  connect(containerRef: string, networkRef: string, config: EndpointConfig = {}): Promise<void> {
    const record = this.deps.containers.get(containerRef);
    return this.#serial(record.id, async () => {
      const current = this.deps.containers.get(record.id);
      if (current.state.status === 'dead') throw new EngineError('CONFLICT', `Container ${current.id} is marked for removal and cannot be connected or disconnected to the network`);
      const state = structuredClone(this.stateOf(current));
      const live = this.#active.has(current.id) && running(current);
      const mode = current.hostConfig.NetworkMode;
      if (live && mode.startsWith('container:')) throw new EngineError('INVALID_ARGUMENT', 'container sharing network namespace with another container or host cannot be connected to any other network');
      const n = this.deps.networks.find(networkRef);
      if (!n) {
        if (live) throw new EngineError('NOT_FOUND', `network ${networkRef} not found`);
        // dockerd records it as given for a container that does not run (moby#29754): the start reports it
        state.endpoints.push({ network: networkRef, settings: { ...emptyEndpointSettings(), ...structuredClone(config) } });
        await this.deps.containers.setNetwork(current.id, state);
        return;
      }
      this.#checkEndpointConfig(n, config);
      if (mode !== 'host' && n.driver === 'host') throw new EngineError('INVALID_ARGUMENT', 'cannot connect container to host network - container must be created in host network mode');
      for (const ep of state.endpoints) {
        const other = this.deps.networks.find(networkTerm(ep));
        if (!other) continue;
        if (other.id === n.id) {
          if (!live) return;
          throw new EngineError('DENIED', `endpoint with name ${current.name} already exists in network ${n.name}`);
        }
        if (other.driver === 'host' || n.driver === 'host' || mode.startsWith('container:')) {
          throw new EngineError('INVALID_ARGUMENT', 'container sharing network namespace with another container or host cannot be connected to any other network');
        }
        if (other.driver === 'null' || n.driver === 'null') throw new EngineError('INVALID_ARGUMENT', 'container cannot be connected to multiple networks with one of the networks in private (none) mode');
      }
      const ep: ContainerEndpoint = { network: n.name, settings: { ...emptyEndpointSettings(), ...structuredClone(config) }, ...(config.MacAddress ? { desiredMac: config.MacAddress } : {}) };
      state.endpoints.push(ep);
      if (!live) {
        await this.deps.containers.setNetwork(current.id, state);
        return;
      }
      const active = this.#active.get(current.id) as Active;
      const taken = active.endpoints.length;
      let plan: EndpointPlan;
      try {
        plan = this.#attachEndpoint(current, ep, n, state.endpoints.length - 1, active);
        plan = { ...plan, defaultRoute: false };
        await this.deps.driver?.ensureNetwork(this.#plan(n));
        await this.deps.driver?.attach(current.id, current.state.pid, plan);
      } catch (e) {
        for (const a of active.endpoints.splice(taken)) if (a.ip !== undefined) this.#pools.get(a.networkId)?.release(a.ip);
        throw e;
      }
      await this.deps.containers.setNetwork(current.id, state);
      await this.#rewriteHosts(current.id, state);
      await this.#refreshDns(this.#sharing(current.id));
    });
  }

  /** dockerd's validateEndpointSettings for `network connect` (no `invalid config for network` prefix there). */
  #checkEndpointConfig(n: NetworkRecord, config: EndpointConfig): void {
    const errs: string[] = [];
    const ip = config.IPAMConfig?.IPv4Address;
    if (!isUserDefinedMode(n.name)) {
      if (ip || config.IPAMConfig?.IPv6Address) errs.push('user specified IP address is supported on user defined networks only');
      if ((config.Aliases ?? []).length > 0) errs.push('network-scoped alias is supported only for containers in user defined networks');
    }
    const v4 = ip ? parseIPv4(ip) : undefined;
    if (ip && (v4 === undefined || v4 === 0)) errs.push(`invalid IPv4 address: ${ip}`);
    if (v4 !== undefined && v4 !== 0 && isUserDefinedMode(n.name)) {
      const configured = (n.ipam.config ?? []).filter((c) => c.Subnet);
      if (configured.length === 0) errs.push('user specified IP address is supported only when connecting to networks with user configured subnets');
      else if (!configured.some((c) => contains(parsePrefix(c.IPRange || (c.Subnet as string)) as Prefix, v4))) errs.push(`no configured subnet or ip-range contain the IP address ${ip}`);
    }
    if (errs.length > 0) throw new EngineError('INVALID_ARGUMENT', `invalid endpoint settings:\n${errs.length === 1 ? errs[0] : `* ${errs.join('\n* ')}`}`);
  }

  /** `POST /networks/{id}/disconnect` */
  disconnect(containerRef: string, networkRef: string, force = false): Promise<void> {
    const record = this.deps.containers.get(containerRef);
    return this.#serial(record.id, async () => {
      const current = this.deps.containers.get(record.id);
      const state = structuredClone(this.stateOf(current));
      const live = this.#active.has(current.id) && running(current);
      const n = this.deps.networks.find(networkRef);
      if (!live || (!n && force)) {
        const name = n?.name ?? networkRef;
        const i = state.endpoints.findIndex((e) => e.network === name);
        if (i < 0) throw new EngineError('INVALID_ARGUMENT', `container ${current.id} is not connected to the network ${name}`);
        state.endpoints.splice(i, 1);
        await this.deps.containers.setNetwork(current.id, state);
        return;
      }
      if (!n) throw new EngineError('NOT_FOUND', `network ${networkRef} not found`);
      if (current.hostConfig.NetworkMode === 'host' && n.driver === 'host') throw new EngineError('INVALID_ARGUMENT', 'cannot disconnect container from host network - container was created in host network mode');
      const i = state.endpoints.findIndex((e) => e.settings.NetworkID === n.id && e.settings.EndpointID);
      if (i < 0) throw new EngineError('INVALID_ARGUMENT', `container ${current.id} is not connected to network ${n.name}`);
      const [ep] = state.endpoints.splice(i, 1) as [ContainerEndpoint];
      const active = this.#active.get(current.id) as Active;
      const a = active.endpoints.findIndex((x) => x.networkId === n.id);
      if (n.driver === 'bridge') {
        await this.deps.driver?.detach(current.id, {
          network: this.#plan(n),
          id: ep.settings.EndpointID,
          ifName: ep.ifName ?? '',
          hostIfName: ep.hostIfName ?? '',
          ipAddress: ep.settings.IPAddress,
          prefixLength: ep.settings.IPPrefixLen,
          macAddress: ep.settings.MacAddress,
          defaultRoute: i === 0,
        });
      }
      if (a >= 0) {
        const [gone] = active.endpoints.splice(a, 1);
        if (gone?.ip !== undefined) this.#pools.get(n.id)?.release(gone.ip);
      }
      // ports published through this endpoint go with it
      if (active.mappings.some((m) => m.containerIp === ep.settings.IPAddress)) {
        await this.deps.driver?.unpublish(current.id).catch(() => undefined);
        for (const p of active.ports) this.#ports.release(p.ip, p.proto, p.port);
        active.ports = [];
        active.mappings = [];
        active.published = false;
        state.ports = {};
      }
      const affected = this.#sharing(current.id);
      await this.deps.containers.setNetwork(current.id, state);
      await this.#rewriteHosts(current.id, state);
      await this.#refreshDns(affected);
    });
  }

  /** A running container's /etc/hosts after its endpoints changed (libnetwork's add/deleteHostsEntries). */
  async #rewriteHosts(id: string, state: ContainerNetworkState): Promise<void> {
    const record = this.deps.containers.find(id);
    const active = this.#active.get(id);
    if (!record || !active) return;
    const hosts = hostsFile({
      hostname: record.config.Hostname,
      domainname: record.config.Domainname,
      addresses: state.endpoints.flatMap((e) => (e.settings.IPAddress ? [e.settings.IPAddress] : [])),
      extra: active.extraHosts,
    });
    active.files = { ...active.files, hosts };
    await this.deps.writeHosts?.(record, hosts);
  }
}
