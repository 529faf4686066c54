import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuntimeSpec } from '../containers/runtime-spec.ts';
import { isEngineError } from '../errors.ts';
import type { ContainerNetwork, EndpointPlan, NetworkPlan } from '../network/endpoint.ts';
import { lowerSpec, sharesToWeight, type ContainerLayout } from './lower.ts';
import { machineBudget } from './runtime.ts';
import { quoteArgv } from './shell-quote.ts';
import { encodeWord } from './steps-file.ts';

// The containers/ golden config.json files (what the engine writes for real `docker run` lines) are the input.
const SPECS = join(import.meta.dirname, '../containers/testdata/spec');
const ID = '3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';
const BUNDLE = `/var/lib/drydock/containers/${ID}`;
const LAYOUT: ContainerLayout = {
  id: ID,
  bundle: BUNDLE,
  rootfs: {
    lowerDirs: ['/mnt/host/layers/2222222222222222222222222222222222222222222222222222222222222222', '/mnt/host/layers/1111111111111111111111111111111111111111111111111111111111111111'],
    upperDir: `${BUNDLE}/upper`,
    workDir: `${BUNDLE}/work`,
    mergedDir: `${BUNDLE}/rootfs`,
  },
};
const load = (name: string) => JSON.parse(readFileSync(join(SPECS, name), 'utf8')) as RuntimeSpec;

describe('runtime trace golden files', () => {
  for (const file of readdirSync(SPECS).filter((f) => f.endsWith('.config.json'))) {
    const name = file.replace('.config.json', '');
    it(name, async () => {
      // the guest's task limit and memory as the 256 MiB guest reports them
      const trace = lowerSpec(load(file), LAYOUT, { budget: machineBudget(3918, 250_000) });
      await expect(trace.files.trace).toMatchFileSnapshot(`testdata/${name}.trace.sh`);
      await expect(trace.files.init).toMatchFileSnapshot(`testdata/${name}.init.sh`);
      await expect(trace.files.steps).toMatchFileSnapshot(`testdata/${name}.steps`);
    });
  }
});

