// The guest machine: v86 booted cold or restored from the snapshot, its learner console, control agent, 9p share and health.
//
// This is the only module that touches v86. It runs unchanged in Node (tests, bench, snapshot builder) and in a
// Web Worker (the app); the differences come in through MachineOptions (asset loader, wasm location).
import { V86, type V86Options } from 'v86';
import v86Package from 'v86/package.json' with { type: 'json' };
import { bytesStream, type BlobBackend } from '../engine/store/blob-backend.ts';
import { EngineError } from '../engine/errors.ts';
import type { BootProgress, MachineHealth, StartResult } from '../protocol.ts';
import { AgentClient } from './channel/agent-client.ts';
import {
  MANIFEST_FILE,
  SNAPSHOT_INFO_FILE,
  incompatibility,
  parseManifest,
  parseSnapshotInfo,
  sha256Hex,
  verifyAsset,
  type AssetLoader,
  type GuestManifest,
  type SnapshotCompatibility,
} from './guest-assets.ts';
import { GUEST_NETWORK, type GuestTcpConnection } from './guest-network.ts';
import { answerGuestDns } from './guest-dns-upstream.ts';
import { TcpFrameShim, type V86FetchAdapter } from './guest-tcp.ts';
import { ShareFs, type V86FileSystem } from './share-fs.ts';
import { keepOnlyPortZeroConsole, virtioPortTransport } from './virtio-port.ts';

/**
 * Bump when the emulated hardware changes (devices, memory layout, UARTs, 9p): a state saved with other hardware
 * cannot be restored, and the snapshot records this number.
 */
export const MACHINE_CONFIG_VERSION = 3;
export const V86_VERSION: string = v86Package.version;

