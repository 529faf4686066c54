// The one module in web/ that speaks Comlink: starts the emulator worker and wraps its typed API.
import * as Comlink from 'comlink';
// Registers the transfer handler that keeps EngineError's code and location on errors thrown in the worker.
import '../emulator/vm/error-transfer.ts';
import { workerName, type WorkerHint } from '../emulator/vm/worker-name.ts';
import type {
  BootProgress,
  EmulatorApi,
  EngineResponse,
  ExecOptions,
  ExecResult,
  MachineHealth,
  PortHttpRequest,
  ShellEnd,
  ShareTreeEntry,
  ShareTreeOptions,
  StartOptions,
  StartResult,
} from '../emulator/protocol.ts';

export type ShareEntry = Awaited<ReturnType<EmulatorApi['listShare']>>[number];

export interface StartCallbacks {
  onProgress(progress: BootProgress): void;
  onHealth(health: MachineHealth): void;
}

/** What the rest of web/ uses of an emulator worker (an interface, so state logic is unit-testable without a worker). */
export interface EmulatorLink {
  start(options: StartOptions, callbacks: StartCallbacks): Promise<StartResult>;
  restart(): Promise<StartResult>;
  resize(cols: number, rows: number): Promise<void>;
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Another login shell on the machine, its terminal bytes over `terminal` (transferred); see EmulatorApi.openShell. */
  openShell(terminal: MessagePort, cols: number, rows: number, onEnd: (end: ShellEnd) => void): Promise<number>;
  resizeShell(id: number, cols: number, rows: number): Promise<void>;
  closeShell(id: number): Promise<void>;
  writeShareFile(path: string, data: Uint8Array): Promise<void>;
  readShareFile(path: string): Promise<Uint8Array>;
  listShare(path: string): Promise<ShareEntry[]>;
  shareTree(path: string, options?: ShareTreeOptions): Promise<ShareTreeEntry[]>;
  removeSharePath(path: string): Promise<void>;
  makeShareDirectory(path: string): Promise<void>;
  /** Engine API requests and lesson checkpoints (see EmulatorApi). */
  engineRequest(method: string, path: string, body?: string): Promise<EngineResponse>;
  saveCheckpoint(): Promise<string>;
  restoreCheckpoint(id: string): Promise<StartResult>;
  /** Hands an HTTP request for a port of the machine to the worker, which answers on `response` (transferred). */
  forwardHttp(request: PortHttpRequest, response: MessagePort): Promise<void>;
  /** Ends the worker without asking it. */
  dispose(): void;
}

/** One emulator worker. Callers never see Comlink: callbacks and the terminal port are wrapped here. */
export class EmulatorClient implements EmulatorLink {
  readonly #worker: Worker;
  readonly #api: Comlink.Remote<EmulatorApi>;
  #disposed = false;

  /** `hint`: what start() will ask for, so the worker can begin downloading it at once */
  constructor(hint?: WorkerHint) {
    // Vite bundles the worker (and the v86 wasm it imports) from this literal URL.
    this.#worker = new Worker(new URL('../emulator/vm/worker.ts', import.meta.url), { type: 'module', name: hint ? workerName(hint) : 'drydock-vm' });
    this.#api = Comlink.wrap<EmulatorApi>(this.#worker);
  }

  start(options: StartOptions, callbacks: StartCallbacks): Promise<StartResult> {
    this.#assertLive('start');
    return this.#api.start(
      // The port is transferred, not cloned: terminal bytes then flow without Comlink in the way.
      Comlink.transfer(options, [options.terminal]),
      Comlink.proxy((p: BootProgress) => callbacks.onProgress(p)),
      Comlink.proxy((h: MachineHealth) => callbacks.onHealth(h)),
    );
  }

  restart(): Promise<StartResult> {
    this.#assertLive('restart');
    return this.#api.restart();
  }

  resize(cols: number, rows: number): Promise<void> {
    this.#assertLive('resize');
    return this.#api.resize(cols, rows);
  }

  exec(argv: string[], options?: ExecOptions): Promise<ExecResult> {
    this.#assertLive('exec');
    return this.#api.exec(argv, options);
  }

  openShell(terminal: MessagePort, cols: number, rows: number, onEnd: (end: ShellEnd) => void): Promise<number> {
    this.#assertLive('openShell');
    return this.#api.openShell(
      Comlink.transfer(terminal, [terminal]),
      cols,
      rows,
      Comlink.proxy((end: ShellEnd) => onEnd(end)),
    );
  }

  resizeShell(id: number, cols: number, rows: number): Promise<void> {
    this.#assertLive('resizeShell');
    return this.#api.resizeShell(id, cols, rows);
  }

  closeShell(id: number): Promise<void> {
    this.#assertLive('closeShell');
    return this.#api.closeShell(id);
  }

  writeShareFile(path: string, data: Uint8Array): Promise<void> {
    this.#assertLive('writeShareFile');
    // A private copy is transferred so the caller's buffer stays usable.
    const copy = data.slice();
    return this.#api.writeShareFile(path, Comlink.transfer(copy, [copy.buffer]));
  }

  readShareFile(path: string): Promise<Uint8Array> {
    this.#assertLive('readShareFile');
    return this.#api.readShareFile(path);
  }

  listShare(path: string): Promise<ShareEntry[]> {
    this.#assertLive('listShare');
    return this.#api.listShare(path);
  }

  shareTree(path: string, options?: ShareTreeOptions): Promise<ShareTreeEntry[]> {
    this.#assertLive('shareTree');
    return this.#api.shareTree(path, options);
  }

  removeSharePath(path: string): Promise<void> {
    this.#assertLive('removeSharePath');
    return this.#api.removeSharePath(path);
  }

  makeShareDirectory(path: string): Promise<void> {
    this.#assertLive('makeShareDirectory');
    return this.#api.makeShareDirectory(path);
  }

  engineRequest(method: string, path: string, body?: string): Promise<EngineResponse> {
    this.#assertLive('engineRequest');
    return this.#api.engineRequest(method, path, body);
  }

  saveCheckpoint(): Promise<string> {
    this.#assertLive('saveCheckpoint');
    return this.#api.saveCheckpoint();
  }

  restoreCheckpoint(id: string): Promise<StartResult> {
    this.#assertLive('restoreCheckpoint');
    return this.#api.restoreCheckpoint(id);
  }

  forwardHttp(request: PortHttpRequest, response: MessagePort): Promise<void> {
    this.#assertLive('forwardHttp');
    const transfers: Transferable[] = [response];
    if (request.body) transfers.push(request.body.buffer as ArrayBuffer);
    return this.#api.forwardHttp(Comlink.transfer(request, transfers), response);
  }

  /** Ends the worker without asking it: the way out when the machine (or the worker) no longer answers. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#api[Comlink.releaseProxy]();
    this.#worker.terminate();
  }

  #assertLive(what: string): void {
    if (this.#disposed) throw new Error(`Cannot ${what}: this emulator worker was already shut down`);
  }
}
