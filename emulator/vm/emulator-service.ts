// EmulatorApi (emulator/protocol.ts) implemented over a Machine; the worker exposes it, Node tests call it directly.
// The parts live in small classes: the start that may begin before the page asks (machine-launch.ts), the engine and
// the docker shim (engine-link.ts), HTTP into the guest's ports (port-forward/guest-forwards.ts), the terminal tabs'
// shells (guest-shells.ts). Whatever is bound to the guest running now ends in one place, `leaveGuest`.
import { transfer } from 'comlink';
import { EngineError } from '../engine/errors.ts';
import type { EmulatorApi, ExecOptions, ExecResult, StartOptions, StartResult, BootProgress, MachineHealth } from '../protocol.ts';
import type { BlobBackend } from '../engine/store/blob-backend.ts';
import { EngineLink, type OpenEngine } from './engine-link.ts';
import type { AssetLoader } from './guest-assets.ts';
import { GuestShells, hangUpRestored } from './guest-shells.ts';
import { MachineLaunch } from './machine-launch.ts';
import type { Machine } from './machine.ts';
import { shareTree } from './share-tree.ts';
import { GuestForwards } from './port-forward/guest-forwards.ts';

export type { EngineContext } from './engine-link.ts';

export interface EmulatorServiceOptions {
  /** how guest files are fetched, given StartOptions.guestBaseUrl */
  loaderFor(guestBaseUrl: string): AssetLoader;
  /** v86.wasm (a URL in the worker, a path in Node) */
  wasmPath: string;
  /** v86.wasm compiled ahead, for every machine this service starts */
  wasmModule?: Promise<WebAssembly.Module>;
  /** Start this machine at once: start() with the same guest takes it over (the page's start message can arrive
   *  hundreds of ms after the worker is ready, while the page is busy loading the UI). */
  startAt?: { guestBaseUrl: string; coldBoot: boolean };
  /** where machines keep the decompressed snapshot between visits (Machine's stateCache) */
  stateCache?: Promise<BlobBackend | undefined>;
  onLog?: (line: string) => void;
  /** Opens the container engine, once, at the first start; `docker ...` typed in the guest then reaches its CLI. */
  engine?: OpenEngine;
}

/** A lesson checkpoint: VM state and engine documents saved together. */
interface Checkpoint {
  vm: ArrayBuffer;
  documents: Record<string, string | null> | null;
  shellStreams: number[];
}

