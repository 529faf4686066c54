// Build figures in Node: `docker build` typed in a real guest (engine composed as the browser worker composes it)
// for a reference 6-instruction Dockerfile on busybox, uncached (--no-cache) and fully cached, timed in the guest.
import { startEngineInGuest } from '../emulator/node-backends/engine-in-guest.ts';
import { median, type Figures } from './figures.ts';

/** WORKDIR, COPY, RUN (a build container), ENV and CMD on busybox: every kind of step the builder has. */
export const REFERENCE_DOCKERFILE = 'FROM busybox\nWORKDIR /app\nCOPY . .\nRUN echo built > /built.txt\nENV MODE=production\nCMD ["cat", "/built.txt"]\n';

export async function benchBuildNode(options: { runs?: number; log?: (line: string) => void } = {}): Promise<Figures> {
  const runs = options.runs ?? 3;
  const log = options.log ?? (() => undefined);
  const machine = await startEngineInGuest();
  const emulator = machine.emulator;
  const sh = async (script: string): Promise<string> => {
    const r = await emulator.exec(['sh', '-c', script], { timeoutMs: 600_000 });
    const text = new TextDecoder().decode(r.stdout);
    if (r.exitCode !== 0) throw new Error(`${script}: exit ${r.exitCode}: ${new TextDecoder().decode(r.stderr)}`);
    return text;
  };
  const timedInGuest = async (command: string): Promise<number> => {
    const out = await sh(`a=$(cut -d' ' -f1 /proc/uptime); ${command} >/dev/null 2>&1; b=$(cut -d' ' -f1 /proc/uptime); echo "$a $b"`);
    const [a, b] = out.trim().split(' ').map(Number);
    return Math.round(((b ?? 0) - (a ?? 0)) * 1000);
  };
  try {
    const encoder = new TextEncoder();
    await emulator.writeShareFile('/bench-build/Dockerfile', encoder.encode(REFERENCE_DOCKERFILE));
    await emulator.writeShareFile('/bench-build/app.txt', encoder.encode('app\n'));
    await emulator.writeShareFile('/bench-build/lib/util.txt', encoder.encode('util\n'));
    await sh('docker pull -q busybox');
    await sh('cd /mnt/host/bench-build && docker build -q -t bench .'); // one-time set-up (first container, /dev skeleton)
    const uncached: number[] = [];
    for (let i = 0; i < runs; i++) uncached.push(await timedInGuest('cd /mnt/host/bench-build && docker build --no-cache -t bench .'));
    log(`build-node: reference build, uncached: ${uncached.join(', ')} ms`);
    const cached: number[] = [];
    for (let i = 0; i < runs; i++) cached.push(await timedInGuest('cd /mnt/host/bench-build && docker build -t bench .'));
    log(`build-node: reference build, fully cached: ${cached.join(', ')} ms`);
    const out = await sh('docker run --rm bench');
    if (out !== 'built\n') throw new Error(`the reference image printed ${JSON.stringify(out)}`);
    return { build_uncached_ms_guest: median(uncached), build_cached_ms_guest: median(cached) };
  } finally {
    await machine.stop();
  }
}
