// The guest machine: v86 booted cold or restored from the snapshot, its learner console, control agent, 9p share and health.
//
// The machine's lifecycle lives here (start, in-place restore, restart, teardown); its health and pings are
// `machine-health.ts`, the emulator itself `v86-emulator.ts` (the only module that touches v86), the guest's files
// `snapshot-loader.ts`, the console text `console-transcript.ts`. It runs unchanged in Node (tests, bench, snapshot builder) and in a Web Worker (the
// app); the differences come in through MachineOptions (asset loader, wasm location).
import type { BlobBackend } from '../engine/store/blob-backend.ts';
import { EngineError } from '../engine/errors.ts';
import type { BootProgress, MachineHealth, StartResult } from '../protocol.ts';
import type { AgentClient } from './channel/agent-client.ts';
import { ConsoleTranscript } from './console-transcript.ts';
import { MachineHealthWatch } from './machine-health.ts';
import type { AssetLoader, GuestManifest, SnapshotCompatibility } from './guest-assets.ts';
import type { GuestTcpConnection } from './guest-network.ts';
import type { ShareFs } from './share-fs.ts';
import { SnapshotLoader, type SnapshotState } from './snapshot-loader.ts';
import { CONSOLE_PORT, createEmulator, decompressState, disposeEmulator, hardwareOptions, isZstd, networkAdapter, type Booted, type HardwareInput } from './v86-emulator.ts';

export { MACHINE_CONFIG_VERSION, V86_VERSION } from './v86-emulator.ts';

