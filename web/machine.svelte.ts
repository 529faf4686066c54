// Reactive state of the page's one Linux machine: boot progress, health, restart, and access for other features.
import type { BootProgress, EngineResponse, ExecOptions, ExecResult, MachineHealth, PortHttpRequest, ShellEnd, StartResult } from '../emulator/protocol.ts';
import type { WorkerHint } from '../emulator/vm/worker-name.ts';
import { EmulatorClient, type EmulatorLink } from './emulator-client.ts';
import { guestStubsScript } from './guest-stubs.ts';
import { ShareFiles } from './share-files.ts';

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** What the machine needs from the terminal that shows its console (TerminalSession in the app). */
export interface ConsoleView {
  /** Shows bytes from this port and sends typed bytes to it; replaces any earlier port. */
  attach(port: MessagePort): void;
  /** A new screen for a machine that starts over; what was shown stays in the scrollback, under this note. */
  startOver(note: string): void;
  readonly size: TerminalSize;
}

export type MachineStatus = 'idle' | 'loading' | 'booting' | 'ready' | 'restarting' | 'failed';

/** Generous: a restart without a usable snapshot is a cold boot, which is slow on a busy machine. */
const RESTART_TIMEOUT_MS = 60_000;

export interface MachineOptions {
  /** Directory with the guest files (public/guest/), relative to the page. */
  guestBaseUrl?: string;
  /** Skip the snapshot (URL `?boot=cold`). */
  coldBoot?: boolean;
  /** Makes a new emulator worker, told what it will start; unit tests pass a fake. */
  createLink?: (hint: WorkerHint) => EmulatorLink;
  /** How long a restart may take in the worker before the worker itself is replaced. */
  restartTimeoutMs?: number;
}

export class MachineState {
  status = $state<MachineStatus>('idle');
  progress = $state.raw<BootProgress | null>(null);
  health = $state<MachineHealth>('stopped');
  result = $state.raw<StartResult | null>(null);
  error = $state<string | null>(null);

  readonly busy = $derived(this.status === 'loading' || this.status === 'booting' || this.status === 'restarting');
  readonly hung = $derived(this.health === 'hung' && !this.busy);
  readonly coldBootReason = $derived(
    this.result && !this.result.fromSnapshot ? (this.result.snapshotProblem ?? 'snapshot not used') : null,
  );

  /** Files in the 9p share; calls fail with a clear error while no machine is running. */
  readonly share = new ShareFiles(() => this.#requireClient('use the shared folder'));

  readonly #options: Required<MachineOptions>;
  #client: EmulatorLink | null = null;
  #view: ConsoleView | null = null;
  /** The page's end of the console channel; messages queue in it until a view attaches. */
  #port: MessagePort | null = null;
  /** Bumped for every boot or restart, so late callbacks from an abandoned attempt are ignored. */
  #generation = 0;
  #pendingResize: TerminalSize | null = null;
  #resizing = false;
  /** callers of whenReady(), told at the next start or failure */
  #readyWaiters = new Set<(ready: boolean) => void>();
  /** the terminal tabs' shells in the current worker, by id: a worker replaced (boot) takes them with it unannounced */
  readonly #shellEnds = new Map<number, (end: ShellEnd) => void>();

  constructor(options: MachineOptions = {}) {
    this.#options = {
      guestBaseUrl: options.guestBaseUrl ?? 'guest/',
      coldBoot: options.coldBoot ?? false,
      createLink: options.createLink ?? ((hint) => new EmulatorClient(hint)),
      restartTimeoutMs: options.restartTimeoutMs ?? RESTART_TIMEOUT_MS,
    };
  }

