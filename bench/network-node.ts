// Network figures in Node, on the real guest: what a container's network costs the runtime (start+wait+delete with
// one endpoint on the default bridge against --network none, same guest), a name lookup through the embedded DNS
// server from inside a container, and a 2 MB download from a container through DNAT over Machine.tcpConnect.
import { GuestNetworkDriver } from '../emulator/engine/network/guest-network-driver.ts';
import { DRYDOCK_INIT } from '../emulator/engine/runtime/lower.ts';
import { defaultBridge, endpoint, httpViaTcpConnect, removeNet, startNet, userNetwork } from '../test/integration/network-fixture.ts';
import { decode, startRuntimeFixture } from '../test/integration/runtime-fixture.ts';
import { median, type Figures } from './figures.ts';

export async function benchNetworkNode(options: { runs?: number; log?: (line: string) => void } = {}): Promise<Figures> {
  const runs = options.runs ?? 20;
  const log = options.log ?? (() => undefined);
  const f = await startRuntimeFixture();
  const driver = new GuestNetworkDriver(f.machine.agent);
  const bridge = defaultBridge();
  const app = userNetwork('app', 20);
  const start = (args: string[], network: Parameters<typeof startNet>[5], o: Parameters<typeof startNet>[6] = {}) => startNet(f.runtime, driver, f.machine, f.lowerDirs, args, network, o);
  const sh = async (script: string): Promise<string> => {
    const r = await f.machine.agent.exec(['sh', '-c', script], { timeoutMs: 120_000 });
    if (r.exitCode !== 0) throw new Error(`${script}: exit ${r.exitCode}: ${decode(r.stderr)}`);
    return decode(r.stdout);
  };
  try {
    await driver.ensureNetwork(bridge);
    await driver.ensureNetwork(app);
    /** the runtime alone (create, start, wait, delete through the agent), as runtime-containment measures it */
    const cycle = async (network: Parameters<typeof startNet>[5]) => {
      const t = performance.now();
      const c = await start(['true'], network);
      await f.runtime.wait(c.id);
      await removeNet(f.runtime, driver, c);
      return performance.now() - t;
    };
    // warm-up: v86 compiles the guest's hot paths during the first runs
    for (let i = 0; i < 5; i++) {
      await cycle({ mode: 'none' });
      await cycle({ mode: 'endpoints', endpoints: [endpoint(bridge, '172.17.0.20')], dns: false });
    }
    const none: number[] = [];
    const one: number[] = [];
    for (let i = 0; i < runs; i++) {
      none.push(await cycle({ mode: 'none' }));
      one.push(await cycle({ mode: 'endpoints', endpoints: [endpoint(bridge, '172.17.0.20')], dns: false }));
    }
    log(`network-node: start+wait+delete, none: ${none.map(Math.round).join(', ')} ms; one endpoint: ${one.map(Math.round).join(', ')} ms`);

    // A lookup as a program in the container pays for it: nslookup (A and AAAA, two queries) against the same
    // process start with no lookup (busybox's hostname), timed inside the container. /proc/uptime has 10 ms steps
    // and the image's date no %N: a series of `runs` is timed as one, three times, and the medians of the means kept.
    const c = await start(['sleep', '600'], { mode: 'endpoints', endpoints: [endpoint(app, '172.20.0.30')], dns: true }, { names: [{ name: 'web', ipAddress: '172.20.0.2' }] });
    let lookupMs: number;
    let nslookupMs: number;
    try {
      const seriesMean = async (command: string) => {
        const script = `a=$(cut -d" " -f1 /proc/uptime); i=0; while [ $i -lt ${runs} ]; do ${command} >/dev/null; i=$((i+1)); done; b=$(cut -d" " -f1 /proc/uptime); echo "$a $b"`;
        const r = await f.runtime.exec(c.id, ['sh', '-c', script], { timeoutMs: 300_000 });
        if (r.exitCode !== 0) throw new Error(`${command}: ${decode(r.stderr)}`);
        const [a, b] = decode(r.stdout).trim().split(' ').map(Number);
        return ((b! - a!) * 1000) / runs;
      };
      const lookups: number[] = [];
      const baseline: number[] = [];
      const differences: number[] = [];
      for (let i = 0; i < 5; i++) {
        lookups.push(await seriesMean('nslookup web'));
        baseline.push(await seriesMean('hostname'));
        differences.push(lookups.at(-1)! - baseline.at(-1)!);
      }
      nslookupMs = median(lookups);
      lookupMs = median(differences);
      log(`network-node: nslookup web in a container, mean of ${runs}: ${lookups.map((v) => v.toFixed(1)).join(', ')} ms; hostname: ${baseline.map((v) => v.toFixed(1)).join(', ')} ms`);
    } finally {
      await removeNet(f.runtime, driver, c);
    }

    // The network steps alone, in the guest: drydock-init making a namespace with an endpoint on docker0 (and
    // deleting its veth and flushing its connections, as delete does) against one making a bare namespace, each a
    // series of `runs` timed as one. The whole start above is too noisy on a shared host to show a few ms.
    const bare = `${DRYDOCK_INIT} -c 'unshare net' 'ifup lo' && ${DRYDOCK_INIT} -c 'link-del vethbench0'`;
    const withEndpoint = `${DRYDOCK_INIT} -c 'unshare net' 'ifup lo' 'veth-add eth0 vethbench0 /proc/1/ns/net' 'write /proc/sys/net/ipv6/conf/eth0/disable_ipv6 1' '@ /proc/1/ns/net link-set vethbench0 master=docker0 up' 'link-set eth0 address=02:42:ac:11:00:63 up' 'addr-add eth0 172.17.0.99/16' 'route-default 172.17.0.1 eth0' && ${DRYDOCK_INIT} -c 'link-del vethbench0' 'conntrack-flush 172.17.0.99'`;
    const stepSeries = async (command: string) => {
      const out = await sh(`a=$(cut -d" " -f1 /proc/uptime); i=0; while [ $i -lt ${runs} ]; do ${command}; i=$((i+1)); done; b=$(cut -d" " -f1 /proc/uptime); echo "$a $b"`);
      const [a, b] = out.trim().split(' ').map(Number);
      return ((b! - a!) * 1000) / runs;
    };
    const stepDifferences: number[] = [];
    for (let i = 0; i < 3; i++) {
      // the same two processes each time: a namespace, then a deletion (of nothing, for the bare one)
      stepDifferences.push((await stepSeries(withEndpoint)) - (await stepSeries(bare)));
    }
    log(`network-node: the endpoint's steps (made, then its veth deleted and connections flushed), over a bare namespace: ${stepDifferences.map((v) => v.toFixed(1)).join(', ')} ms`);

    const web = await start(['sh', '-c', 'mkdir -p /www && head -c 2097152 /dev/urandom > /www/big && exec httpd -f -p 80 -h /www'], { mode: 'endpoints', endpoints: [endpoint(bridge, '172.17.0.2')], dns: false });
    let downloadMs: number;
    try {
      await sh(`i=0; until grep -qE ':0050 0+:0000 0A' /proc/${web.pid}/net/tcp /proc/${web.pid}/net/tcp6; do i=$((i+1)); [ $i -lt 300 ] || exit 1; sleep 0.1; done`);
      await driver.publish(web.id, [{ proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80 }]);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) times.push((await httpViaTcpConnect(f.machine, 8080, '/big', 300_000)).ms);
      downloadMs = median(times);
      log(`network-node: 2 MB from a container through DNAT over tcpConnect: ${times.map(Math.round).join(', ')} ms`);
    } finally {
      await removeNet(f.runtime, driver, web);
    }
    return {
      run_no_network_ms_node: median(none),
      run_one_endpoint_ms_node: median(one),
      network_endpoint_overhead_ms_node: median(one) - median(none),
      network_endpoint_steps_ms_guest: median(stepDifferences),
      nslookup_in_container_ms_guest: nslookupMs,
      dns_lookup_ms_guest: lookupMs,
      dnat_download_2mb_ms_node: downloadMs,
    };
  } finally {
    await f.close();
  }
}
