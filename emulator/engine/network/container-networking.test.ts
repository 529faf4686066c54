// The network model's lifecycle against a fake NetworkDriver (the guest side is net-guest's, tested there):
// what is allocated and asked of the driver at start, after PID 1, at exit, on connect/disconnect and rollback.
import { describe, expect, it } from 'vitest';
import { createContainer, type ImageForCreate } from '../containers/container-create.ts';
import { listContainers } from '../containers/container-filters.ts';
import { containerInspect, containerSummary } from '../containers/container-json.ts';
import { ContainerStore, type ContainerRecord } from '../containers/container-store.ts';
import { MemoryJsonStorage } from '../containers/json-storage.ts';
import { createConfigFor } from '../../../test/unit/engine/run-line.ts';
import { VolumeStore } from '../containers/volume-store.ts';
import { ContainerNetworking } from './container-networking.ts';
import type { DnsRecord, EndpointPlan, NetworkDriver, NetworkPlan, PortMapping } from './endpoint.ts';
import { networkJSON } from './network-json.ts';
import { NetworkStore } from './network-store.ts';

const BUSYBOX: ImageForCreate = { id: `sha256:${'0'.repeat(64)}`, name: 'busybox', config: { Cmd: ['sh'] }, lowerDirs: ['/mnt/host/layers/aa'] };
const NGINX: ImageForCreate = { id: `sha256:${'1'.repeat(64)}`, name: 'nginx', config: { Cmd: ['nginx'], ExposedPorts: { '80/tcp': {} }, Env: ['NGINX_VERSION=1'] }, lowerDirs: ['/mnt/host/layers/bb'] };

class FakeDriver implements NetworkDriver {
  calls: string[] = [];
  ensured: NetworkPlan[] = [];
  published = new Map<string, PortMapping[]>();
  views = new Map<string, DnsRecord[]>();
  attached: EndpointPlan[] = [];
  failPublish?: string;
  async ensureNetwork(n: NetworkPlan) {
    this.calls.push(`ensure ${n.name}`);
    this.ensured.push(n);
  }
  async removeNetwork(n: NetworkPlan) {
    this.calls.push(`remove ${n.name}`);
  }
  async publish(id: string, ports: readonly PortMapping[]) {
    this.calls.push(`publish ${id.slice(0, 4)}`);
    if (this.failPublish) throw new Error(this.failPublish);
    this.published.set(id, [...ports]);
  }
  async unpublish(id: string) {
    this.calls.push(`unpublish ${id.slice(0, 4)}`);
    this.published.delete(id);
  }
  async attach(id: string, pid: number, ep: EndpointPlan) {
    this.calls.push(`attach ${id.slice(0, 4)} ${pid} ${ep.network.name} ${ep.ifName}`);
    this.attached.push(ep);
  }
  async detach(id: string, ep: EndpointPlan) {
    this.calls.push(`detach ${id.slice(0, 4)} ${ep.network.name}`);
  }
  async setDnsView(id: string, records: readonly DnsRecord[]) {
    this.views.set(id, [...records]);
  }
  async forgetContainer(id: string) {
    this.calls.push(`forget ${id.slice(0, 4)}`);
    this.views.delete(id);
  }
  forgetGuest() {
    this.calls.push('forgetGuest');
  }
}

async function engine(options: { driver?: boolean } = {}) {
  let n = 0;
  const id = (c: string) => `${c}${String(n++).padStart(3, '0')}`.padEnd(64, 'e');
  const containers = await ContainerStore.open(new MemoryJsonStorage(), { generateId: () => id('c') });
  const volumes = await VolumeStore.open(new MemoryJsonStorage(), { usedBy: () => [] });
  const networks = await NetworkStore.open(new MemoryJsonStorage(), { generateId: () => id('a'), now: () => Date.UTC(2026, 0, 1) });
  const driver = new FakeDriver();
  let r = 0;
  const written = new Map<string, string>();
  const networking = await ContainerNetworking.open({
    networks,
    containers,
    ...(options.driver === false ? {} : { driver }),
    writeHosts: async (record, text) => void written.set(record.name, text),
    // deterministic "random": MACs, veth names, IDs
    randomBytes: (k) => Uint8Array.from({ length: k }, (_, i) => (r++ * 7 + i) & 0xff),
  });
  const create = async (line: string, image = BUSYBOX) => {
    return createContainer({ containers, volumes, networks: { findNetwork: (t) => networks.find(t) } }, await createConfigFor(line), image);
  };
  /** what the daemon (daemon/start.ts) does around the runtime: prepare, PID 1, started */
  const start = async (record: ContainerRecord, pid = 100) => {
    const prepared = await networking.prepare(record);
    await networking.started(containers.get(record.id), pid);
    await containers.markStarted(record.id, pid);
    return prepared;
  };
  const settle = () => new Promise((ok) => setTimeout(ok, 0));
  return { containers, networks, networking, driver, create, start, settle, written };
}

