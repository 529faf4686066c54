/// <reference types="vite/client" />
// The emulator Web Worker: exposes EmulatorApi (emulator/protocol.ts) with Comlink; v86 and the container engine run in here, off the UI thread.
import { expose } from 'comlink';
import wasmUrl from 'v86/build/v86.wasm?url';
import { openEngineHost, staticRegistries } from '../engine/engine-host.ts';
import { GuestNetworkDriver } from '../engine/network/guest-network-driver.ts';
import type { BlobBackend } from '../engine/store/blob-backend.ts';
import { MemoryBlobBackend } from '../engine/store/store-backend-memory.ts';
import { OpfsBlobBackend } from '../engine/store/store-backend-opfs.ts';
import './error-transfer.ts';
import { createEmulatorService } from './emulator-service.ts';
import { compileWasm, fetchAssetLoader } from './fetch-asset-loader.ts';
import { hintFromWorkerName } from './worker-name.ts';

// The machine starts now, as the page's name for this worker says, not when start() arrives.
const hint = hintFromWorkerName(self.name);
/**
 * Warm-up containers after each boot (engine/runtime/warm-up.ts). Off by default: the A/B so far (load 14-27) could
 * not tell it from noise, and it runs containers beside the learner's first commands. `VITE_DRYDOCK_WARM_UP_RUNS=3
 * npm run build` makes a build with it, for bench/warm-up-ab-chromium.ts on a quiet machine.
 */
const WARM_UP_RUNS = Number((import.meta as ImportMeta & { env?: Record<string, string | undefined> }).env?.VITE_DRYDOCK_WARM_UP_RUNS ?? 0);

expose(
  createEmulatorService({
    loaderFor: (guestBaseUrl) => fetchAssetLoader(guestBaseUrl),
    wasmPath: wasmUrl,
    wasmModule: compileWasm(wasmUrl),
    ...(hint ? { startAt: hint } : {}),
    stateCache: OpfsBlobBackend.open('drydock-machine'),
    onLog: (line) => console.warn(`[emulator] ${line}`),
    engine: async ({ guestBaseUrl, guestFs, system, guest }) =>
      openEngineHost({
        fetch: globalThis.fetch.bind(globalThis),
        // Images survive reloads in OPFS; the localhost:5000 registry keeps its own store (another machine).
        store: await keptOrForgotten('drydock-store'),
        registryStore: await keptOrForgotten('drydock-registry'),
        guestFs,
        guest,
        system,
        // The static registry ships next to guest/ (public/registry -> <app base>/registry/).
        registries: staticRegistries(new URL('../registry/', guestBaseUrl).href),
        // bridges, veths, NAT, docker-proxy and the embedded DNS server in the guest running now
        networkDriver: new GuestNetworkDriver(guest),
        // the learner's first docker runs meet compiled code (measured: bench/learner-chromium.ts)
        warmUpRuns: WARM_UP_RUNS,
      }),
  }),
);

/**
 * A store in OPFS; in memory, for this machine's life, when the browser refuses storage to this page (a drydock lab
 * framed by a docs page of another site while third-party storage is blocked, as in a private window).
 */
async function keptOrForgotten(dirName: string): Promise<BlobBackend> {
  try {
    return await OpfsBlobBackend.open(dirName);
  } catch (error) {
    console.warn(`[emulator] storage refused (${error instanceof Error ? error.message : String(error)}): ${dirName} is kept in memory until the page closes`);
    return new MemoryBlobBackend();
  }
}
