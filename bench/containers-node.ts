// Container figures in Node: `docker` typed in a real guest with the engine composed as the browser worker
// composes it — `docker run --rm busybox true` wall time, `docker exec` latency, a new container's disk cost.
import { startEngineInGuest } from '../emulator/node-backends/engine-in-guest.ts';
import { median, type Figures } from './figures.ts';

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
  // Wall time measured inside the guest (uptime in centiseconds), so the agent round trip is not counted.
  const timedInGuest = async (command: string): Promise<number> => {
    const out = await sh(`a=$(cut -d' ' -f1 /proc/uptime); ${command} >/dev/null; b=$(cut -d' ' -f1 /proc/uptime); echo "$a $b"`);
    const [a, b] = out.trim().split(' ').map(Number);
    return Math.round(((b ?? 0) - (a ?? 0)) * 1000);
  };
  try {
    await sh('docker pull -q busybox');
    await sh('docker run --rm busybox true'); // the first container pays for one-time set-up
    const runTimes: number[] = [];
    for (let i = 0; i < runs; i++) runTimes.push(await timedInGuest('docker run --rm busybox true'));
    log(`containers-node: docker run --rm busybox true: ${runTimes.join(', ')} ms`);

    await sh('docker run -d --name bench-exec busybox sleep 1000');
    const execTimes: number[] = [];
    for (let i = 0; i < runs; i++) execTimes.push(await timedInGuest('docker exec bench-exec true'));
    log(`containers-node: docker exec: ${execTimes.join(', ')} ms`);
    const upper = (await sh('docker inspect -f "{{.GraphDriver.Data.UpperDir}}" bench-exec')).trim();
    // `sh` throws when du fails (no such dir), so a wrong path cannot read as "0 bytes".
    const upperKb = Number((await sh(`du -sk '${upper}'`)).split('\t')[0]);
    await sh('docker rm -f bench-exec');
    return {
      docker_run_rm_true_ms_guest: median(runTimes),
      docker_exec_ms_guest: median(execTimes),
      new_container_disk_bytes: upperKb * 1024,
    };
  } finally {
    await machine.stop();
  }
}