describe('a container on the default bridge', () => {
  it('gets an address, a MAC, a veth, /etc files; ports published after PID 1; all of it given back at exit', async () => {
    const e = await engine();
    const web = await e.create('--name web -p 8080:80 -p 127.0.0.1::443 busybox');
    const prepared = await e.start(web, 321);
    expect(prepared.network.mode).toBe('endpoints');
    const [ep] = prepared.network.mode === 'endpoints' ? prepared.network.endpoints : [];
    expect(ep).toMatchObject({ ifName: 'eth0', ipAddress: '172.17.0.2', prefixLength: 16, defaultRoute: true, network: { name: 'bridge', bridge: 'docker0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', internal: false, embeddedDns: false } });
    expect(ep?.hostIfName).toMatch(/^veth[0-9a-f]{7}$/);
    expect(ep?.macAddress).toMatch(/^[0-9a-f][26ae](:[0-9a-f]{2}){5}$/);
    expect(prepared.files.hosts.split('\n').at(-2)).toBe(`172.17.0.2\t${web.id.slice(0, 12)}`);
    expect(prepared.files['resolv.conf']).toContain('nameserver 192.168.86.1\n');
    expect(e.driver.calls).toEqual(['ensure bridge', `publish ${web.id.slice(0, 4)}`]);
    expect(e.driver.published.get(web.id)).toEqual([
      { proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80 },
      { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 32768, containerIp: '172.17.0.2', containerPort: 443 },
    ]);
    // the default bridge has no embedded DNS
    expect(e.driver.views.size).toBe(0);

    const running = e.containers.get(web.id);
    const inspect = containerInspect(running).NetworkSettings;
    expect(inspect).toMatchObject({ IPAddress: '172.17.0.2', Gateway: '172.17.0.1', IPPrefixLen: 16, SandboxKey: '/proc/321/ns/net' });
    expect(inspect.Ports).toEqual({ '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '32768' }], '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });
    expect(inspect.Networks['bridge']).toMatchObject({ NetworkID: e.networks.get('bridge').id, IPAddress: '172.17.0.2', Aliases: null, DNSNames: null });
    expect(containerSummary(running, 0).Ports).toEqual([
      { IP: '127.0.0.1', PrivatePort: 443, PublicPort: 32768, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    ]);
    expect(networkJSON(e.networks.get('bridge'), e.networking.endpointsOn(e.networks.get('bridge').id)).Containers[web.id]).toMatchObject({ Name: 'web', IPv4Address: '172.17.0.2/16' });

    await e.containers.markExited(web.id, { exitCode: 0 });
    await e.networking.release(web.id);
    expect(e.driver.calls.slice(2)).toEqual([`unpublish ${web.id.slice(0, 4)}`, `forget ${web.id.slice(0, 4)}`]);
    const stopped = containerInspect(e.containers.get(web.id)).NetworkSettings;
    // dockerd clears what held while it ran; NetworkID stays
    expect(stopped).toMatchObject({ IPAddress: '', Ports: {}, SandboxID: '', SandboxKey: '' });
    expect(stopped.Networks['bridge']).toMatchObject({ NetworkID: e.networks.get('bridge').id, EndpointID: '', IPAddress: '', MacAddress: '' });
    expect(e.networking.endpointsOn(e.networks.get('bridge').id)).toEqual([]);

    // the address and the host ports are free again
    const again = await e.create('--name again -p 8080:80 busybox');
    const p2 = await e.start(again);
    expect(p2.network.mode === 'endpoints' && p2.network.endpoints[0]?.ipAddress).toBe('172.17.0.2');
  });

  it('a port already allocated fails the start with dockerd\'s message and leaves nothing behind', async () => {
    const e = await engine();
    const a = await e.create('--name aa -p 8080:80 busybox');
    await e.start(a);
    const b = await e.create('--name bb -p 9090:90 -p 8080:80 busybox');
    const err = await e.networking.prepare(b).catch((x: Error) => x);
    expect((err as Error).message).toMatch(/^failed to set up container networking: driver failed programming external connectivity on endpoint bb \([0-9a-f]{64}\): Bind for 0\.0\.0\.0:8080 failed: port is already allocated$/);
    // 9090 and b's address were given back
    const c = await e.create('--name cc -p 9090:90 busybox');
    const p = await e.start(c);
    expect(p.network.mode === 'endpoints' && p.network.endpoints[0]?.ipAddress).toBe('172.17.0.3');
    expect(e.containers.get(b.id).network?.endpoints[0]?.settings.IPAddress).toBe('');
  });

  it('a new container waits for the release of an exited one: its port is free right after `rm -f` answered', async () => {
    const e = await engine();
    const a = await e.create('--name aa -p 8080:80 busybox');
    await e.start(a);
    // the guest is slow to take the old rules and proxy away
    let unpublished!: () => void;
    const unpublish = e.driver.unpublish.bind(e.driver);
    e.driver.unpublish = (id) => new Promise<void>((done) => (unpublished = done)).then(() => unpublish(id));
    await e.containers.markExited(a.id, { exitCode: 137 }); // the store's 'die' event starts the release
    const b = await e.create('--name bb -p 8080:80 busybox');
    let ready = false;
    const starting = e.start(b).then((p) => ((ready = true), p));
    await e.settle();
    expect(ready).toBe(false);
    unpublished();
    await starting;
    expect(e.driver.calls.filter((c) => c.startsWith('unpublish') || c.startsWith('publish'))).toEqual([`publish ${a.id.slice(0, 4)}`, `unpublish ${a.id.slice(0, 4)}`, `publish ${b.id.slice(0, 4)}`]);
    expect(e.driver.published.get(b.id)?.[0]).toMatchObject({ hostPort: 8080, containerPort: 80 });
  });

  it('a publish the guest refuses rolls back through the release', async () => {
    const e = await engine();
    e.driver.failPublish = 'listen tcp4 0.0.0.0:8080: bind: address already in use';
    const a = await e.create('--name aa -p 8080:80 busybox');
    await e.networking.prepare(a);
    const err = await e.networking.started(a, 5).catch((x: Error) => x);
    expect((err as Error).message).toMatch(/^failed to set up container networking: driver failed programming external connectivity on endpoint aa \([0-9a-f]{64}\): listen tcp4 0\.0\.0\.0:8080: bind: address already in use$/);
    await e.containers.markStartFailed(a.id, { exitCode: 128, error: (err as Error).message });
    await e.settle();
    await e.networking.release(a.id);
    expect(e.driver.calls).toContain(`unpublish ${a.id.slice(0, 4)}`);
    e.driver.failPublish = undefined;
    const b = await e.create('--name bb -p 8080:80 busybox');
    const p = await e.start(b);
    expect(p.network.mode === 'endpoints' && p.network.endpoints[0]?.ipAddress).toBe('172.17.0.2');
  });

  it('without a driver the model still runs containers (loopback only: nothing makes their bridges), but refuses to publish', async () => {
    const e = await engine({ driver: false });
    const a = await e.create('--name aa busybox');
    await expect(e.start(a)).resolves.toMatchObject({ network: { mode: 'none' } });
    const b = await e.create('--name bb -p 80 busybox');
    await expect(e.networking.prepare(b)).rejects.toThrow("failed to set up container networking: publishing ports needs the guest's network driver, which this engine was started without");
  });

  it('-P publishes EXPOSE and --expose on free ports; exposed-only ports map to null', async () => {
    const e = await engine();
    const a = await e.create('--name aa -P --expose 9000 nginx', NGINX);
    await e.start(a);
    expect(containerInspect(e.containers.get(a.id)).NetworkSettings.Ports).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32769' }], '9000/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }] });
    const b = await e.create('--name bb nginx', NGINX);
    await e.start(b);
    expect(containerInspect(e.containers.get(b.id)).NetworkSettings.Ports).toEqual({ '80/tcp': null });
  });
});