describe('lowerSpec', () => {
  const base = () => load('busybox-sh.config.json');

  it('writes cgroup v2 limits from linux.resources', () => {
    const spec = base();
    spec.linux.resources = { memory: { limit: 32 << 20, swap: 64 << 20 }, pids: { limit: 50 }, cpu: { quota: 50000, period: 100000, shares: 512 } };
    const writes = lowerSpec(spec, LAYOUT).create.filter((s) => s.stdoutTo?.startsWith(`/sys/fs/cgroup/drydock/${ID}/`));
    expect(writes.map((s) => [s.stdoutTo!.split('/').at(-1), s.argv[1]])).toEqual([
      ['memory.max', String(32 << 20)],
      ['memory.swap.max', String(32 << 20)],
      ['pids.max', '50'],
      ['cpu.max', '50000 100000'],
      ['cpu.weight', String(sharesToWeight(512))],
    ]);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(2)).toBe(1);
  });

  it('lists lowerdirs topmost first and mounts the overlay before anything runs', () => {
    const mount = lowerSpec(base(), LAYOUT).create.find((s) => s.argv[0] === 'mount')!;
    expect(mount.argv).toContain(`lowerdir=${LAYOUT.rootfs.lowerDirs.join(':')},upperdir=${BUNDLE}/upper,workdir=${BUNDLE}/work`);
  });

  it('mounts an image without layers (FROM scratch) over an empty lower dir in the bundle, removed with it', () => {
    const trace = lowerSpec(base(), { ...LAYOUT, rootfs: { ...LAYOUT.rootfs, lowerDirs: [] } });
    const mount = trace.create.find((s) => s.op[0] === 'mount' && s.op[3] === 'overlay');
    expect(mount?.op[4]).toBe(`lowerdir=${BUNDLE}/lower,upperdir=${BUNDLE}/upper,workdir=${BUNDLE}/work`);
    expect(trace.create.find((s) => s.op[0] === 'mkdir' && s.op.includes(BUNDLE))?.op).toContain(`${BUNDLE}/lower`);
    expect(trace.delete.at(-1)?.op).toContain(BUNDLE);
  });

  it('creates one namespace per linux.namespaces entry and no network namespace for --network host', () => {
    const t = lowerSpec(load('host-network-volumes.config.json'), LAYOUT);
    expect(t.shellProcess).not.toContain('--net');
    expect(t.start[1]!.op).not.toContain('net');
    expect(t.init.some((s) => s.argv.includes('lo'))).toBe(false);
    expect(lowerSpec(base(), LAYOUT).shellProcess).toContain('--net');
    expect(lowerSpec(base(), LAYOUT).start[1]!.op.slice(1).sort()).toEqual(['cgroup', 'ipc', 'mount', 'net', 'pid', 'uts']);
  });

  it('drops capabilities to the bounding set and sets uid/gid last', () => {
    const t = lowerSpec(load('user-readonly-capdrop.config.json'), LAYOUT);
    const exec = t.init.at(-1)!.argv;
    const bounding = exec[exec.indexOf('--bounding-set') + 1]!;
    expect(bounding.startsWith('-all,')).toBe(true);
    expect(bounding).not.toContain('net_raw');
    expect(exec).toContain('--setuid=1000');
    const op = t.init.at(-1)!.op;
    expect(op.slice(0, op.indexOf('--'))).toEqual(expect.arrayContaining(['exec', 'root=.', 'uid=1000', 'gid=0']));
    expect(op.find((w) => w.startsWith('caps='))).not.toContain('CAP_NET_RAW');
    expect(t.init.some((s) => s.argv.join(' ') === `mount -o remount,bind,ro ${BUNDLE}/rootfs`)).toBe(true);
  });

  it('--cap-drop ALL: drydock-init keeps no capability; the shell replay keeps only what unshare needs to enter', () => {
    const spec = base();
    spec.process.capabilities = { bounding: [], effective: [], permitted: [] };
    spec.process.user = { uid: 1000, gid: 1000, additionalGids: [1000, 10] };
    const last = lowerSpec(spec, LAYOUT).init.at(-1)!;
    expect(last.op).toContain('caps=');
    expect(last.op).toContain('groups=1000,10');
    expect(last.argv).toEqual(expect.arrayContaining(['-all,+sys_chroot,+setuid', '--regid=1000', '--groups=1000,10', '--setuid=1000']));
    expect(last.argv.some((w) => w.startsWith('--setgid'))).toBe(false);
    expect(last.why).toContain('drydock-init chroots');
  });

  it('writes one steps-file line per step, in sections, with words percent-encoded', () => {
    const spec = base();
    spec.process.args = ['echo', 'a b', '', '100%', '$R'];
    const t = lowerSpec(spec, LAYOUT);
    const lines = t.files.steps.split('\n');
    const sections = lines.filter((l) => l.startsWith('['));
    expect(sections).toEqual(['[create]', '[start]', '[init]', '[delete]', '[reset]']);
    const steps = lines.filter((l) => l && !l.startsWith('#') && !l.startsWith('[') && !/^[A-Z]+=/.test(l));
    expect(lines).toContain(`R=${BUNDLE}/rootfs`);
    expect(steps.length).toBe(t.create.length + t.start.length + t.init.length + t.delete.length + t.reset.length);
    expect(steps).toContain('join-cgroup $C/cgroup.procs');
    expect(steps.find((l) => l.startsWith('exec '))!.endsWith(' -- echo a%20b % 100%25 %24R')).toBe(true);
    expect(steps).toContain('? -e $R/proc/bus mount none $R/proc/bus none remount,bind,ro');
    expect(encodeWord('é')).toBe('%C3%A9');
    expect(t.process).toEqual(['/sbin/drydock-init', 'start,init', `${BUNDLE}/steps`]);
  });

  it('refuses joining existing namespaces and an empty command', () => {
    const spec = base();
    spec.linux.namespaces.push({ type: 'network', path: '/proc/1/ns/net' });
    expect(() => lowerSpec(spec, LAYOUT)).toThrow(/is not supported/);
    const empty = base();
    empty.process.args = [];
    try {
      lowerSpec(empty, LAYOUT);
      expect.unreachable();
    } catch (e) {
      expect(isEngineError(e, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('quotes argv so the shell reads back the same words', () => {
    expect(quoteArgv(['echo', "it's", 'a b', '$HOME', ''])).toBe(`echo 'it'\\''s' 'a b' '$HOME' ''`);
  });
});

// The container's network (network/endpoint.ts): what the network model hands the runtime for `docker run` on the
// default bridge, on two user-defined networks (embedded DNS), and `--network container:`.
const bridgeNet: NetworkPlan = { id: 'a1b2c3d4'.repeat(8), name: 'bridge', bridge: 'docker0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', internal: false, embeddedDns: false };
const userNet: NetworkPlan = { id: 'f00dcafe'.repeat(8), name: 'app', bridge: 'br-f00dcafef00d', subnet: '172.18.0.0/16', gateway: '172.18.0.1', internal: false, embeddedDns: true };
const backNet: NetworkPlan = { id: 'beefbeef'.repeat(8), name: 'back', bridge: 'br-beefbeefbeef', subnet: '10.10.0.0/24', gateway: '10.10.0.1', internal: true, embeddedDns: true };
const endpoint = (network: NetworkPlan, ifName: string, hostIfName: string, ip: string, prefix: number, mac: string, defaultRoute: boolean): EndpointPlan => ({
  network,
  id: `e${ifName}`.padEnd(64, '0'),
  ifName,
  hostIfName,
  ipAddress: ip,
  prefixLength: prefix,
  macAddress: mac,
  defaultRoute,
});
const NETWORKS: Record<string, ContainerNetwork> = {
  'network-bridge': { mode: 'endpoints', endpoints: [endpoint(bridgeNet, 'eth0', 'veth1a2b3c4', '172.17.0.2', 16, '02:42:ac:11:00:02', true)], dns: false },
  'network-user': {
    mode: 'endpoints',
    endpoints: [endpoint(userNet, 'eth0', 'veth5d6e7f8', '172.18.0.3', 16, '02:42:ac:12:00:03', true), endpoint(backNet, 'eth1', 'veth9a8b7c6', '10.10.0.2', 24, '02:42:0a:0a:00:02', false)],
    dns: true,
  },
  'network-container': { mode: 'container', pid: 4242 },
};

describe('runtime trace golden files with a network', () => {
  for (const [name, network] of Object.entries(NETWORKS)) {
    it(name, async () => {
      const trace = lowerSpec(load('busybox-sh.config.json'), LAYOUT, { network });
      await expect(trace.files.trace).toMatchFileSnapshot(`testdata/${name}.trace.sh`);
      await expect(trace.files.init).toMatchFileSnapshot(`testdata/${name}.init.sh`);
      await expect(trace.files.steps).toMatchFileSnapshot(`testdata/${name}.steps`);
    });
  }
});

describe('lowerSpec with a ContainerNetwork', () => {
  const spec = () => load('busybox-sh.config.json');

  it('none is what a spec with a network namespace gives today: lo up, nothing else', () => {
    expect(lowerSpec(spec(), LAYOUT, { network: { mode: 'none' } }).files).toEqual(lowerSpec(spec(), LAYOUT).files);
  });

  it('host: no network namespace, whatever the spec lists', () => {
    const t = lowerSpec(spec(), LAYOUT, { network: { mode: 'host' } });
    expect(t.start[1]!.op).not.toContain('net');
    expect(t.namespaces).not.toContain('net');
    expect(t.init.some((s) => s.op[0] === 'ifup')).toBe(false);
  });

  it('container: joins that PID 1\'s network namespace after unshare, and docker exec enters it too', () => {
    const withPath = spec();
    withPath.linux.namespaces = withPath.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: '/proc/4242/ns/net' } : n));
    const t = lowerSpec(withPath, LAYOUT, { network: { mode: 'container', pid: 4242 } });
    expect(t.start.map((s) => s.op[0])).toEqual(['join-cgroup', 'unshare', 'netns', 'fork']);
    expect(t.start[1]!.op).not.toContain('net');
    expect(t.namespaces).toContain('net');
    expect(t.shellProcess.join(' ')).toContain('-- /usr/bin/nsenter --net=/proc/4242/ns/net sh -c');
    expect(() => lowerSpec(spec(), LAYOUT, { network: { mode: 'container', pid: 1 } })).toThrow(/bad PID 1/);
  });

  it('endpoints: PID 1 makes them before anything else, and delete takes the guest ends and the connections', () => {
    const t = lowerSpec(spec(), LAYOUT, { network: NETWORKS['network-user'] });
    expect(t.init.slice(0, 16).map((s) => s.op[0])).toEqual(['ifup', 'veth-add', 'write', '@', '@', 'link-set', 'addr-add', 'route-default', 'veth-add', 'write', '@', '@', 'link-set', 'addr-add', 'dns', 'mkdir']);
    expect(t.init.filter((s) => s.op[0] === 'ifup')).toHaveLength(1);
    expect(t.init.find((s) => s.op[0] === 'dns')!.op).toEqual(['dns', ID, '1']);
    for (const section of [t.delete, t.reset]) {
      const ops = section.map((s) => s.op.join(' '));
      expect(ops).toContain('link-del veth5d6e7f8');
      expect(ops).toContain('conntrack-flush 172.18.0.3 10.10.0.2');
      expect(ops.indexOf('link-del veth5d6e7f8')).toBeGreaterThan(ops.findIndex((o) => o.startsWith('wait-empty')));
    }
  });
});
