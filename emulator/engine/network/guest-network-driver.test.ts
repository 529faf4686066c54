// The driver's decisions on a fake guest: which steps each call sends (one drydock-init), what it records, how a
// failure is reported and undone. The fake keeps the files the steps write; the real kernel is in
// test/integration/network-guest.test.ts.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.ts';
import type { GuestExec, GuestExecResult } from '../runtime/guest-exec.ts';
import type { EndpointPlan, NetworkPlan, PortMapping } from './endpoint.ts';
import { dnsViewFile, GuestNetworkDriver, NETWORK_DIR } from './guest-network-driver.ts';

const enc = new TextEncoder();

/** drydock-init's word decoding: %XX is a byte, a lone % the empty word. */
function decodeWord(w: string): string {
  if (w === '%') return '';
  const bytes: number[] = [];
  for (let i = 0; i < w.length; i++) {
    if (w[i] === '%' && /^[0-9A-F]{2}$/i.test(w.slice(i + 1, i + 3))) {
      bytes.push(parseInt(w.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...enc.encode(w[i]!));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

interface Call {
  argv: string[];
  /** the steps (decoded words) when the call is drydock-init with a steps file on stdin */
  steps: string[][];
  stdin: string;
}

class FakeGuest implements GuestExec {
  files = new Map<string, string>();
  calls: Call[] = [];
  /** the next drydock-init fails at the first step whose op is this, with this message */
  failAt?: { op: string; message: string; before?: string };

  async exec(argv: string[], options: { stdin?: Uint8Array | string } = {}): Promise<GuestExecResult> {
    const stdin = typeof options.stdin === 'string' ? options.stdin : new TextDecoder().decode(options.stdin ?? new Uint8Array());
    const lines = stdin.split('\n');
    const steps = lines.filter((l) => l && !l.startsWith('#') && !l.startsWith('[')).map((l) => l.split(' ').map(decodeWord));
    this.calls.push({ argv, steps, stdin });
    for (const [i, step] of steps.entries()) {
      const words = step[0] === '?' ? step.slice(3) : step;
      if (this.failAt && words[0] === this.failAt.op) {
        const line = lines.indexOf(stdin.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('['))[i]!) + 1;
        const stderr = `${this.failAt.before ? `${this.failAt.before}\n` : ''}drydock-init: network line ${line}: ${this.failAt.message}\n`;
        this.failAt = undefined;
        return { exitCode: 1, stdout: new Uint8Array(), stderr: enc.encode(stderr) };
      }
      if (words[0] === 'write') this.files.set(words[1]!, words[2]!);
      if (words[0] === 'rm') for (const p of words.slice(1)) this.files.delete(p);
    }
    return { exitCode: 0, stdout: new Uint8Array(), stderr: new Uint8Array() };
  }

  spawn(): never {
    throw new Error('the driver spawns nothing');
  }

  async writeFile(path: string, data: Uint8Array | string): Promise<void> {
    this.files.set(path, typeof data === 'string' ? data : new TextDecoder().decode(data));
  }

  async readFile(path: string): Promise<Uint8Array> {
    const text = this.files.get(path);
    if (text === undefined) throw new EngineError('NOT_FOUND', `ENOENT ${path}`);
    return enc.encode(text);
  }

  ops(call = this.calls.at(-1)!): string[] {
    return call.steps.map((s) => (s[0] === '?' ? s.slice(3) : s)[0]!);
  }
}

const bridge: NetworkPlan = { id: 'a1'.repeat(32), name: 'bridge', bridge: 'docker0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', internal: false, embeddedDns: false };
const app: NetworkPlan = { id: 'b2'.repeat(32), name: 'app', bridge: 'br-b2b2b2b2b2b2', subnet: '172.18.0.0/16', gateway: '172.18.0.1', internal: false, embeddedDns: true };
const port = (hostPort: number, containerIp = '172.17.0.2'): PortMapping => ({ proto: 'tcp', hostIp: '0.0.0.0', hostPort, containerIp, containerPort: 80 });
const CID = 'c0'.repeat(32);

describe('GuestNetworkDriver', () => {
  it('makes a network in one drydock-init: bridge, rules (the DOCKER chains with the first), trace, record; once per guest', async () => {
    const guest = new FakeGuest();
    const driver = new GuestNetworkDriver(guest);
    await driver.ensureNetwork(bridge);
    expect(guest.calls).toHaveLength(1);
    expect(guest.calls[0]!.argv).toEqual(['/sbin/drydock-init', 'network', '-']);
    expect(guest.ops()).toEqual(['mkdir', 'bridge-add', 'write', 'addr-add', 'ifup', 'write', 'run', 'write', 'write']);
    const rules = guest.files.get(`${NETWORK_DIR}/networks/docker0.rules`)!;
    expect(rules).toContain(':DOCKER-USER - [0:0]');
    expect(rules).toContain('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE');
    expect(guest.calls[0]!.steps.find((s) => s[0] === 'run')).toEqual(['run', '--', '/usr/sbin/iptables-restore', '--noflush', `${NETWORK_DIR}/networks/docker0.rules`]);
    expect(guest.files.get(`${NETWORK_DIR}/networks/docker0.sh`)).toContain("cat > /run/drydock/network/networks/docker0.rules <<'EOF'");
    await driver.ensureNetwork(bridge);
    expect(guest.calls).toHaveLength(1);
    await driver.ensureNetwork(app);
    expect(guest.files.get(`${NETWORK_DIR}/networks/${app.bridge}.rules`)).not.toContain(':DOCKER');
  });

  it('reads the guest\'s record after forgetGuest: a restored checkpoint\'s networks are known', async () => {
    const guest = new FakeGuest();
    await new GuestNetworkDriver(guest).ensureNetwork(bridge);
    const again = new GuestNetworkDriver(guest);
    again.forgetGuest();
    await again.ensureNetwork(bridge);
    expect(guest.calls).toHaveLength(1);
    guest.files.clear(); // a new boot: nothing
    again.forgetGuest();
    await again.ensureNetwork(bridge);
    expect(guest.calls).toHaveLength(2);
  });

  it('publishes with a docker-proxy per port, then the rules; unpublish stops them and forgets the connections', async () => {
    const guest = new FakeGuest();
    const driver = new GuestNetworkDriver(guest);
    await driver.ensureNetwork(bridge);
    await driver.publish(CID, [port(8080), { ...port(5353), proto: 'udp' }]);
    const publish = guest.calls.at(-1)!;
    expect(guest.ops(publish)).toEqual(['mkdir', 'spawn', 'spawn', 'write', 'run', 'write', 'write']);
    expect(publish.steps[1]).toEqual([
      'spawn', `pidfile=${NETWORK_DIR}/containers/${CID}.0.pid`, 'cgroup=/sys/fs/cgroup/drydock-net', '--',
      '/usr/bin/docker-proxy', '-proto', 'tcp', '-host-ip', '0.0.0.0', '-host-port', '8080', '-container-ip', '172.17.0.2', '-container-port', '80',
    ]);
    expect(guest.files.get(`${NETWORK_DIR}/containers/${CID}.rules`)).toContain('-A DOCKER ! -i docker0 -p udp -m udp --dport 5353 -j DNAT --to-destination 172.17.0.2:80');
    await driver.unpublish(CID);
    const un = guest.calls.at(-1)!;
    expect(guest.ops(un)).toEqual(['stop', 'stop', 'conntrack-flush', 'rm', 'write', 'write', 'run', 'rm']);
    expect(un.steps[2]).toEqual(['conntrack-flush', '172.17.0.2', 'tcp/8080', 'udp/5353']);
    expect(un.steps.find((s) => s[0] === 'write' && s[1]!.endsWith('.undo'))![2]).toMatch(/^\*nat\n-D DOCKER ! -i docker0 -p udp .*\n-D DOCKER ! -i docker0 -p tcp /);
    await driver.unpublish(CID);
    expect(guest.calls.at(-1)).toBe(un);
  });

  it('a taken port: dockerd\'s words, and only the proxies it started are stopped', async () => {
    const guest = new FakeGuest();
    const driver = new GuestNetworkDriver(guest);
    await driver.ensureNetwork(bridge);
    guest.failAt = { op: 'spawn', message: 'listen tcp4 0.0.0.0:8080: bind: address already in use' };
    const error = await driver.publish(CID, [port(8080)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('CONFLICT');
    expect((error as EngineError).message).toBe('Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use');
    const rollback = guest.calls.at(-1)!.argv.join(' ');
    expect(rollback).toContain(`stop ${NETWORK_DIR}/containers/${CID}.0.pid docker-proxy`);
    expect(rollback).not.toContain('iptables');
    // nothing recorded: a later unpublish has nothing to do
    const n = guest.calls.length;
    await driver.unpublish(CID);
    expect(guest.calls).toHaveLength(n);
  });

  it('iptables-restore failing: its own words, and the rules removed one by one', async () => {
    const guest = new FakeGuest();
    const driver = new GuestNetworkDriver(guest);
    await driver.ensureNetwork(bridge);
    guest.failAt = { op: 'run', message: '/usr/sbin/iptables-restore exited 1', before: 'iptables-restore: line 2 failed' };
    await expect(driver.publish(CID, [port(8080)])).rejects.toThrow('network driver (publish-' + CID + '): /usr/sbin/iptables-restore exited 1: iptables-restore: line 2 failed');
    expect(guest.calls.at(-1)!.argv.join(' ')).toContain("iptables -t nat -D DOCKER '!' -i docker0 -p tcp -m tcp --dport 8080");
  });

  it('a learner removed the rules by hand: removeNetwork still takes the bridge, and what is left of the rules', async () => {
    const guest = new FakeGuest();
    const driver = new GuestNetworkDriver(guest);
    await driver.ensureNetwork(app);
    guest.failAt = { op: 'run', message: '/usr/sbin/iptables-restore exited 1' };
    await driver.removeNetwork(app);
    const removal = guest.calls.at(-2)!;
    expect(guest.ops(removal).slice(0, 3)).toEqual(['link-del', 'rm', 'write']);
    expect(guest.calls.at(-1)!.argv[0]).toBe('sh');
    expect(guest.calls.at(-1)!.argv[2]).toContain(`iptables -t nat -D POSTROUTING -s 172.18.0.0/16 '!' -o ${app.bridge} -j MASQUERADE 2>/dev/null`);
    await driver.removeNetwork(app);
    expect(guest.calls.at(-1)!.argv[0]).toBe('sh');
  });

  it('DNS views are files (no process); attach joins PID 1\'s namespace; forgetContainer removes what is left', async () => {
    const guest = new FakeGuest();
    const driver = new GuestNetworkDriver(guest);
    await driver.ensureNetwork(app);
    const n = guest.calls.length;
    await driver.setDnsView(CID, [
      { name: 'web', ipAddress: '172.18.0.2' },
      { name: 'bad name', ipAddress: '172.18.0.3' },
      { name: 'db', ipAddress: 'not-an-ip' },
    ]);
    expect(guest.calls).toHaveLength(n);
    expect(guest.files.get(dnsViewFile(CID))).toBe(`# names the embedded DNS server answers for container ${CID}\nweb 172.18.0.2\n`);
    const ep: EndpointPlan = { network: app, id: 'e'.repeat(64), ifName: 'eth1', hostIfName: 'veth1234567', ipAddress: '172.18.0.5', prefixLength: 16, macAddress: '02:42:ac:12:00:05', defaultRoute: false };
    await driver.attach(CID, 4242, ep);
    const ops = guest.ops();
    expect(ops.slice(ops.indexOf('netns'))).toEqual(['netns', 'veth-add', 'write', '@', '@', 'link-set', 'addr-add']);
    expect(guest.calls.at(-1)!.steps.find((s) => s[0] === 'netns')).toEqual(['netns', '/proc/4242/ns/net']);
    expect(guest.calls.at(-1)!.steps.filter((s) => s[0] === '@')).toEqual([
      ['@', '/proc/1/ns/net', 'write', '/proc/sys/net/ipv6/conf/veth1234567/disable_ipv6', '1'],
      ['@', '/proc/1/ns/net', 'link-set', 'veth1234567', `master=${app.bridge}`, 'up'],
    ]);
    await driver.forgetContainer(CID);
    expect(guest.calls.at(-1)!.steps[0]).toEqual(['conntrack-flush', '172.18.0.5']);
    expect(guest.files.has(dnsViewFile(CID))).toBe(false);
    const m = guest.calls.length;
    await driver.forgetContainer(CID);
    expect(guest.calls).toHaveLength(m);
  });
});
