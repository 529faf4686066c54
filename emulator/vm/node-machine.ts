// Starting a Machine in Node (tests, bench, snapshot builder): guest files from public/guest/, wasm from node_modules.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, type MachineOptions } from './machine.ts';
import { nodeAssetLoader } from './node-asset-loader.ts';

const require = createRequire(import.meta.url);

/** the repository's public/guest/ */
export const DEFAULT_GUEST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/guest');
export const V86_WASM_PATH = require.resolve('v86/build/v86.wasm');

export type NodeMachineOptions = Partial<Omit<MachineOptions, 'loader' | 'wasmPath'>> & { guestDir?: string };

/** compiled once per process: tests and benches start many machines */
let wasmModule: Promise<WebAssembly.Module> | undefined;

export function startNodeMachine(options: NodeMachineOptions = {}): Promise<Machine> {
  const { guestDir = DEFAULT_GUEST_DIR, ...rest } = options;
  wasmModule ??= readFile(V86_WASM_PATH).then((bytes) => WebAssembly.compile(bytes));
  return Machine.start({ loader: nodeAssetLoader(guestDir), wasmPath: V86_WASM_PATH, wasmModule, ...rest });
}
