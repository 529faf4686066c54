/// <reference types="vite/client" />
// The emulator Web Worker: exposes EmulatorApi (emulator/protocol.ts) with Comlink; v86 runs in here, off the UI thread.
import { expose } from 'comlink';
import wasmUrl from 'v86/build/v86.wasm?url';
import './error-transfer.ts';
import { createEmulatorService } from './emulator-service.ts';
import { fetchAssetLoader } from './fetch-asset-loader.ts';

expose(
  createEmulatorService({
    loaderFor: (guestBaseUrl) => fetchAssetLoader(guestBaseUrl),
    wasmPath: wasmUrl,
    onLog: (line) => console.warn(`[emulator] ${line}`),
  }),
);
