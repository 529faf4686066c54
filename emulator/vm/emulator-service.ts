// EmulatorApi (emulator/protocol.ts) implemented over a Machine; the worker exposes it, Node tests call it directly.
import { transfer } from 'comlink';
import { DEFAULT_FACTS, type SystemFacts } from '../engine/api/system-info.ts';
import type { EngineHost } from '../engine/engine-host.ts';
import { probeGuestFacts } from '../engine/engine-host.ts';
import { EngineError } from '../engine/errors.ts';
import type { GuestFs } from '../engine/overlay/guest-fs.ts';
import { guestFsFromShare } from '../engine/overlay/guest-fs-share.ts';
import type { BootProgress, EmulatorApi, ExecOptions, ExecResult, MachineHealth, StartOptions, StartResult } from '../protocol.ts';
import type { BlobBackend } from '../engine/store/blob-backend.ts';
import type { AssetLoader } from './guest-assets.ts';
import { type CliHandler, ShimSessions } from './channel/shim-sessions.ts';
import { GuestShells, hangUpRestored } from './guest-shells.ts';
import { Machine, type MachineOptions } from './machine.ts';
import type { ShareFs } from './share-fs.ts';
import { shareTree } from './share-tree.ts';
import { forwardHttp, type ForwardHandle } from './port-forward/guest-http.ts';
import { PortSlots } from './port-forward/port-slots.ts';

/** What the engine gets from the machine side: where the app lives, and the guest running now. */
export interface EngineContext {
  /** StartOptions.guestBaseUrl of the first start (the app's static registry sits next to guest/) */
  guestBaseUrl: string;
  /** the current guest's 9p share; undefined while no guest runs */
  guestFs(): GuestFs | undefined;
  /** facts for `docker version` / `docker info`, asked of the current guest once per boot */
  system(): Promise<SystemFacts>;
  /** the current guest's agent (containers run through it); undefined while no guest runs */
  guest(): Machine['agent'] | undefined;
}

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
  engine?: (context: EngineContext) => Promise<EngineHost>;
}