describe('user networks', () => {
  it('embedded DNS views by name, alias, short ID and hostname; updated as containers come and go', async () => {
    const e = await engine();
    await e.networks.create({ Name: 'app' });
    const db = await e.create('--name db --network app --network-alias database busybox');
    const web = await e.create('--name web --network app --link db:pg busybox');
    const p = await e.start(db);
    expect(p.network).toMatchObject({ mode: 'endpoints', dns: true, endpoints: [{ ipAddress: '172.18.0.2', network: { name: 'app', bridge: expect.stringMatching(/^br-[0-9a-f]{12}$/), embeddedDns: true } }] });
    expect(p.files['resolv.conf']).toContain('nameserver 127.0.0.11\noptions ndots:0\n');
    await e.start(web);
    const short = (id: string) => id.slice(0, 12);
    expect(e.driver.views.get(web.id)).toEqual([
      { name: 'db', ipAddress: '172.18.0.2' },
      { name: 'database', ipAddress: '172.18.0.2' },
      { name: short(db.id), ipAddress: '172.18.0.2' },
      { name: 'web', ipAddress: '172.18.0.3' },
      { name: short(web.id), ipAddress: '172.18.0.3' },
      { name: 'pg', ipAddress: '172.18.0.2' },
    ]);
    expect(e.driver.views.get(db.id)?.map((r) => r.name)).toEqual(['db', 'database', short(db.id), 'web', short(web.id)]);
    const settings = containerInspect(e.containers.get(db.id)).NetworkSettings.Networks['app'];
    // API 1.43 inspect: the short ID and host name are in Aliases too
    expect(settings).toMatchObject({ Aliases: ['database', short(db.id)], DNSNames: ['db', 'database', short(db.id)], IPAddress: '172.18.0.2', Gateway: '172.18.0.1' });
    await e.containers.markExited(web.id, { exitCode: 0 });
    await e.networking.release(web.id);
    expect(e.driver.views.get(db.id)?.map((r) => r.name)).toEqual(['db', 'database', short(db.id)]);
    await e.containers.rename(db.id, 'pg');
    await e.settle();
    await e.networking.release('nothing');
    expect(e.driver.views.get(db.id)?.[0]).toEqual({ name: 'pg', ipAddress: '172.18.0.2' });
  });

  it('--ip needs a user-configured subnet; a network gone since create fails the start', async () => {
    const e = await engine();
    await e.networks.create({ Name: 'plain' });
    await e.networks.create({ Name: 'fixed', IPAM: { Config: [{ Subnet: '10.9.0.0/24' }] } });
    await expect(e.create('--network plain --ip 172.18.0.50 busybox')).rejects.toThrow(
      'invalid config for network plain: invalid endpoint settings:\nuser specified IP address is supported only when connecting to networks with user configured subnets',
    );
    await expect(e.create('--network fixed --ip 10.8.0.5 busybox')).rejects.toThrow('no configured subnet or ip-range contain the IP address 10.8.0.5');
    await expect(e.create('--ip 172.17.0.9 busybox')).rejects.toThrow('invalid config for network bridge: invalid endpoint settings:\nuser specified IP address is supported on user defined networks only');
    const a = await e.create('--network fixed --ip 10.9.0.50 busybox');
    const p = await e.start(a);
    expect(p.network.mode === 'endpoints' && p.network.endpoints[0]?.ipAddress).toBe('10.9.0.50');
    const b = await e.create('--network fixed --ip 10.9.0.50 busybox');
    await expect(e.networking.prepare(b)).rejects.toThrow('failed to set up container networking: Address already in use');
    const gone = await e.create('--network plain busybox');
    const plain = e.networks.get('plain');
    await e.networks.remove(plain.id);
    // created by name, it was never started: the name is looked up at start
    await expect(e.networking.prepare(gone)).rejects.toThrow('failed to set up container networking: network plain not found');
  });

  it('connect and disconnect a running container: veth attached and detached, /etc/hosts and DNS updated', async () => {
    const e = await engine();
    await e.networks.create({ Name: 'back' });
    const a = await e.create('--name aa busybox');
    await e.start(a, 77);
    await e.networking.connect('aa', 'back', { Aliases: ['api'] });
    expect(e.driver.calls).toContain(`attach ${a.id.slice(0, 4)} 77 back eth1`);
    expect(e.written.get('aa')).toMatch(/172\.17\.0\.2\t[0-9a-f]{12}\n172\.18\.0\.2\t[0-9a-f]{12}\n$/);
    expect(e.driver.views.get(a.id)?.map((r) => r.name)).toEqual(['aa', 'api', a.id.slice(0, 12)]);
    await expect(e.networking.connect('aa', 'back')).rejects.toThrow('endpoint with name aa already exists in network back');
    await expect(e.networking.connect('aa', 'host')).rejects.toThrow('cannot connect container to host network - container must be created in host network mode');
    await expect(e.networking.connect('aa', 'nope')).rejects.toThrow('network nope not found');
    await e.networking.disconnect('aa', 'back');
    expect(e.driver.calls).toContain(`detach ${a.id.slice(0, 4)} back`);
    expect(Object.keys(containerInspect(e.containers.get(a.id)).NetworkSettings.Networks)).toEqual(['bridge']);
    await expect(e.networking.disconnect('aa', 'back')).rejects.toThrow(`container ${a.id} is not connected to network back`);
  });

  it('ps --filter network=: any attached network, by name or ID prefix', async () => {
    const e = await engine();
    const back = await e.networks.create({ Name: 'back' });
    await e.create('--name aa busybox');
    const b = await e.create('--name bb --network back busybox');
    await e.networking.connect('aa', 'back');
    const names = (f: string) => listContainers(e.containers, { all: true, filters: new Map([['network', [f]]]) }).map((r) => r.name);
    expect(names('back')).toEqual(['bb', 'aa']);
    expect(names('bridge')).toEqual(['aa']);
    await e.start(b);
    expect(names(back.id.slice(0, 5))).toEqual(['bb']);
  });

  it('a stopped container: connect records the endpoint (even for a missing network, as dockerd does)', async () => {
    const e = await engine();
    await e.networks.create({ Name: 'back' });
    const a = await e.create('--name aa busybox');
    await e.networking.connect('aa', 'back');
    await e.networking.connect('aa', 'ghost');
    expect(Object.keys(containerInspect(e.containers.get(a.id)).NetworkSettings.Networks)).toEqual(['back', 'bridge', 'ghost']);
    await e.networking.disconnect('aa', 'ghost');
    await expect(e.networking.disconnect('aa', 'ghost')).rejects.toThrow(`container ${a.id} is not connected to the network ghost`);
    const p = await e.start(a);
    expect(p.network.mode === 'endpoints' && p.network.endpoints.map((x) => [x.network.name, x.ifName, x.defaultRoute])).toEqual([
      ['bridge', 'eth0', true],
      ['back', 'eth1', false],
    ]);
  });
});

