// Container figures in Node: `docker` typed in a real guest with the engine composed as the browser worker
// composes it — `docker run --rm busybox true` wall time, `docker exec` latency, a new container's disk cost.
import { resolve } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { openEngineHost, staticRegistries } from '../emulator/engine/engine-host.ts';
import { MemoryBlobBackend } from '../emulator/engine/store-backend-memory.ts';
import { serveStaticFiles } from '../emulator/node-backends/static-files.ts';
import type { EmulatorApi } from '../emulator/protocol.ts';
import { createEmulatorService } from '../emulator/vm/emulator-service.ts';
import { nodeAssetLoader } from '../emulator/vm/node-asset-loader.ts';
import { DEFAULT_GUEST_DIR, V86_WASM_PATH } from '../emulator/vm/node-machine.ts';
import { median, type Figures } from './figures.ts';

export async function benchContainersNode(options: { runs?: number; log?: (line: string) => void } = {}): Promise<Figures> {
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  const files = await serveStaticFiles(resolve(import.meta.dirname, '../public'));
  const channel = new MessageChannel();
  const emulator: EmulatorApi = createEmulatorService({
    loaderFor: () => nodeAssetLoader(DEFAULT_GUEST_DIR),
    wasmPath: V86_WASM_PATH,
    engine: async ({ guestBaseUrl, guestFs, guest, system }) =>
      openEngineHost({ fetch, store: new MemoryBlobBackend(), guestFs, guest, system, registries: staticRegistries(new URL('../registry/', guestBaseUrl).href) }),
  });
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
    await emulator.start({ guestBaseUrl: `${files.url}/guest/`, terminal: channel.port1 as unknown as MessagePort, cols: 120, rows: 40 }, () => undefined, () => undefined);
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
    await emulator.stop();
    channel.port1.close();
    channel.port2.close();
    await files.close();
  }
}