export function createEmulatorService(service: EmulatorServiceOptions): EmulatorApi {
  let machine: Machine | null = null;
  let starting = false;
  let port: MessagePort | null = null;
  let engine: Promise<CliHandler> | null = null;
  /** the engine behind `engine`, for engineRequest and checkpoints; null when there is none */
  let engineHost: Promise<EngineHost | null> | null = null;
  let engineBaseUrl = '';
  /** lesson checkpoints: VM state and engine documents saved together, by id */
  const checkpoints = new Map<string, { vm: ArrayBuffer; documents: Record<string, string | null> | null; shellStreams: number[] }>();
  let checkpointCount = 0;
  let shims: ShimSessions | null = null;
  let facts: Promise<SystemFacts> | null = null;
  let shareFs: { share: ShareFs; fs: GuestFs } | null = null;
  /** HTTP exchanges with the guest's ports under way: they end when the guest they talk to goes away */
  const forwards = new Set<ForwardHandle>();
  const portSlots = new PortSlots();
  /** the terminal tabs' shells: they end with the guest they run on */
  const shells = new GuestShells();
  const abortForwards = (message: string) => {
    portSlots.clear();
    for (const f of forwards) f.abort(message);
    forwards.clear();
  };

  const currentGuestFs = (): GuestFs | undefined => {
    let share: ShareFs;
    try {
      if (!machine) return undefined;
      share = machine.share;
    } catch {
      return undefined; // between boots
    }
    if (shareFs?.share !== share) shareFs = { share, fs: guestFsFromShare(share) };
    return shareFs.fs;
  };

  const openEngine = (guestBaseUrl: string): Promise<CliHandler> | null => {
    const open = service.engine;
    if (!open) return null;
    if (engine) return engine;
    engineBaseUrl = guestBaseUrl;
    const opening = open({
      guestBaseUrl,
      guestFs: currentGuestFs,
      guest: () => {
        try {
          return machine?.agent;
        } catch {
          return undefined; // between boots
        }
      },
      system: () => (facts ??= machine ? probeGuestFacts(machine.agent).catch(() => DEFAULT_FACTS) : Promise.resolve(DEFAULT_FACTS)),
    });
    engineHost = opening.catch(() => null);
    return (engine = opening.then(
      (host) => host.cli,
      (error: unknown) => {
        // The machine still works without docker; each `docker ...` then says why.
        const message = `docker: the container engine could not start: ${(error as Error).message}\n`;
        service.onLog?.(message.trim());
        return (session) => {
          session.stderr(message);
          session.exit(1);
        };
      },
    ));
  };

  /** Every boot brings a new agent client: the docker shim's sessions must be attached to it again. */
  const attachShims = async (m: Machine): Promise<void> => {
    shims?.dispose();
    shims = null;
    if (!engine) return;
    const cli = await engine;
    if (machine !== m) return; // stopped meanwhile
    shims = new ShimSessions(m.agent, cli, { onError: (e) => service.onLog?.(`docker shim: ${e.message}`) });
  };

  const running = (): Machine => {
    if (!machine) throw new EngineError('CONFLICT', starting ? 'the machine is still starting' : 'the machine is not running; call start() first');
    return machine;
  };

  /** A machine starting before anyone listens: console bytes wait for the terminal, the last progress and health
   *  are replayed to the listener that attaches. */
  const begin = (guestBaseUrl: string, coldBoot: boolean, consoleSize?: { cols: number; rows: number }) => {
    let terminal: MessagePort | null = null;
    const waiting: Uint8Array[] = [];
    const progress: { last: BootProgress | null; to: ((p: BootProgress) => void) | null } = { last: null, to: null };
    const health: { last: MachineHealth | null; to: ((h: MachineHealth) => void) | null } = { last: null, to: null };
    openEngine(guestBaseUrl);
    const options: MachineOptions = {
      loader: service.loaderFor(guestBaseUrl),
      wasmPath: service.wasmPath,
      ...(service.wasmModule ? { wasmModule: service.wasmModule } : {}),
      coldBoot,
      ...(consoleSize ? { consoleSize } : {}),
      // Chunks are fresh copies, so their buffers can be transferred rather than cloned.
      onConsoleOutput: (bytes) => (terminal ? terminal.postMessage(bytes, [bytes.buffer]) : waiting.push(bytes)),
      onProgress: (p) => {
        progress.last = p;
        if (progress.to) void Promise.resolve(progress.to(p)).catch(() => undefined);
      },
      onHealth: (h) => {
        health.last = h;
        if (health.to) void Promise.resolve(health.to(h)).catch(() => undefined);
      },
      ...(service.onLog ? { onLog: service.onLog } : {}),
    };
    // Without a state cache (storage refused) the machine still starts, from the download.
    const started = (service.stateCache ?? Promise.resolve(undefined))
      .catch(() => undefined)
      .then((stateCache) => Machine.start(stateCache ? { ...options, stateCache } : options));
    const attach = (port: MessagePort, onProgress: (p: BootProgress) => void, onHealth: (h: MachineHealth) => void) => {
      terminal = port;
      for (const bytes of waiting.splice(0)) port.postMessage(bytes, [bytes.buffer]);
      progress.to = onProgress;
      health.to = onHealth;
      if (progress.last) void Promise.resolve(onProgress(progress.last)).catch(() => undefined);
      if (health.last) void Promise.resolve(onHealth(health.last)).catch(() => undefined);
    };
    return { guestBaseUrl, coldBoot, started, attach };
  };
  let early = service.startAt ? begin(service.startAt.guestBaseUrl, service.startAt.coldBoot) : null;
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
        run ??= begin(options.guestBaseUrl, coldBoot, { cols: options.cols, rows: options.rows });
        run.attach(terminal, onProgress, onHealth);
        const m = await run.started;
        if (takenOver) await m.resize(options.cols, options.rows);
        terminal.onmessage = (event: MessageEvent<Uint8Array | string>) => {
          const data = event.data;
          if (typeof data === 'string' || data instanceof Uint8Array) m.sendConsoleInput(data);
        };
        terminal.start?.();
        machine = m;
        facts = null;
        await attachShims(m);
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
      const host = engineHost ? await engineHost : null;
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
      const host = engineHost ? await engineHost : null;
      // The documents first: they are the engine's word on the VM state saved right after (nothing runs between).
      const documents = host ? await host.readDocuments() : null;
      const vm = await m.saveState();
      const id = `checkpoint-${++checkpointCount}`;
      checkpoints.set(id, { vm, documents, shellStreams: shells.streams });
      return id;
    },

    async forwardHttp(request, response) {
      portSlots.run(request.port, () => {
        const m = machine;
        const handle = forwardHttp(
          (port) => {
            if (!m) throw new EngineError('CONFLICT', starting ? 'the machine is still starting' : 'the machine is not running');
            return m.tcpConnect(port);
          },
          request,
          response,
        );
        forwards.add(handle);
        return handle.done.then(() => void forwards.delete(handle));
      });
    },

    async restoreCheckpoint(id) {
      const m = running();
      const checkpoint = checkpoints.get(id);
      if (!checkpoint) throw new EngineError('NOT_FOUND', `no checkpoint ${id} in this worker`);
      abortForwards('the machine was reset to a checkpoint while this request was under way');
      shells.endAll('the machine was reset to a checkpoint');
      shims?.dispose();
      shims = null;
      facts = null;
      const oldHost = engineHost ? await engineHost : null;
      // The old engine's in-memory stores describe the abandoned machine. Disposed before the machine goes: its
      // reactions to that (exits, releases) must not save over the checkpoint's documents.
      if (checkpoint.documents) oldHost?.dispose();
      const result = await m.restoreState(checkpoint.vm);
      hangUpRestored(m.agent, checkpoint.shellStreams);
      if (oldHost && checkpoint.documents) {
        // A new engine on the checkpoint's documents, in the guest restored with them: it takes over the containers
        // they say run (engine-host's RUNTIME_DOCUMENT), where a page reload's engine finds a new guest.
        await oldHost.writeDocuments(checkpoint.documents);
        engine = null;
        engineHost = null;
        openEngine(engineBaseUrl);
      }
      await attachShims(m);
      // The restored containers are taken over now rather than at the engine's first request: until then the client
      // holds what their processes send (output, an exit), and after it nothing else will be adopted.
      const host = engineHost ? await engineHost : null;
      await host?.processes.adopted();
      m.agent.endAdoption();
      return result;
    },

    async restart() {
      const m = running();
      abortForwards('the machine restarted while this request was under way');
      shells.endAll('the machine restarted');
      shims?.dispose();
      shims = null;
      facts = null;
      const result = await m.restart();
      await attachShims(m);
      return result;
    },

    async stop() {
      const m = machine;
      machine = null;
      abortForwards('the machine stopped while this request was under way');
      shells.endAll('the machine stopped');
      void engineHost?.then((host) => host?.dispose());
      engine = null;
      engineHost = null;
      shims?.dispose();
      shims = null;
      if (port) port.onmessage = null;
      port = null;
      await m?.destroy();
    },
  };
}
