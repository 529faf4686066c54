// EmulatorApi (emulator/protocol.ts) implemented over a Machine; the worker exposes it, Node tests call it directly.
import { transfer } from 'comlink';
import { EngineError } from '../engine/errors.ts';
import type { BootProgress, EmulatorApi, ExecOptions, ExecResult, MachineHealth, StartOptions, StartResult } from '../protocol.ts';
import type { AssetLoader } from './guest-assets.ts';
import { Machine } from './machine.ts';

export interface EmulatorServiceOptions {
  /** how guest files are fetched, given StartOptions.guestBaseUrl */
  loaderFor(guestBaseUrl: string): AssetLoader;
  /** v86.wasm (a URL in the worker, a path in Node) */
  wasmPath: string;
  onLog?: (line: string) => void;
}

export function createEmulatorService(service: EmulatorServiceOptions): EmulatorApi {
  let machine: Machine | null = null;
  let starting = false;
  let port: MessagePort | null = null;

  const running = (): Machine => {
    if (!machine) throw new EngineError('CONFLICT', starting ? 'the machine is still starting' : 'the machine is not running; call start() first');
    return machine;
  };

  return {
    async start(options: StartOptions, onProgress: (p: BootProgress) => void, onHealth: (h: MachineHealth) => void): Promise<StartResult> {
      if (machine || starting) throw new EngineError('CONFLICT', 'the machine is already started; use restart()');
      starting = true;
      port = options.terminal;
      const terminal = options.terminal;
      try {
        const m = await Machine.start({
          loader: service.loaderFor(options.guestBaseUrl),
          wasmPath: service.wasmPath,
          coldBoot: options.coldBoot ?? false,
          consoleSize: { cols: options.cols, rows: options.rows },
          // Chunks are fresh copies, so their buffers can be transferred rather than cloned.
          onConsoleOutput: (bytes) => terminal.postMessage(bytes, [bytes.buffer]),
          onProgress: (p) => void Promise.resolve(onProgress(p)).catch(() => undefined),
          onHealth: (h) => void Promise.resolve(onHealth(h)).catch(() => undefined),
          ...(service.onLog ? { onLog: service.onLog } : {}),
        });
        terminal.onmessage = (event: MessageEvent<Uint8Array | string>) => {
          const data = event.data;
          if (typeof data === 'string' || data instanceof Uint8Array) m.sendConsoleInput(data);
        };
        terminal.start?.();
        machine = m;
        return m.lastStart!;
      } finally {
        starting = false;
      }
    },

    async resize(cols, rows) {
      await running().resize(cols, rows);
    },

    async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
      const execOptions: Parameters<Machine['agent']['exec']>[1] = {};
      if (options.cwd !== undefined) execOptions.cwd = options.cwd;
      if (options.env !== undefined) execOptions.env = options.env;
      if (options.stdin !== undefined) execOptions.stdin = options.stdin;
      if (options.timeoutMs !== undefined) execOptions.timeoutMs = options.timeoutMs;
      const result = await running().agent.exec(argv, execOptions);
      const out: ExecResult = { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
      if (result.signal !== undefined) out.signal = result.signal;
      return transfer(out, [result.stdout.buffer, result.stderr.buffer] as ArrayBuffer[]);
    },

    async readGuestFile(path) {
      const data = await running().agent.readFile(path);
      return transfer(data, [data.buffer as ArrayBuffer]);
    },

    async writeGuestFile(path, data, mode) {
      await running().agent.writeFile(path, data, mode === undefined ? {} : { mode });
    },

    async writeShareFile(path, data) {
      await running().share.writeFile(path, data);
    },

    async readShareFile(path) {
      const data = await running().share.readFile(path);
      return transfer(data, [data.buffer as ArrayBuffer]);
    },

    async listShare(path) {
      return running()
        .share.list(path)
        .map((e) => ({ name: e.name, isDirectory: e.type === 'directory', size: e.size }));
    },

    async restart() {
      return running().restart();
    },

    async stop() {
      const m = machine;
      machine = null;
      if (port) port.onmessage = null;
      port = null;
      await m?.destroy();
    },
  };
}