/** the learner's console in the guest, for TIOCSWINSZ */
export const CONSOLE_TTY = '/dev/ttyS0';
/** The learner's shell waiting for input: PS1 ends in "# " (root); busybox ash may follow it with a cursor query. */
export const SHELL_PROMPT = /[#$] (?:\x1b\[6n)?$/;

export interface MachineOptions {
  loader: AssetLoader;
  /** v86.wasm: a file path in Node, a URL in a browser (v86's `wasm_path`) */
  wasmPath: string;
  /** v86.wasm compiled ahead (while the guest downloads), shared by every emulator started from it; else v86
   *  fetches and compiles `wasmPath` for each one */
  wasmModule?: Promise<WebAssembly.Module>;
  /** ignore the snapshot and boot the kernel */
  coldBoot?: boolean;
  /** bytes the guest wrote to the learner's console, in chunks */
  onConsoleOutput?: (bytes: Uint8Array) => void;
  onProgress?: (progress: BootProgress) => void;
  onHealth?: (health: MachineHealth) => void;
  /** diagnostics: protocol errors, snapshot problems */
  onLog?: (line: string) => void;
  /** the learner's terminal size, applied after every start */
  consoleSize?: { cols: number; rows: number };
  /** ping period and how long without an answer means `hung`; false disables it (snapshot builder) */
  health?: { intervalMs: number; hungAfterMs: number } | false;
  /** Keeps the snapshot decompressed: a later start skips the download and v86's zstd, which runs as not yet
   *  optimised wasm in a fresh page (0.3–0.7 s in Chromium against ~0.03 s to read the kept copy). */
  stateCache?: BlobBackend;
  /** check BIOS/kernel/initramfs against manifest.json's sha256 (default true) */
  verifyAssets?: boolean;
  signal?: AbortSignal;
}

function abortIfNeeded(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('ABORTED', 'machine start aborted');
}

export class Machine {
  private booted: Booted | null = null;
  private readonly files: SnapshotLoader;
  private readonly healthWatch: MachineHealthWatch;
  private readonly transcript = new ConsoleTranscript();
  private consoleSize: { cols: number; rows: number } | undefined;
  private starting: Promise<StartResult> | null = null;
  /** a saved state to restore instead of the snapshot, for restoreState() */
  private pendingState: Uint8Array | null = null;
  /** the last start's outcome */
  lastStart: StartResult | null = null;

  private constructor(private readonly options: MachineOptions) {
    this.consoleSize = options.consoleSize;
    this.healthWatch = new MachineHealthWatch({ ...(options.health !== undefined ? { pings: options.health } : {}), ...(options.onHealth ? { onHealth: options.onHealth } : {}) });
    this.files = new SnapshotLoader({
      loader: options.loader,
      stateCache: options.stateCache,
      verifyAssets: options.verifyAssets,
      signal: options.signal,
      onProgress: (p) => this.emitProgress(p),
      log: (line) => this.log(line),
    });
  }

  /** Boot (restore the snapshot, or cold boot) and return once the agent has answered. */
  static async start(options: MachineOptions): Promise<Machine> {
    const machine = new Machine(options);
    await machine.boot(options.coldBoot ?? false);
    return machine;
  }

  /** The control channel of the current guest (a new one after restart()). */
  get agent(): AgentClient {
    return this.current().agent;
  }

  /** The 9p share of the current guest, /mnt/host inside it. */
  get share(): ShareFs {
    return this.current().share;
  }

  /**
   * A TCP connection from the worker into the guest: v86's fetch adapter plays the router (192.168.86.1) and
   * opens `port` on the guest's eth0 (192.168.86.100), as a browser on the LAN would.
   */
  tcpConnect(port: number): GuestTcpConnection {
    return this.current().tcp.connect(port);
  }

  /** Whether something accepts connections on the guest's eth0 `port` (a SYN answered by SYN-ACK, then reset). */
  tcpProbe(port: number): Promise<boolean> {
    return networkAdapter(this.current().emulator).tcp_probe(port);
  }

  get health(): MachineHealth {
    return this.healthWatch.state;
  }

  get guestManifest(): GuestManifest {
    return this.files.manifest;
  }

  /** What a snapshot of this machine must record to be restorable later. */
  get snapshotCompatibility(): SnapshotCompatibility {
    return this.files.compatibility;
  }

  /** Keystrokes for the learner's console. */
  sendConsoleInput(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.current().emulator.serial_send_bytes(CONSOLE_PORT, bytes);
  }

  /** Resize the learner's console (TIOCSWINSZ through the agent; the shell gets SIGWINCH). */
  async resize(cols: number, rows: number): Promise<void> {
    this.consoleSize = { cols, rows };
    await this.current().agent.resize(rows, cols, CONSOLE_TTY);
  }

  /** Position in the console output, for waitForConsole(pattern, { since }). */
  consoleMark(): number {
    return this.transcript.mark();
  }

  /** Console output since a mark (or the retained tail), as Latin-1 text. */
  consoleText(since = 0): string {
    return this.transcript.text(since);
  }

  /** Resolve with the console text since `since` once it matches `pattern`. */
  waitForConsole(pattern: RegExp, options: { since?: number; timeoutMs?: number } = {}): Promise<string> {
    return this.transcript.waitFor(pattern, options);
  }

  /** v86's full state (uncompressed), for the snapshot builder. Callers make sure the channel is idle. */
  async saveState(): Promise<ArrayBuffer> {
    return this.current().emulator.save_state();
  }

  /** Throw the guest away and continue from a state saveState() returned (a lesson checkpoint); same steps as a
   *  snapshot restore (fresh emulator, clock set, console size), falling back to the snapshot if it does not restore. */
  async restoreState(state: ArrayBuffer): Promise<StartResult> {
    const booted = this.booted;
    if (booted && !this.starting) {
      // In place: the running emulator loads the state (no new emulator, no wasm instantiation), ~5x quicker.
      const t0 = performance.now();
      this.healthWatch.starting();
      // Requests in flight belong to the abandoned guest; the restored agent answers a fresh client. No HELLO: the
      // restored agent keeps the streams it had at the checkpoint (the containers' processes, their pipes), which the
      // engine adopts; the new client numbers its streams past every id the old one used, so none collides.
      const firstStream = booted.agent.nextStreamId;
      booted.agent.close('the machine was restored to a checkpoint');
      booted.agent = booted.newAgent(firstStream);
      try {
        await booted.emulator.restore_state(state);
        await booted.agent.ping({ timeoutMs: 10_000 });
        await booted.agent.setTime(new Date());
        if (this.consoleSize) await booted.agent.resize(this.consoleSize.rows, this.consoleSize.cols, CONSOLE_TTY);
        const result: StartResult = { fromSnapshot: true, readyMs: Math.round(performance.now() - t0), bytesDownloaded: this.files.bytesDownloaded };
        this.lastStart = result;
        this.healthWatch.ready(() => this.booted);
        return result;
      } catch (error) {
        this.log(`in-place restore failed (${(error as Error).message}); restoring in a new emulator`);
      }
    }
    await this.teardown();
    this.pendingState = new Uint8Array(state);
    try {
      return await this.boot(false);
    } finally {
      this.pendingState = null;
    }
  }

  /** Throw the guest away and start again from the snapshot (or cold, when there is no usable snapshot). */
  async restart(): Promise<StartResult> {
    await this.teardown();
    this.emitProgress({ phase: 'restore', loadedBytes: 0, totalBytes: 0, message: 'Restarting the machine' });
    return this.boot(this.options.coldBoot ?? false);
  }

  /** Stop the guest and free the emulator; the Node process can exit afterwards. */
  async destroy(): Promise<void> {
    await this.teardown();
    this.files.clear();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private current(): Booted {
    if (!this.booted) throw new EngineError('CONFLICT', `the machine is ${this.healthWatch.state === 'starting' ? 'still starting' : 'not running'}`);
    return this.booted;
  }

  private boot(cold: boolean): Promise<StartResult> {
    if (this.starting) return this.starting;
    this.starting = this.bootOnce(cold).finally(() => (this.starting = null));
    return this.starting;
  }

  private async bootOnce(cold: boolean): Promise<StartResult> {
    const { signal } = this.options;
    const t0 = performance.now();
    this.healthWatch.starting();
    try {
      await this.files.loadManifest();
      void this.files.biosImages().catch(() => undefined); // fetched while the snapshot downloads; errors surface where used
      let snapshotProblem: string | undefined;
      if (!cold) {
        const load = (useCache: boolean) =>
          this.files.loadSnapshot(useCache).catch((error: unknown) => ({ problem: `snapshot unreadable: ${(error as Error).message}` }));
        let state: SnapshotState | { problem: string } = this.pendingState ? { bytes: this.pendingState } : await load(true);
        abortIfNeeded(signal);
        for (let attempt = 0; !this.booted && !snapshotProblem; attempt++) {
          if ('problem' in state) {
            snapshotProblem = state.problem;
            break;
          }
          try {
            this.booted = await this.restoreFrom(state);
          } catch (error) {
            const cached = state.fromCache;
            if (cached === undefined || attempt > 0) {
              snapshotProblem = `snapshot did not restore: ${(error as Error).message}`;
              break;
            }
            // The kept copy is bad (a browser cleared part of its storage?): forget it, download again.
            this.log(`the kept snapshot did not restore (${(error as Error).message}); downloading it again`);
            await this.files.forgetKept(cached);
            state = await load(false);
          }
        }
        if (snapshotProblem) this.log(`${snapshotProblem}; cold boot instead`);
      } else {
        snapshotProblem = 'cold boot requested';
      }
      if (!this.booted) this.booted = await this.coldBoot(snapshotProblem);

      const agent = this.booted.agent;
      // A restored clock is the snapshot's; a cold one is the RTC's (UTC from the host, but only to the second).
      await agent.setTime(new Date());
      if (this.consoleSize) await agent.resize(this.consoleSize.rows, this.consoleSize.cols, CONSOLE_TTY);

      const result: StartResult = {
        fromSnapshot: snapshotProblem === undefined,
        readyMs: Math.round(performance.now() - t0),
        bytesDownloaded: this.files.bytesDownloaded,
      };
      if (snapshotProblem !== undefined) result.snapshotProblem = snapshotProblem;
      this.lastStart = result;
      this.emitProgress({
        phase: 'ready',
        loadedBytes: this.files.bytesDownloaded,
        totalBytes: this.files.bytesDownloaded,
        message: result.fromSnapshot ? 'Machine ready' : `Machine ready (cold boot: ${snapshotProblem})`,
      });
      this.healthWatch.ready(() => this.booted);
      return result;
    } catch (error) {
      await this.teardown();
      this.emitProgress({ phase: 'failed', loadedBytes: this.files.bytesDownloaded, totalBytes: 0, message: (error as Error).message });
      throw error;
    }
  }

  /** The emulated hardware of this guest (BIOS images from the loader). */
  private async hardware(): Promise<HardwareInput> {
    const [bios, vgaBios] = await this.files.biosImages();
    const { wasmPath, wasmModule } = this.options;
    return { bios, vgaBios, memoryMiB: this.files.manifest.memoryMiB, wasmPath, wasmModule };
  }

  private async restoreFrom(state: SnapshotState): Promise<Booted> {
    this.emitProgress({ phase: 'restore', loadedBytes: this.files.bytesDownloaded, totalBytes: this.files.bytesDownloaded, message: 'Restoring the machine' });
    const hardware = await this.hardware();
    abortIfNeeded(this.options.signal);
    // No kernel or initramfs: the saved memory already holds the running system.
    const booted = await this.createEmulator(hardwareOptions(hardware));
    try {
      // v86 recognises zstd by its magic and decompresses in wasm; decompressed here instead when the result is to be
      // kept. Restore before run(), after emulator-loaded (v86's emulator-ready has fired by then), so no console
      // input can be lost (DESIGN.md pitfall).
      const { keepAs } = state;
      const bytes = keepAs && isZstd(state.bytes)
        ? decompressState(booted.emulator, keepAs.rawSize, state.bytes)
        : state.bytes;
      await booted.emulator.restore_state(bytes.slice().buffer);
      await booted.emulator.run();
      await booted.agent.hello({ timeoutMs: 10_000 });
      if (keepAs && bytes !== state.bytes) void this.files.keepState(keepAs.key, bytes);
      return booted;
    } catch (error) {
      await disposeEmulator(booted);
      throw error;
    }
  }

  private async coldBoot(reason: string | undefined): Promise<Booted> {
    const manifest = this.files.manifest;
    const hardware = await this.hardware();
    const kernel = await this.files.requireAsset(manifest.kernel, 'Downloading the Linux kernel');
    const initrd = await this.files.requireAsset(manifest.initrd, 'Downloading the initramfs');
    abortIfNeeded(this.options.signal);
    this.emitProgress({
      phase: 'boot',
      loadedBytes: this.files.bytesDownloaded,
      totalBytes: this.files.bytesDownloaded,
      message: reason && reason !== 'cold boot requested' ? `Booting Linux (${reason})` : 'Booting Linux',
    });
    const booted = await this.createEmulator({
      ...hardwareOptions(hardware),
      bzimage: { buffer: kernel.slice().buffer },
      initrd: { buffer: initrd.slice().buffer },
      cmdline: manifest.cmdline,
    });
    try {
      const hello = booted.agent.waitForHello({ timeoutMs: 120_000, ...(this.options.signal ? { signal: this.options.signal } : {}) });
      await booted.emulator.run();
      await hello;
      return booted;
    } catch (error) {
      await disposeEmulator(booted);
      throw error;
    }
  }

  private createEmulator(options: ReturnType<typeof hardwareOptions>): Promise<Booted> {
    return createEmulator(options, {
      onConsole: (chunk) => {
        this.options.onConsoleOutput?.(chunk);
        this.transcript.push(chunk);
      },
      log: (line) => this.log(line),
    });
  }

  private async teardown(): Promise<void> {
    const booted = this.booted;
    this.booted = null;
    if (booted) await disposeEmulator(booted);
    this.healthWatch.stopped();
  }

  private emitProgress(progress: BootProgress): void {
    this.options.onProgress?.(progress);
  }

  private log(line: string): void {
    this.options.onLog?.(line);
  }
}