const CONSOLE_PORT = 0;
/** the agent's line: port 1 of the virtio console (the guest's /dev/vportNp1, named "virtio-1") */
const AGENT_VIRTIO_PORT = 1;
/** the learner's console in the guest, for TIOCSWINSZ */
export const CONSOLE_TTY = '/dev/ttyS0';
/** The learner's shell waiting for input: PS1 ends in "# " (root); busybox ash may follow it with a cursor query. */
export const SHELL_PROMPT = /[#$] (?:\x1b\[6n)?$/;
/** keep this much of the console's output for waitForConsole() */
const TRANSCRIPT_LIMIT = 256 * 1024;

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

/** the parts of the V86 object used here that v86.d.ts does not declare */
interface V86Internals {
  fs9p?: V86FileSystem;
  /** the fetch network adapter behind the virtio NIC (net_device.relay_url 'fetch') */
  network_adapter?: V86FetchAdapter;
  /** v86's built-in zstd (the one restore_state uses) */
  zstd_decompress(decompressedSize: number, compressed: Uint8Array): ArrayBuffer;
}

/** A snapshot to restore: as downloaded (zstd), or decompressed from the state cache. */
interface SnapshotState {
  bytes: Uint8Array;
  /** where the decompressed bytes go in the state cache once they restored; unset when they came from it */
  keepAs?: { key: string; rawSize: number };
  fromCache?: string;
}

const STATE_CACHE_PREFIX = 'snapshot/';

interface Booted {
  emulator: V86;
  agent: AgentClient;
  share: ShareFs;
  /** TCP into the guest through v86's adapter, with MSS and flow control added */
  tcp: TcpFrameShim;
  disposers: (() => void)[];
  /** a new control-channel client on the same line (after an in-place state restore); `firstStream` as AgentClientOptions */
  newAgent(firstStream?: number): AgentClient;
}

function abortIfNeeded(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('ABORTED', 'machine start aborted');
}

function once<T>(emulator: V86, event: 'emulator-loaded' | 'emulator-started'): Promise<T> {
  return new Promise((resolve) => {
    const listener = (value: unknown) => {
      emulator.remove_listener(event, listener);
      resolve(value as T);
    };
    emulator.add_listener(event, listener);
  });
}

/**
 * Collects bytes that v86 reports one event at a time and hands them on in one chunk per turn of the event loop
 * (v86 runs the CPU in slices; a microtask runs after each slice).
 */
class ByteBatcher {
  private bytes: number[] = [];
  private scheduled = false;
  constructor(private readonly deliver: (chunk: Uint8Array) => void) {}
  push = (byte: number): void => {
    this.bytes.push(byte);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  };
  private flush = (): void => {
    this.scheduled = false;
    const chunk = Uint8Array.from(this.bytes);
    this.bytes = [];
    if (chunk.length > 0) this.deliver(chunk);
  };
}

export class Machine {
  private booted: Booted | null = null;
  private manifest: GuestManifest | null = null;
  private compatibility: SnapshotCompatibility | null = null;
  private readonly assets = new Map<string, Uint8Array>();
  private healthState: MachineHealth = 'stopped';
  private healthTimer: ReturnType<typeof setInterval> | null = null;
  private transcript = '';
  /** total console characters ever received, so marks survive transcript trimming */
  private transcriptBase = 0;
  private readonly consoleWaiters = new Set<() => void>();
  private readonly latin1 = new TextDecoder('latin1');
  private consoleSize: { cols: number; rows: number } | undefined;
  private bytesDownloaded = 0;
  private starting: Promise<StartResult> | null = null;
  /** a saved state to restore instead of the snapshot, for restoreState() */
  private pendingState: Uint8Array | null = null;
  /** BIOS and VGA BIOS, loading alongside the snapshot */
  private biosLoad: Promise<[Uint8Array, Uint8Array]> | null = null;
  /** the last start's outcome */
  lastStart: StartResult | null = null;

  private constructor(private readonly options: MachineOptions) {
    this.consoleSize = options.consoleSize;
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
    return this.healthState;
  }

  get guestManifest(): GuestManifest {
    if (!this.manifest) throw new EngineError('CONFLICT', 'the machine has not loaded its manifest yet');
    return this.manifest;
  }

  /** What a snapshot of this machine must record to be restorable later. */
  get snapshotCompatibility(): SnapshotCompatibility {
    if (!this.compatibility) throw new EngineError('CONFLICT', 'the machine has not loaded its manifest yet');
    return this.compatibility;
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
    return this.transcriptBase + this.transcript.length;
  }

  /** Console output since a mark (or the retained tail), as Latin-1 text. */
  consoleText(since = 0): string {
    return this.transcript.slice(Math.max(0, since - this.transcriptBase));
  }

  /** Resolve with the console text since `since` once it matches `pattern`. */
  waitForConsole(pattern: RegExp, options: { since?: number; timeoutMs?: number } = {}): Promise<string> {
    const since = options.since ?? this.consoleMark();
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const check = () => {
        const text = this.consoleText(since);
        if (!pattern.test(text)) return;
        cleanup();
        resolve(text);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new EngineError('TIMEOUT', `console did not show ${pattern} within ${timeoutMs} ms; it showed: ${JSON.stringify(this.consoleText(since).slice(-300))}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.consoleWaiters.delete(check);
      };
      this.consoleWaiters.add(check);
      check();
    });
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
      if (this.healthTimer) clearInterval(this.healthTimer);
      this.healthTimer = null;
      this.setHealth('starting');
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
        const result: StartResult = { fromSnapshot: true, readyMs: Math.round(performance.now() - t0), bytesDownloaded: this.bytesDownloaded };
        this.lastStart = result;
        this.setHealth('ready');
        this.startHealthChecks();
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
    this.assets.clear();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private current(): Booted {
    if (!this.booted) throw new EngineError('CONFLICT', `the machine is ${this.healthState === 'starting' ? 'still starting' : 'not running'}`);
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
    this.setHealth('starting');
    try {
      await this.loadManifest();
      void this.biosImages().catch(() => undefined); // fetched while the snapshot downloads; errors surface where used
      let snapshotProblem: string | undefined;
      if (!cold) {
        const load = (useCache: boolean) =>
          this.loadSnapshot(useCache).catch((error: unknown) => ({ problem: `snapshot unreadable: ${(error as Error).message}` }));
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
            await this.options.stateCache?.delete(cached).catch(() => undefined);
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
        bytesDownloaded: this.bytesDownloaded,
      };
      if (snapshotProblem !== undefined) result.snapshotProblem = snapshotProblem;
      this.lastStart = result;
      this.emitProgress({
        phase: 'ready',
        loadedBytes: this.bytesDownloaded,
        totalBytes: this.bytesDownloaded,
        message: result.fromSnapshot ? 'Machine ready' : `Machine ready (cold boot: ${snapshotProblem})`,
      });
      this.setHealth('ready');
      this.startHealthChecks();
      return result;
    } catch (error) {
      await this.teardown();
      this.emitProgress({ phase: 'failed', loadedBytes: this.bytesDownloaded, totalBytes: 0, message: (error as Error).message });
      throw error;
    }
  }

  private async loadManifest(): Promise<void> {
    if (this.manifest) return;
    const bytes = await this.options.loader.load(MANIFEST_FILE, undefined, this.options.signal);
    if (!bytes) throw new EngineError('NOT_FOUND', `the guest has not been built: ${MANIFEST_FILE} is missing (npm run guest:build)`);
    this.bytesDownloaded += bytes.length;
    this.manifest = parseManifest(bytes);
    this.compatibility = { manifestSha256: await sha256Hex(bytes), v86: V86_VERSION, machineConfig: MACHINE_CONFIG_VERSION };
  }

  private async loadSnapshot(useCache: boolean): Promise<SnapshotState | { problem: string }> {
    const infoBytes = await this.options.loader.load(SNAPSHOT_INFO_FILE, undefined, this.options.signal);
    if (!infoBytes) return { problem: `no snapshot (${SNAPSHOT_INFO_FILE} missing; npm run guest:snapshot)` };
    const info = parseSnapshotInfo(infoBytes);
    const mismatch = incompatibility(info.compatibility, this.snapshotCompatibility);
    if (mismatch) return { problem: mismatch };
    const cache = this.options.stateCache;
    const key = `${STATE_CACHE_PREFIX}${info.sha256}`;
    if (cache && useCache) {
      const kept = await readCached(cache, key, info.rawSize).catch(() => null);
      if (kept) return { bytes: kept, fromCache: key };
    }
    const bytes = await this.loadAsset(info.file, info.size, 'Downloading the machine snapshot');
    if (!bytes) return { problem: `snapshot file ${info.file} is missing` };
    // A corrupt state can crash v86's decompressor half-way; check it before v86 sees it.
    if (bytes.length !== info.size || (await sha256Hex(bytes)) !== info.sha256) {
      this.assets.delete(info.file);
      return { problem: `snapshot file ${info.file} is corrupt (sha256 differs from ${SNAPSHOT_INFO_FILE})` };
    }
    return cache ? { bytes, keepAs: { key, rawSize: info.rawSize } } : { bytes };
  }

  /** The decompressed snapshot into the state cache, in place of any older one. */
  private async keepState(key: string, raw: Uint8Array): Promise<void> {
    const cache = this.options.stateCache;
    if (!cache) return;
    try {
      for (const old of await cache.list(STATE_CACHE_PREFIX)) if (old !== key) await cache.delete(old);
      await cache.put(key, bytesStream(raw));
    } catch (error) {
      this.log(`could not keep the snapshot for the next visit: ${(error as Error).message}`);
    }
  }

  /** A file from the guest directory, cached for restarts. */
  private async loadAsset(name: string, expectedSize: number, message: string): Promise<Uint8Array | null> {
    const cached = this.assets.get(name);
    if (cached) return cached;
    const before = this.bytesDownloaded;
    const data = await this.options.loader.load(
      name,
      (loaded, total) =>
        this.emitProgress({ phase: 'download', loadedBytes: before + loaded, totalBytes: before + Math.max(total, expectedSize), message }),
      this.options.signal,
    );
    if (!data) return null;
    this.bytesDownloaded += data.length; // not before + length: other files may have arrived meanwhile
    this.assets.set(name, data);
    return data;
  }

  private biosImages(): Promise<[Uint8Array, Uint8Array]> {
    const manifest = this.guestManifest;
    if (!this.biosLoad) {
      const load = Promise.all([this.requireAsset(manifest.bios, 'Downloading the BIOS'), this.requireAsset(manifest.vgaBios, 'Downloading the BIOS')]);
      // a failed load is tried again by the next boot
      load.catch(() => (this.biosLoad = null));
      this.biosLoad = load;
    }
    return this.biosLoad;
  }

  private async requireAsset(name: string, message: string): Promise<Uint8Array> {
    const manifest = this.guestManifest;
    const size = manifest.files.find((f) => f.name === name)?.size ?? 0;
    const fresh = !this.assets.has(name);
    const data = await this.loadAsset(name, size, message);
    if (!data) throw new EngineError('NOT_FOUND', `guest file ${name} is missing (npm run guest:build)`);
    if (fresh && this.options.verifyAssets !== false) {
      try {
        await verifyAsset(manifest, name, data);
      } catch (error) {
        this.assets.delete(name);
        throw error;
      }
    }
    return data;
  }

  private baseOptions(bios: Uint8Array, vgaBios: Uint8Array): V86Options {
    const manifest = this.guestManifest;
    // Everything here is hardware: changing it invalidates saved states (bump MACHINE_CONFIG_VERSION).
    const { wasmModule } = this.options;
    return {
      wasm_path: this.options.wasmPath,
      ...(wasmModule ? { wasm_fn: async (imports: WebAssembly.Imports) => (await WebAssembly.instantiate(await wasmModule, imports)).exports } : {}),
      memory_size: manifest.memoryMiB * 1024 * 1024,
      vga_memory_size: 2 * 1024 * 1024,
      bios: { buffer: bios.slice().buffer },
      vga_bios: { buffer: vgaBios.slice().buffer },
      // The agent's line (PROTOCOL.md): v86.d.ts types this as a terminal adapter, but `true` makes the bare device.
      virtio_console: true as unknown as V86Options['virtio_console'],
      // eth0: a virtio NIC on v86's fetch adapter, a TCP/IP stack in this worker (no relay server). The worker opens
      // TCP connections into the guest through it (published ports). The MAC is the one the guest's driver read at
      // boot; without preserve_mac a restored state would get a new random MAC that the guest's stack ignores.
      net_device: { type: 'virtio', relay_url: 'fetch', router_ip: GUEST_NETWORK.routerIp, vm_ip: GUEST_NETWORK.guestIp },
      preserve_mac_from_state_image: true,
      // An empty 9p file system, filled from JS through ShareFs; the guest mounts it at /mnt/host.
      filesystem: {},
      autostart: false,
      disable_keyboard: true,
      disable_mouse: true,
      disable_speaker: true,
    };
  }

  private async restoreFrom(state: SnapshotState): Promise<Booted> {
    this.emitProgress({ phase: 'restore', loadedBytes: this.bytesDownloaded, totalBytes: this.bytesDownloaded, message: 'Restoring the machine' });
    const [bios, vgaBios] = await this.biosImages();
    abortIfNeeded(this.options.signal);
    // No kernel or initramfs: the saved memory already holds the running system.
    const booted = await this.createEmulator(this.baseOptions(bios, vgaBios));
    try {
      // v86 recognises zstd by its magic and decompresses in wasm; decompressed here instead when the result is to be
      // kept. Restore before run(), after emulator-loaded (v86's emulator-ready has fired by then), so no console
      // input can be lost (DESIGN.md pitfall).
      const { keepAs } = state;
      const bytes = keepAs && isZstd(state.bytes)
        ? new Uint8Array((booted.emulator as unknown as V86Internals).zstd_decompress(keepAs.rawSize, state.bytes))
        : state.bytes;
      await booted.emulator.restore_state(bytes.slice().buffer);
      await booted.emulator.run();
      await booted.agent.hello({ timeoutMs: 10_000 });
      if (keepAs && bytes !== state.bytes) void this.keepState(keepAs.key, bytes);
      return booted;
    } catch (error) {
      await this.dispose(booted);
      throw error;
    }
  }

  private async coldBoot(reason: string | undefined): Promise<Booted> {
    const manifest = this.guestManifest;
    const [bios, vgaBios] = await this.biosImages();
    const kernel = await this.requireAsset(manifest.kernel, 'Downloading the Linux kernel');
    const initrd = await this.requireAsset(manifest.initrd, 'Downloading the initramfs');
    abortIfNeeded(this.options.signal);
    this.emitProgress({
      phase: 'boot',
      loadedBytes: this.bytesDownloaded,
      totalBytes: this.bytesDownloaded,
      message: reason && reason !== 'cold boot requested' ? `Booting Linux (${reason})` : 'Booting Linux',
    });
    const booted = await this.createEmulator({
      ...this.baseOptions(bios, vgaBios),
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
      await this.dispose(booted);
      throw error;
    }
  }

  private async createEmulator(options: V86Options): Promise<Booted> {
    const emulator = new V86(options);
    await once(emulator, 'emulator-loaded');
    const fs9p = (emulator as unknown as V86Internals).fs9p;
    if (!fs9p) throw new EngineError('INTERNAL', 'v86 created no 9p file system (emulator.fs9p)');

    const disposers: (() => void)[] = [];
    const listen = <T>(event: string, listener: (value: T) => void) => {
      const l = listener as (value: unknown) => void;
      (emulator.add_listener as (e: string, l: (v: unknown) => void) => void)(event, l);
      disposers.push(() => (emulator.remove_listener as (e: string, l: (v: unknown) => void) => void)(event, l));
    };

    const consoleBytes = new ByteBatcher((chunk) => this.onConsole(chunk));
    listen<number>(`serial${CONSOLE_PORT}-output-byte`, consoleBytes.push);

    keepOnlyPortZeroConsole(emulator);
    const transport = virtioPortTransport(emulator, AGENT_VIRTIO_PORT);
    disposers.push(transport.dispose);
    const newAgent = (firstStream?: number) => {
      transport.discardPending();
      return new AgentClient(transport, {
        ...(firstStream !== undefined ? { firstStream } : {}),
        onProtocolError: (error) => this.log(error.message),
        onAgentRestart: (version) => this.log(`the agent restarted (${version})`),
      });
    };
    return { emulator, agent: newAgent(), share: new ShareFs(fs9p), tcp: guestNetwork(emulator), disposers, newAgent };
  }

  private onConsole(chunk: Uint8Array): void {
    this.options.onConsoleOutput?.(chunk);
    this.transcript += this.latin1.decode(chunk);
    if (this.transcript.length > TRANSCRIPT_LIMIT) {
      const drop = this.transcript.length - TRANSCRIPT_LIMIT / 2;
      this.transcript = this.transcript.slice(drop);
      this.transcriptBase += drop;
    }
    for (const check of [...this.consoleWaiters]) check();
  }

  private startHealthChecks(): void {
    const health = this.options.health ?? { intervalMs: 1000, hungAfterMs: 3000 };
    if (health === false) return;
    let inFlight = false;
    this.healthTimer = setInterval(() => {
      const booted = this.booted;
      if (inFlight || !booted) return;
      inFlight = true;
      booted.agent
        .ping({ timeoutMs: health.hungAfterMs })
        .then(
          () => this.booted === booted && this.setHealth('ready'),
          (error: EngineError) => {
            if (this.booted !== booted) return;
            if (error.code === 'TIMEOUT') this.setHealth('hung');
          },
        )
        .finally(() => (inFlight = false));
    }, health.intervalMs);
  }

  private async teardown(): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = null;
    const booted = this.booted;
    this.booted = null;
    if (booted) await this.dispose(booted);
    this.setHealth('stopped');
  }

  private async dispose(booted: Booted): Promise<void> {
    booted.agent.close('the machine was stopped');
    for (const d of booted.disposers) d();
    await booted.emulator.destroy();
  }

  private setHealth(health: MachineHealth): void {
    if (health === this.healthState) return;
    this.healthState = health;
    this.options.onHealth?.(health);
  }

  private emitProgress(progress: BootProgress): void {
    this.options.onProgress?.(progress);
  }

  private log(line: string): void {
    this.options.onLog?.(line);
  }
}

function networkAdapter(emulator: V86): V86FetchAdapter {
  const adapter = (emulator as unknown as V86Internals).network_adapter;
  if (!adapter) throw new EngineError('INTERNAL', 'v86 created no network adapter (emulator.network_adapter)');
  return adapter;
}

/** The guest's network as the worker gives it: its DNS upstream answered here, TCP into it through the shim. */
function guestNetwork(emulator: V86): TcpFrameShim {
  const adapter = networkAdapter(emulator);
  answerGuestDns(adapter);
  return new TcpFrameShim(adapter);
}

/** A kept decompressed snapshot, when it is there whole. */
async function readCached(cache: BlobBackend, key: string, rawSize: number): Promise<Uint8Array | null> {
  if ((await cache.size(key)) !== rawSize) return null;
  const stream = await cache.get(key);
  if (!stream) return null;
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return bytes.length === rawSize ? bytes : null;
}

function isZstd(bytes: Uint8Array): boolean {
  return bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd;
}
