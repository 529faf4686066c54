// Container figures in Node: `docker` typed in a real guest with the engine composed as the browser worker
// composes it — `docker run --rm busybox true` wall time (on the default bridge, and with --network none),
// `docker exec` latency, a new container's disk cost, and 10 MB through `docker cp` (both ways) and `docker commit`
// (commit reads the container's upper dir over the control channel).
import { startEngineInGuest } from '../emulator/node-backends/engine-in-guest.ts';
import { timedInGuest } from '../emulator/node-backends/guest-timed.ts';
import { median, type Figures } from './figures.ts';

/** Unmeasured runs before each measured series (see the comment where they run). */
const WARM_UP_RUNS = 15;

export async function benchContainersNode(options: { runs?: number; log?: (line: string) => void } = {}): Promise<Figures> {
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  const machine = await startEngineInGuest();
  const emulator = machine.emulator;
  const sh = async (script: string): Promise<string> => {
    const r = await emulator.exec(['sh', '-c', script], { timeoutMs: 120_000 });
    const text = new TextDecoder().decode(r.stdout);
    if (r.exitCode !== 0) throw new Error(`${script}: exit ${r.exitCode}: ${new TextDecoder().decode(r.stderr)}`);
    return text;
  };
  // Wall time measured inside the guest (the "wall time inside the guest"): no agent round trip counted.
  const timed = async (command: string): Promise<number> => {
    const r = await timedInGuest(emulator, `${command} >/dev/null`);
    if (r.exitCode !== 0) throw new Error(`${command}: exit ${r.exitCode}: ${r.stderr}`);
    return r.ms;
  };
  /** Apparent bytes of the regular files under DIR, not crossing mounts (a container's merged dir is its overlay). */
  const fileBytes = async (dir: string): Promise<number> => {
    const out = await sh(`find '${dir}' -xdev -type f -exec stat -c %s {} +`);
    return out.split('\n').filter(Boolean).reduce((n, s) => n + Number(s), 0);
  };
  try {
    await sh('docker pull -q busybox');
    // The first container pays for one-time set-up (the /dev skeleton, the drydock/ cgroup), the next ones for
    // v86 compiling the guest's hot code (measured: 2.8 s, then 1.3 s down to 0.3-0.9 s over 15 runs, then steady).
    const first = await timed('docker run --rm busybox true');
    for (let i = 0; i < WARM_UP_RUNS; i++) await timed('docker run --rm busybox true');
    const runTimes: number[] = [];
    // the default bridge (a veth pair, its address and route) against --network none, interleaved
    const noneTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      runTimes.push(await timed('docker run --rm busybox true'));
      noneTimes.push(await timed('docker run --rm --network none busybox true'));
    }
    log(`containers-node: docker run --rm busybox true: first ${first} ms, then after ${WARM_UP_RUNS} more: ${runTimes.join(', ')} ms; with --network none: ${noneTimes.join(', ')} ms`);

    const shareEntries = async () => Number((await sh('find /mnt/host -xdev | wc -l')).trim());
    const shareBefore = await shareEntries();
    await sh('docker run -d --name bench-exec busybox sleep 1000');
    try {
      const execTimes: number[] = [];
      for (let i = 0; i < WARM_UP_RUNS; i++) await timed('docker exec bench-exec true');
      for (let i = 0; i < runs; i++) execTimes.push(await timed('docker exec bench-exec true'));
      log(`containers-node: docker exec: ${execTimes.join(', ')} ms`);
      // What a new container adds: its bundle (config.json, init.sh, trace.sh, hosts...) and its upper dir, on
      // guest tmpfs. `sh` throws when find fails (no such dir), so a wrong path cannot read as "0 bytes".
      const bundle = (await sh('docker inspect -f "{{.GraphDriver.Data.UpperDir}}" bench-exec')).trim().replace(/\/upper$/, '');
      const bundleBytes = await fileBytes(bundle);
      const upperBytes = await fileBytes(`${bundle}/upper`);
      const shareGrowth = (await shareEntries()) - shareBefore;
      log(`containers-node: new container: ${bundleBytes} bytes in ${bundle} (upper dir ${upperBytes}), ${shareGrowth} new entries on the 9p share`);
      // 10 MB of random bytes (incompressible), once: each run takes seconds.
      await sh('docker exec bench-exec sh -c "head -c 10485760 /dev/urandom > /big"');
      // commit before cp in, so that the upper dir holds the one 10 MB file
      const cpOut = await timed('docker cp bench-exec:/big /tmp/bench-big');
      const commit = await timed('docker commit bench-exec bench-commit:big');
      const cpIn = await timed('docker cp /tmp/bench-big bench-exec:/big-in');
      await sh('rm /tmp/bench-big; docker rmi bench-commit:big');
      log(`containers-node: 10 MB: docker cp out ${cpOut} ms, cp in ${cpIn} ms, commit ${commit} ms`);
      return {
        docker_run_rm_true_first_ms_guest: first,
        docker_run_rm_true_ms_guest: median(runTimes),
        docker_run_rm_true_network_none_ms_guest: median(noneTimes),
        docker_run_rm_true_bridge_overhead_ms_guest: median(runTimes) - median(noneTimes),
        docker_exec_ms_guest: median(execTimes),
        new_container_disk_bytes: bundleBytes,
        docker_cp_out_10mb_ms_guest: cpOut,
        docker_cp_in_10mb_ms_guest: cpIn,
        docker_commit_10mb_ms_guest: commit,
      };
    } finally {
      await sh('docker rm -f bench-exec');
    }
  } finally {
    await machine.stop();
  }
}