describe('other modes, links, a lost guest', () => {
  it('none, host and container:NAME', async () => {
    const e = await engine();
    const none = await e.create('--name nn --network none busybox');
    expect(await e.networking.prepare(none)).toMatchObject({ network: { mode: 'none' } });
    const host = await e.create('--name hh --network host -p 80:80 busybox');
    expect(await e.networking.prepare(host)).toMatchObject({ network: { mode: 'host' }, files: { hosts: '127.0.0.1\tlocalhost\n127.0.1.1\tdrydock\n::1\tlocalhost\n' } });
    const web = await e.create('--name web busybox');
    const joiner = await e.create('--name side --network container:web busybox');
    expect(joiner.hostConfig.NetworkMode).toBe(`container:${web.id}`);
    await expect(e.networking.prepare(joiner)).rejects.toThrow('cannot join network namespace of a non running container: container web is created');
    const pw = await e.start(web, 900);
    const pj = await e.networking.prepare(e.containers.get(joiner.id));
    expect(pj).toMatchObject({ network: { mode: 'container', pid: 900 }, netnsPath: '/proc/900/ns/net', files: { hosts: pw.files.hosts } });
    expect(e.containers.get(joiner.id).config.Hostname).toBe(web.config.Hostname);
    await expect(e.create('--network container:web -p 80 busybox')).rejects.toThrow('conflicting options: port publishing and the container type network mode');
    await expect(e.create('--network container:web -h x busybox')).rejects.toThrow('conflicting options: hostname and the network mode');
  });

  it('legacy links on the default bridge: /etc/hosts lines, variables, and Docker\'s refusals', async () => {
    const e = await engine();
    const db = await e.create('--name db -e POSTGRES_DB=app --expose 5432 busybox');
    await expect(e.create('--link nope:x busybox')).rejects.toThrow('could not get container for nope: No such container: nope');
    const web = await e.create('--name web --link db:pg busybox');
    // not prefixed: dockerd makes link variables with the spec, before the network
    await expect(e.networking.prepare(web)).rejects.toThrow(/^Cannot link to a non running container: \/db AS \/web\/pg$/);
    await e.start(db);
    const p = await e.networking.prepare(e.containers.get(web.id));
    expect(p.files.hosts).toContain(`172.17.0.2\tpg ${db.id.slice(0, 12)} db\n`);
    expect(p.env).toEqual([
      'PG_PORT=tcp://172.17.0.2:5432', 'PG_PORT_5432_TCP=tcp://172.17.0.2:5432', 'PG_PORT_5432_TCP_ADDR=172.17.0.2', 'PG_PORT_5432_TCP_PORT=5432', 'PG_PORT_5432_TCP_PROTO=tcp',
      'PG_NAME=/web/pg', 'PG_ENV_POSTGRES_DB=app',
    ]);
    expect(containerInspect(e.containers.get(web.id), (id) => e.containers.find(id)?.name).HostConfig.Links).toEqual(['/db:/web/pg']);
  });

  it('a lost guest: the driver forgets, allocations are dropped, the next start gets the first address again', async () => {
    const e = await engine();
    const a = await e.create('--name aa -p 8080:80 busybox');
    await e.start(a);
    e.networking.forgetGuest();
    expect(e.driver.calls.at(-1)).toBe('forgetGuest');
    await e.containers.markExited(a.id, { exitCode: 255 });
    await e.settle();
    await e.networking.release(a.id);
    // nothing made in the old guest is unmade in the new one
    expect(e.driver.calls).not.toContain(`unpublish ${a.id.slice(0, 4)}`);
    const b = await e.create('--name bb -p 8080:80 busybox');
    const p = await e.start(b);
    expect(p.network.mode === 'endpoints' && p.network.endpoints[0]?.ipAddress).toBe('172.17.0.2');
  });

  it('a checkpoint restore: the next engine adopts a running container: its address, host ports and published ports stay its own', async () => {
    const e = await engine();
    const web = await e.create('--name web -p 8080:80 -p 127.0.0.1::443 busybox');
    await e.start(web);
    e.networking.dispose();
    const driver = new FakeDriver();
    const next = await ContainerNetworking.open({ networks: e.networks, containers: e.containers, driver });
    await next.adopt(e.containers.get(web.id));
    // nothing is made again: the restored guest has it
    expect(driver.calls).toEqual([]);
    const clash = await e.create('--name clash -p 8080:80 busybox');
    await expect(next.prepare(clash)).rejects.toThrow(/Bind for 0\.0\.0\.0:8080 failed: port is already allocated/);
    const other = await e.create('--name other -p 127.0.0.1::443 busybox');
    const prepared = await next.prepare(other);
    expect(prepared.network.mode === 'endpoints' && prepared.network.endpoints[0]?.ipAddress).toBe('172.17.0.3');
    expect(e.containers.get(other.id).network?.ports).toEqual({ '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '32769' }] });
    // its end unmakes what it had published
    await e.containers.markExited(web.id, { exitCode: 0 });
    await next.release(web.id);
    expect(driver.calls.slice(-2)).toEqual([`unpublish ${web.id.slice(0, 4)}`, `forget ${web.id.slice(0, 4)}`]);
  });

  it('a reopened engine starts with the operational data cleared', async () => {
    const storage = new MemoryJsonStorage();
    const containers = await ContainerStore.open(storage);
    const networks = await NetworkStore.open(new MemoryJsonStorage());
    const networking = await ContainerNetworking.open({ networks, containers });
    const volumes = await VolumeStore.open(new MemoryJsonStorage(), { usedBy: () => [] });
    const req = await createConfigFor('busybox');
    const a = await createContainer({ containers, volumes }, req, BUSYBOX);
    await networking.prepare(a);
    await containers.markStarted(a.id, 1);
    expect(containers.get(a.id).network?.endpoints[0]?.settings.IPAddress).toBe('172.17.0.2');
    const reopened = await ContainerStore.open(storage);
    await ContainerNetworking.open({ networks, containers: reopened });
    expect(reopened.get(a.id).network?.endpoints[0]?.settings).toMatchObject({ IPAddress: '', EndpointID: '', NetworkID: networks.get('bridge').id });
  });
});