  /**
   * Shows the console in a terminal. The machine may already be booting: it starts before the UI has
   * loaded, because fetching and restoring the machine is most of the wait for a prompt.
   */
  connectTerminal(view: ConsoleView): () => void {
    this.#view = view;
    if (this.#port) view.attach(this.#port);
    this.resize(view.size);
    return () => {
      if (this.#view === view) this.#view = null;
    };
  }

  /** Starts a fresh machine in a new worker (which loads v86, the guest and the snapshot on its own). */
  async boot(): Promise<void> {
    this.#client?.dispose();
    this.#client = null;
    const generation = ++this.#generation;
    mark('boot');
    this.status = 'loading';
    this.#endShells('the machine was replaced by a new one');
    this.health = 'starting';
    this.error = null;
    this.result = null;
    this.progress = { phase: 'download', loadedBytes: 0, totalBytes: 0, message: 'Loading the emulator' };
    try {
      // Absolute, because the worker resolves relative URLs against its own script, not the page.
      const guestBaseUrl = new URL(this.#options.guestBaseUrl, globalThis.document?.baseURI ?? globalThis.location?.href).href;
      const client = this.#options.createLink({ guestBaseUrl, coldBoot: this.#options.coldBoot });
      this.#client = client;
      const channel = new MessageChannel();
      // a first boot has nothing on screen to keep
      if (this.#port) this.#view?.startOver('A new machine replaced the one that stopped; what it showed is above.');
      this.#port?.close();
      this.#port = channel.port1;
      this.#view?.attach(channel.port1);
      this.status = 'booting';
      // Until a terminal is fitted, a common size; the real one follows as soon as the machine is up.
      const size = this.#view?.size ?? this.#pendingResize ?? { cols: 80, rows: 24 };
      const result = await client.start(
        {
          guestBaseUrl,
          terminal: channel.port2,
          cols: size.cols,
          rows: size.rows,
          coldBoot: this.#options.coldBoot,
        },
        {
          onProgress: (p) => {
            if (generation !== this.#generation) return;
            if (p.phase !== this.progress?.phase) mark(`phase-${p.phase}`);
            this.progress = p;
          },
          // Health belongs to the worker, not to one start: the same callback reports it after every restart and
          // checkpoint restore in this worker (which bump the generation), so it is matched by worker. Matching it by
          // generation dropped the worker's "ready" after a restart and left the status bar at "starting".
          onHealth: (h) => {
            if (this.#client === client) this.health = h;
          },
        },
      );
      if (generation !== this.#generation) return;
      this.#started(result);
    } catch (error) {
      if (generation === this.#generation) this.#failed(error);
    }
  }

  /** Restores the snapshot in the running worker; if the worker does not answer, replaces it. */
  async restart(): Promise<void> {
    const client = this.#client;
    if (!client || this.status === 'failed' || this.status === 'loading') return this.boot();
    const generation = ++this.#generation;
    this.status = 'restarting';
    this.health = 'starting';
    this.error = null;
    this.result = null;
    this.progress = { phase: 'restore', loadedBytes: 0, totalBytes: 0, message: 'Restarting the machine' };
    this.#view?.startOver('The machine restarted; what it showed before is above.');
    try {
      const result = await withTimeout(client.restart(), this.#options.restartTimeoutMs, 'The machine did not restart in time');
      if (generation !== this.#generation) return;
      this.#started(result);
    } catch (error) {
      if (generation !== this.#generation) return;
      console.warn('Restart in the worker failed, starting a new worker:', error);
      return this.boot();
    }
  }

  /** Keeps the guest console's size equal to the terminal's; coalesces bursts of window resizes. */
  resize(size: TerminalSize): void {
    this.#pendingResize = size;
    if (this.status === 'ready') void this.#flushResize();
  }

  exec(argv: string[], options?: ExecOptions): Promise<ExecResult> {
    return this.#requireClient('run a command').exec(argv, options);
  }

  /**
   * Another login shell on the machine, shown through `port` (transferred to the worker), sized like its terminal.
   * Resolves with its id; `onEnd` is told once if it ends by itself or with the machine, never after closeShell.
   */
  async openShell(port: MessagePort, size: TerminalSize, onEnd: (end: ShellEnd) => void): Promise<number> {
    const client = this.#requireClient('open a terminal');
    let id: number | null = null;
    let early: ShellEnd | null = null; // an end that came before the id
    const ended = (end: ShellEnd) => {
      if (id === null) early = end;
      else if (this.#shellEnds.get(id) === onEnd) {
        this.#shellEnds.delete(id);
        onEnd(end);
      }
    };
    id = await client.openShell(port, size.cols, size.rows, ended);
    if (early) onEnd(early);
    else if (this.#client !== client) onEnd({ cause: 'machine', message: 'the machine was replaced by a new one' });
    else this.#shellEnds.set(id, onEnd);
    return id;
  }

  resizeShell(id: number, size: TerminalSize): Promise<void> {
    return this.#requireClient('resize a terminal').resizeShell(id, size.cols, size.rows);
  }

  /** Hangs the shell up (SIGHUP to its session); nothing to do when the machine is not running (it is gone with it). */
  async closeShell(id: number): Promise<void> {
    if (!this.#shellEnds.delete(id)) return;
    await this.#client?.closeShell(id);
  }

  /** A Docker Engine API request answered by the engine in the worker (lesson checks). */
  engineRequest(method: string, path: string, body?: string): Promise<EngineResponse> {
    return this.#requireClient('ask the container engine').engineRequest(method, path, body);
  }

  /** Resolves true once the machine is ready (at once if it is), false if it fails or `timeoutMs` passes first. */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.status === 'ready') return Promise.resolve(true);
    if (this.status === 'failed' || this.status === 'idle') return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        this.#readyWaiters.delete(done);
        resolve(ready);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#readyWaiters.add(done);
    });
  }

  /** An HTTP request for a port of the machine (from the port service worker), answered on `response`. */
  forwardHttp(request: PortHttpRequest, response: MessagePort): Promise<void> {
    return this.#requireClient('reach a port of the machine').forwardHttp(request, response);
  }

  /** Saves the machine and the engine together; the id is good for this worker only (a restart keeps it). */
  saveCheckpoint(): Promise<string> {
    return this.#requireClient('save a checkpoint').saveCheckpoint();
  }

  /** Returns to a checkpoint, like a restart (status, health and result are updated; features re-attach). */
  async restoreCheckpoint(id: string): Promise<void> {
    const client = this.#requireClient('restore a checkpoint');
    const generation = ++this.#generation;
    this.status = 'restarting';
    this.health = 'starting';
    this.error = null;
    this.#view?.startOver('The machine went back to a checkpoint; what it showed before is above.');
    try {
      const result = await client.restoreCheckpoint(id);
      if (generation !== this.#generation) return;
      this.#started(result);
    } catch (error) {
      if (generation !== this.#generation) throw error;
      // An unknown checkpoint (say, from a worker since replaced) is refused before anything changed.
      if ((error as { code?: unknown }).code === 'NOT_FOUND' && this.result) this.#started(this.result);
      else this.#failed(error);
      throw error;
    }
  }

  dispose(): void {
    this.#generation++;
    this.#client?.dispose();
    this.#client = null;
    this.#endShells('the machine stopped');
    this.#port?.close();
    this.#port = null;
    this.status = 'idle';
    this.health = 'stopped';
  }

  #started(result: StartResult): void {
    mark('ready');
    this.result = result;
    this.status = 'ready';
    this.progress = { phase: 'ready', loadedBytes: result.bytesDownloaded, totalBytes: result.bytesDownloaded, message: 'Ready' };
    // The snapshot carries the size the guest had when it was saved; tell it the real one.
    if (this.#view) this.#pendingResize = this.#view.size;
    void this.#flushResize();
    // apt-get, nano, vim... say what to use here instead (through the control channel: not in the learner's history).
    Promise.resolve()
      .then(() => this.exec(['/bin/sh', '-c', guestStubsScript()]))
      .catch((error: unknown) => console.warn('Could not install the guest stubs:', error));
    for (const waiter of [...this.#readyWaiters]) waiter(true);
  }

  #failed(error: unknown): void {
    this.status = 'failed';
    this.health = 'stopped';
    this.error = describeError(error);
    this.progress = this.progress ? { ...this.progress, phase: 'failed', message: this.error } : null;
    for (const waiter of [...this.#readyWaiters]) waiter(false);
    console.error('The machine failed to start:', error);
  }

  #endShells(message: string): void {
    const ends = [...this.#shellEnds.values()];
    this.#shellEnds.clear();
    for (const onEnd of ends) onEnd({ cause: 'machine', message });
  }

  async #flushResize(): Promise<void> {
    if (this.#resizing) return;
    this.#resizing = true;
    try {
      while (this.#pendingResize && this.#client && this.status === 'ready') {
        const { cols, rows } = this.#pendingResize;
        this.#pendingResize = null;
        await this.#client.resize(cols, rows);
      }
    } catch (error) {
      console.warn('Resizing the guest console failed:', error);
    } finally {
      this.#resizing = false;
    }
  }

  #requireClient(what: string): EmulatorLink {
    if (!this.#client || this.status !== 'ready') {
      throw new Error(`Cannot ${what}: the machine is ${this.status === 'failed' ? 'not running' : 'still starting'}`);
    }
    return this.#client;
  }
}

/** User Timing marks (`drydock:boot`, `drydock:phase-restore`, `drydock:ready`...) for the Performance panel and the benchmark. */
function mark(name: string): void {
  performance.mark(`drydock:${name}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
