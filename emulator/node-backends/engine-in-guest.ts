// A real guest in Node with the engine attached by the emulator service exactly as the browser worker attaches
// it (engine-host.ts; only the stores and asset loading differ), and `docker ...` run inside the guest.
// Shared by the integration tests and the benchmarks.
import { resolve } from 'node:path';
import { MessageChannel, type MessagePort as NodeMessagePort } from 'node:worker_threads';
import { openEngineHost, staticRegistries, type EngineHost } from '../engine/engine-host.ts';
import { GuestNetworkDriver } from '../engine/network/guest-network-driver.ts';
import { MemoryBlobBackend } from '../engine/store/store-backend-memory.ts';
import type { EmulatorApi } from '../protocol.ts';
import { createEmulatorService } from '../vm/emulator-service.ts';
import { nodeAssetLoader } from '../vm/node-asset-loader.ts';
import { DEFAULT_GUEST_DIR, V86_WASM_PATH } from '../vm/node-machine.ts';
import { serveStaticFiles } from './static-files.ts';

export const PUBLIC_DIR = resolve(import.meta.dirname, '../../public');

export interface DockerResult {
  status: number;
  out: string;
  err: string;
  ms: number;
}

export interface EngineInGuest {
  emulator: EmulatorApi;
  /** the engine of the current boot (set once the machine has started) */
  host(): EngineHost | undefined;
  /** where the static registry was found, derived from guestBaseUrl as the worker derives it */
  registryUrl(): string;
  /** the learner's console: what the guest prints arrives here, and what is posted here is typed */
  console: NodeMessagePort;
  /** the base URL public/ is served from */
  filesUrl: string;
  /** `docker ARGS` run by the guest's shell, through the shim, to the engine */
  docker(args: string, timeoutMs?: number): Promise<DockerResult>;
  stop(): Promise<void>;
}

export async function startEngineInGuest(options: { onLog?: (line: string) => void } = {}): Promise<EngineInGuest> {
  const files = await serveStaticFiles(PUBLIC_DIR);
  const channel = new MessageChannel();
  let host: EngineHost | undefined;
  let registryUrl = '';
  // Kept across engine re-opens (a checkpoint restore opens a new engine on the same stores, as a reload would).
  const store = new MemoryBlobBackend();
  const registryStore = new MemoryBlobBackend();
  const emulator = createEmulatorService({
    loaderFor: () => nodeAssetLoader(DEFAULT_GUEST_DIR),
    wasmPath: V86_WASM_PATH,
    ...(options.onLog ? { onLog: options.onLog } : {}),
    engine: async ({ guestBaseUrl, guestFs, guest, system }) => {
      registryUrl = new URL('../registry/', guestBaseUrl).href;
      host = await openEngineHost({
        fetch,
        store,
        registryStore,
        guestFs,
        guest,
        system,
        registries: staticRegistries(registryUrl),
        networkDriver: new GuestNetworkDriver(guest),
      });
      return host;
    },
  });
  const stop = async (): Promise<void> => {
    await emulator.stop();
    channel.port1.close();
    channel.port2.close();
    await files.close();
  };
  try {
    const terminal = channel.port1 as unknown as MessagePort;
    await emulator.start({ guestBaseUrl: `${files.url}/guest/`, terminal, cols: 120, rows: 40 }, () => undefined, () => undefined);
  } catch (error) {
    await stop();
    throw error;
  }
  const decoder = new TextDecoder();
  return {
    emulator,
    host: () => host,
    registryUrl: () => registryUrl,
    console: channel.port2,
    filesUrl: files.url,
    async docker(args, timeoutMs = 120_000) {
      const t0 = performance.now();
      const r = await emulator.exec(['sh', '-c', `docker ${args}`], { timeoutMs });
      return { status: r.exitCode, out: decoder.decode(r.stdout), err: decoder.decode(r.stderr), ms: Math.round(performance.now() - t0) };
    },
    stop,
  };
}
