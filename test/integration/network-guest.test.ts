// The guest side of Docker networking on the real kernel: the runtime with hand-made network plans (what the engine's
// network model decides) and the guest network driver. Containers on a user-defined network reach each other by
// name (the embedded DNS server) and address; a published port answers from the guest (docker-proxy and DNAT) and
// through Machine.tcpConnect; a container reaches out through MASQUERADE. The soak of the whole path (100 servers on
// a user network with a published port, leaving nothing behind) is in docker-soak.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestNetworkDriver, NETWORK_DIR } from '../../emulator/engine/network/guest-network-driver.ts';
import { defaultBridge, endpoint, httpViaTcpConnect, removeNet, startNet, userNetwork, type NetContainer } from './network-fixture.ts';
import { decode, registryBuilt, startRuntimeFixture, type RuntimeFixture } from './runtime-fixture.ts';

describe.skipIf(!registryBuilt)('container networking on the real kernel', () => {
  let f: RuntimeFixture;
  let driver: GuestNetworkDriver;
  const bridge = defaultBridge();
  const app = userNetwork('app', 20);
  const sh = async (script: string, timeoutMs = 60_000) => {
    const r = await f.machine.agent.exec(['sh', '-c', script], { timeoutMs });
    expect(r.exitCode, `${script}: ${decode(r.stderr)}${decode(r.stdout)}`).toBe(0);
    return decode(r.stdout);
  };
  const start = (args: string[], network: Parameters<typeof startNet>[5], options: Parameters<typeof startNet>[6] = {}) =>
    startNet(f.runtime, driver, f.machine, f.lowerDirs, args, network, options);
  const remove = (c: NetContainer) => removeNet(f.runtime, driver, c);
  /** A command in a running container: its output, stdout and stderr together. */
  const inside = async (c: NetContainer, script: string, expectExit = 0) => {
    const r = await f.runtime.exec(c.id, ['sh', '-c', script], { timeoutMs: 60_000 });
    const out = decode(r.stdout) + decode(r.stderr);
    expect(r.exitCode, `${script}: ${out}`).toBe(expectExit);
    return out;
  };
  /** Until the container's PID 1 listens on TCP `port` (its network namespace's /proc/net/tcp), 20 s of polling at most. */
  const listening = (c: NetContainer, port = 80) => {
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    // busybox httpd listens on :: (tcp6) when the kernel has IPv6
    return sh(`i=0; until grep -qE ':${hex} 0+:0000 0A' /proc/${c.pid}/net/tcp /proc/${c.pid}/net/tcp6; do i=$((i+1)); [ $i -lt 200 ] || exit 1; sleep 0.1; done`, 120_000);
  };
  const httpd = (name: string) => ['sh', '-c', `mkdir -p /www && echo hello from ${name} > /www/index.html && exec httpd -f -p 80 -h /www`];

  beforeAll(async () => {
    f = await startRuntimeFixture();
    driver = new GuestNetworkDriver(f.machine.agent);
    await driver.ensureNetwork(bridge);
    await driver.ensureNetwork(app);
  }, 180_000);
  afterAll(async () => {
    await f?.close();
  });

  it('two containers on a user-defined network reach each other by name and by address', async () => {
    const webEp = endpoint(app, '172.20.0.2');
    const clientEp = endpoint(app, '172.20.0.3');
    const names = [
      { name: 'web', ipAddress: '172.20.0.2' },
      { name: 'client', ipAddress: '172.20.0.3' },
    ];
    const web = await start(httpd('web'), { mode: 'endpoints', endpoints: [webEp], dns: true }, { names, hostname: 'web' });
    const client = await start(['sleep', '600'], { mode: 'endpoints', endpoints: [clientEp], dns: true }, { names, hostname: 'client' });
    try {
      await listening(web);
      expect(await inside(client, 'ip -o addr show eth0')).toContain('inet 172.20.0.3/16 brd 172.20.255.255');
      expect(await inside(client, 'ip route')).toMatch(/^default via 172\.20\.0\.1 dev eth0/m);
      expect(await inside(client, 'cat /sys/class/net/eth0/address')).toBe('02:42:ac:14:00:03\n');
      expect(await inside(client, 'ping -c1 -W5 web')).toContain('1 packets received');
      expect(await inside(client, 'wget -qO- http://web/')).toBe('hello from web\n');
      // a name no container has goes to the guest's upstream, which knows none: NXDOMAIN, as a real resolver says
      expect(await inside(client, 'ping -c1 -W2 nosuch 2>&1 || true')).toBe("ping: bad address 'nosuch'\n");
      expect(await inside(client, 'wget -qO- http://172.20.0.2/')).toBe('hello from web\n');
      expect(await inside(web, 'ping -c1 -W5 CLIENT')).toContain('(172.20.0.3)');
      // the guest's end of each veth is on the network's bridge
      const ports = await sh(`ls /sys/class/net/${app.bridge}/brif`);
      expect(ports.trim().split('\n').sort()).toEqual([webEp.hostIfName, clientEp.hostIfName].sort());
      // the learner's trace: the network steps are init.sh's first lines
      expect(await sh(`head -12 ${client.bundle}/init.sh`)).toContain(`/bin/ip link add eth0 type veth peer name ${clientEp.hostIfName} netns 1`);
    } finally {
      await remove(client);
      await remove(web);
    }
  });

  it('a published port answers the guest (docker-proxy on 127.0.0.1, DNAT on eth0) and Machine.tcpConnect', async () => {
    const ep = endpoint(bridge, '172.17.0.2');
    const web = await start(['sh', '-c', 'mkdir -p /www && echo published > /www/index.html && head -c 2097152 /dev/urandom > /www/big && exec httpd -f -p 80 -h /www'], { mode: 'endpoints', endpoints: [ep], dns: false });
    try {
      await listening(web);
      await driver.publish(web.id, [{ proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80 }]);
      // packets that took the DNAT rule (its counter): not those to 127.0.0.1, which docker-proxy serves
      const dnatPackets = async () => Number(/^\s*(\d+)\s.*DNAT.*dpt:8080/m.exec(await sh('iptables -t nat -L DOCKER -n -v -x'))?.[1]);
      expect(await dnatPackets()).toBe(0);
      expect(await sh('wget -qO- http://127.0.0.1:8080/')).toBe('published\n');
      expect(await dnatPackets()).toBe(0);
      expect(await sh('wget -qO- http://192.168.86.100:8080/')).toBe('published\n');
      const fromGuest = await dnatPackets();
      expect(fromGuest).toBeGreaterThan(0);
      const small = await httpViaTcpConnect(f.machine, 8080, '/');
      expect(await dnatPackets()).toBeGreaterThan(fromGuest);
      expect(small.head).toMatch(/^HTTP\/1\.[01] 200 OK/);
      expect(decode(small.body)).toBe('published\n');
      const big = await httpViaTcpConnect(f.machine, 8080, '/big');
      expect(big.head).toContain('Content-Length: 2097152');
      expect(big.body.length).toBe(2097152);
      console.log(`[network] GET / via tcpConnect ${small.ms.toFixed(0)} ms; 2 MB through DNAT ${big.ms.toFixed(0)} ms (${(2 / (big.ms / 1000)).toFixed(2)} MB/s, ${big.body.length} bytes)`);
      const nat = await sh('iptables -t nat -S DOCKER');
      expect(nat).toContain('-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80');
      // the same port again: refused in dockerd's words, and nothing of the second try is left
      await expect(driver.publish('other', [{ proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80 }])).rejects.toThrow(
        'Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use',
      );
      expect((await sh('iptables -t nat -S DOCKER')).match(/--dport 8080/g)).toHaveLength(1);
    } finally {
      await remove(web);
    }
    expect(await f.machine.tcpProbe(8080)).toBe(false);
    expect(await sh('iptables-save')).not.toContain('8080');
    expect(await sh('ps -o args | grep -c "^/usr/bin/docker-proxy" || true')).toBe('0\n');
  });

  it('a container reaches out through MASQUERADE, and its connections are forgotten when it goes', async () => {
    const ep = endpoint(bridge, '172.17.0.5');
    const c = await start(['sleep', '600'], { mode: 'endpoints', endpoints: [ep], dns: false });
    try {
      expect(await inside(c, 'ping -c1 -W5 192.168.86.1')).toContain('1 packets received');
      expect(await sh('iptables -t nat -S POSTROUTING')).toContain('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE');
      expect(await sh('grep -c "src=172.17.0.5 dst=192.168.86.1 .* src=192.168.86.1 dst=192.168.86.100" /proc/net/nf_conntrack')).not.toBe('0\n');
    } finally {
      await remove(c);
    }
    expect(await sh('grep -c "172.17.0.5" /proc/net/nf_conntrack || true')).toBe('0\n');
  });

  it('without the embedded DNS server (the default bridge) a container name does not resolve to the container', async () => {
    const web = await start(httpd('web'), { mode: 'endpoints', endpoints: [endpoint(bridge, '172.17.0.7')], dns: false });
    const client = await start(['sleep', '600'], { mode: 'endpoints', endpoints: [endpoint(bridge, '172.17.0.8')], dns: false });
    try {
      await listening(web);
      expect(await inside(client, 'cat /etc/resolv.conf')).toBe('nameserver 192.168.86.1\n');
      // the guest's upstream knows no names (guest-dns-upstream.ts): busybox fails as under Docker, at once
      expect(await inside(client, 'ping -c1 -W2 web 2>&1 || true')).toBe("ping: bad address 'web'\n");
      expect(await inside(client, 'wget -qO- http://172.17.0.7/')).toBe('hello from web\n');
    } finally {
      await remove(client);
      await remove(web);
    }
  });

  it('an internal network reaches its own containers, not the outside', async () => {
    const back = userNetwork('back', 21, { internal: true });
    await driver.ensureNetwork(back);
    const a = await start(httpd('a'), { mode: 'endpoints', endpoints: [endpoint(back, '172.21.0.2')], dns: true }, { names: [{ name: 'a', ipAddress: '172.21.0.2' }] });
    const b = await start(['sleep', '600'], { mode: 'endpoints', endpoints: [endpoint(back, '172.21.0.3')], dns: true }, { names: [{ name: 'a', ipAddress: '172.21.0.2' }] });
    try {
      await listening(a);
      expect(await inside(b, 'wget -qO- http://a/')).toBe('hello from a\n');
      expect(await inside(b, 'ping -c1 -W2 192.168.86.1', 1)).toContain('0 packets received');
      expect(await sh('iptables -S DOCKER-ISOLATION-STAGE-1')).toContain(`-A DOCKER-ISOLATION-STAGE-1 ! -d 172.21.0.0/16 -i ${back.bridge} -j DROP`);
    } finally {
      await remove(b);
      await remove(a);
      await driver.removeNetwork(back);
    }
    expect(await sh(`[ -e /sys/class/net/${back.bridge} ] && echo left || echo gone`)).toBe('gone\n');
    expect(await sh('iptables-save')).not.toContain(back.bridge);
  });

  it('--network container: shares the other container\'s namespace; network connect/disconnect of a running container', async () => {
    const other = userNetwork('other', 22);
    await driver.ensureNetwork(other);
    const first = await start(['sleep', '600'], { mode: 'endpoints', endpoints: [endpoint(app, '172.20.0.9')], dns: true });
    const peer = await start(httpd('peer'), { mode: 'endpoints', endpoints: [endpoint(other, '172.22.0.2')], dns: true });
    try {
      await listening(peer);
      const joined = await start(['sleep', '600'], { mode: 'container', pid: first.pid! });
      try {
        expect(await inside(joined, 'ip -o -4 addr show eth0')).toContain('172.20.0.9/16');
      } finally {
        await remove(joined);
      }
      const ep = endpoint(other, '172.22.0.3', 'eth1');
      await driver.attach(first.id, first.pid!, ep);
      expect(await inside(first, 'ip -o -4 addr show eth1')).toContain('172.22.0.3/16');
      expect(await inside(first, 'wget -qO- http://172.22.0.2/')).toBe('hello from peer\n');
      expect(await sh(`cat ${NETWORK_DIR}/containers/${first.id}.sh`)).toContain(`/bin/ip link add eth1 type veth peer name ${ep.hostIfName} netns 1`);
      await driver.detach(first.id, ep);
      expect(await inside(first, 'ip -o link show eth1 2>&1 || true')).toContain("can't find device 'eth1'");
      expect(await sh(`[ -e /sys/class/net/${ep.hostIfName} ] && echo left || echo gone`)).toBe('gone\n');
    } finally {
      await remove(peer);
      await remove(first);
      await driver.removeNetwork(other);
    }
  });
});