export function createEmulatorService(service: EmulatorServiceOptions): EmulatorApi {
  let machine: Machine | null = null;
  let starting = false;
  let port: MessagePort | null = null;
  const engine = new EngineLink(service.engine, () => machine, service.onLog);
  /** lesson checkpoints, by id */
  const checkpoints = new Map<string, Checkpoint>();
  let checkpointCount = 0;
  const forwards = new GuestForwards();
  /** the terminal tabs' shells: they end with the guest they run on */
  const shells = new GuestShells();

  /** The guest running now goes away (`what` happened to the machine): everything bound to it ends here. */
  const leaveGuest = (what: string) => {
    forwards.abortAll(`the machine ${what} while this request was under way`);
    shells.endAll(`the machine ${what}`);
    engine.detach();
  };

  const running = (): Machine => {
    if (!machine) throw new EngineError('CONFLICT', starting ? 'the machine is still starting' : 'the machine is not running; call start() first');
    return machine;
  };

  const launch = (guestBaseUrl: string, coldBoot: boolean, consoleSize?: { cols: number; rows: number }) => {
    engine.open(guestBaseUrl);
    return new MachineLaunch(
      guestBaseUrl,
      coldBoot,
      {
        loader: service.loaderFor(guestBaseUrl),
        wasmPath: service.wasmPath,
        ...(service.wasmModule ? { wasmModule: service.wasmModule } : {}),
        coldBoot,
        ...(consoleSize ? { consoleSize } : {}),
        ...(service.onLog ? { onLog: service.onLog } : {}),
      },
      service.stateCache,
    );
  };
  let early = service.startAt ? launch(service.startAt.guestBaseUrl, service.startAt.coldBoot) : null;
  early?.started.catch(() => undefined); // start() reports it

  return {
    async start(options: StartOptions, onProgress: (p: BootProgress) => void, onHealth: (h: MachineHealth) => void): Promise<StartResult> {
      if (machine || starting) throw new EngineError('CONFLICT', 'the machine is already started; use restart()');
      starting = true;
      port = options.terminal;
      const terminal = options.terminal;
      try {
        const coldBoot = options.coldBoot ?? false;
        let run = early?.guestBaseUrl === options.guestBaseUrl && early.coldBoot === coldBoot ? early : null;
        if (early && !run) void early.started.then((m) => m.destroy(), () => undefined);
        early = null;
        const takenOver = run !== null;
        run ??= launch(options.guestBaseUrl, coldBoot, { cols: options.cols, rows: options.rows });
        run.attach(terminal, onProgress, onHealth);
        const m = await run.started;
        if (takenOver) await m.resize(options.cols, options.rows);
        terminal.onmessage = (event: MessageEvent<Uint8Array | string>) => {
          const data = event.data;
          if (typeof data === 'string' || data instanceof Uint8Array) m.sendConsoleInput(data);
        };
        terminal.start?.();
        machine = m;
        engine.detach(); // facts are asked of this guest
        await engine.attach(m);
        return m.lastStart!;
      } finally {
        starting = false;
      }
    },

    async resize(cols, rows) {
      await running().resize(cols, rows);
    },

    openShell(terminal, cols, rows, onEnd) {
      return shells.open(running().agent, terminal, { cols, rows }, (end) => void Promise.resolve(onEnd(end)).catch(() => undefined));
    },

    async resizeShell(id, cols, rows) {
      await shells.resize(id, cols, rows);
    },

    async closeShell(id) {
      shells.close(id);
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

    shareTree(path, options) {
      return shareTree(running().share, path, options);
    },

    async removeSharePath(path) {
      running().share.remove(path, { recursive: true });
    },

    async makeShareDirectory(path) {
      running().share.mkdir(path);
    },

    async engineRequest(method, path, body) {
      const host = await engine.host();
      if (!host) throw new EngineError('CONFLICT', 'no container engine is attached to this machine');
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = body;
        init.headers = { 'Content-Type': 'application/json' };
      }
      const response = await host.api(new Request(`http://engine.invalid${path.startsWith('/') ? '' : '/'}${path}`, init));
      return { status: response.status, body: await response.text() };
    },

    async saveCheckpoint() {
      const m = running();
      const host = await engine.host();
      // The documents first: they are the engine's word on the VM state saved right after (nothing runs between).
      const documents = host ? await host.readDocuments() : null;
      const vm = await m.saveState();
      const id = `checkpoint-${++checkpointCount}`;
      checkpoints.set(id, { vm, documents, shellStreams: shells.streams });
      return id;
    },

    async forwardHttp(request, response) {
      forwards.run(request, response, () => {
        const m = machine;
        return (port) => {
          if (!m) throw new EngineError('CONFLICT', starting ? 'the machine is still starting' : 'the machine is not running');
          return m.tcpConnect(port);
        };
      });
    },

    async restoreCheckpoint(id) {
      const m = running();
      const checkpoint = checkpoints.get(id);
      if (!checkpoint) throw new EngineError('NOT_FOUND', `no checkpoint ${id} in this worker`);
      leaveGuest('was reset to a checkpoint');
      const oldHost = await engine.host();
      // The old engine's in-memory stores describe the abandoned machine. Disposed before the machine goes: its
      // reactions to that (exits, releases) must not save over the checkpoint's documents.
      if (checkpoint.documents) oldHost?.dispose();
      const result = await m.restoreState(checkpoint.vm);
      hangUpRestored(m.agent, checkpoint.shellStreams);
      if (oldHost && checkpoint.documents) {
        // A new engine on the checkpoint's documents, in the guest restored with them: it takes over the containers
        // they say run (engine-host's RUNTIME_DOCUMENT), where a page reload's engine finds a new guest.
        await oldHost.writeDocuments(checkpoint.documents);
        engine.reopen();
      }
      await engine.attach(m);
      // The restored containers are taken over now rather than at the engine's first request: until then the client
      // holds what their processes send (output, an exit), and after it nothing else will be adopted.
      const host = await engine.host();
      await host?.processes.adopted();
      m.agent.endAdoption();
      return result;
    },

    async restart() {
      const m = running();
      leaveGuest('restarted');
      const result = await m.restart();
      await engine.attach(m);
      return result;
    },

    async stop() {
      const m = machine;
      machine = null;
      leaveGuest('stopped');
      engine.close();
      if (port) port.onmessage = null;
      port = null;
      await m?.destroy();
    },
  };
}
