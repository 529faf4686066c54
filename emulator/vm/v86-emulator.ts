// The v86 wrapper: the emulated hardware (the one place it is described), an emulator created and wired to the
// learner's console, the agent's virtio port, the 9p share and the guest network, and disposed again.
//
// This is the only module that touches v86. It runs unchanged in Node and in a Web Worker; the differences come in
// as the wasm location and module.
import { V86, type V86Options } from 'v86';
import v86Package from 'v86/package.json' with { type: 'json' };
import { EngineError } from '../engine/errors.ts';
import { AgentClient } from './channel/agent-client.ts';
import { answerGuestDns } from './guest-dns-upstream.ts';
import { GUEST_NETWORK } from './guest-network.ts';
import { TcpFrameShim, type V86FetchAdapter } from './guest-tcp.ts';
import { ShareFs, type V86FileSystem } from './share-fs.ts';
import { keepOnlyPortZeroConsole, virtioPortTransport } from './virtio-port.ts';

/**
 * Bump when the emulated hardware changes (devices, memory layout, UARTs, 9p): a state saved with other hardware
 * cannot be restored, and the snapshot records this number.
 */
export const MACHINE_CONFIG_VERSION = 3;
export const V86_VERSION: string = v86Package.version;

/** the learner's console: serial port 0 (the guest's ttyS0) */
export const CONSOLE_PORT = 0;
/** the agent's line: port 1 of the virtio console (the guest's /dev/vportNp1, named "virtio-1") */
const AGENT_VIRTIO_PORT = 1;

/** the parts of the V86 object used here that v86.d.ts does not declare */
interface V86Internals {
  fs9p?: V86FileSystem;
  /** the fetch network adapter behind the virtio NIC (net_device.relay_url 'fetch') */
  network_adapter?: V86FetchAdapter;
  /** v86's built-in zstd (the one restore_state uses) */
  zstd_decompress(decompressedSize: number, compressed: Uint8Array): ArrayBuffer;
}

/** A running emulator and what the machine talks to the guest through. */
export interface Booted {
  emulator: V86;
  agent: AgentClient;
  share: ShareFs;
  /** TCP into the guest through v86's adapter, with MSS and flow control added */
  tcp: TcpFrameShim;
  disposers: (() => void)[];
  /** a new control-channel client on the same line (after an in-place state restore); `firstStream` as AgentClientOptions */
  newAgent(firstStream?: number): AgentClient;
}

export interface HardwareInput {
  bios: Uint8Array;
  vgaBios: Uint8Array;
  memoryMiB: number;
  /** v86.wasm: a file path in Node, a URL in a browser (v86's `wasm_path`) */
  wasmPath: string;
  wasmModule?: Promise<WebAssembly.Module> | undefined;
}

/** What the emulator reports to the machine. */
export interface EmulatorEvents {
  /** console bytes, one chunk per turn of the event loop */
  onConsole(chunk: Uint8Array): void;
  log(line: string): void;
}

/** The emulated machine's options without a kernel: a restore needs no more, a cold boot adds kernel and initrd. */
export function hardwareOptions(input: HardwareInput): V86Options {
  // Everything here is hardware: changing it invalidates saved states (bump MACHINE_CONFIG_VERSION).
  const { wasmModule } = input;
  return {
    wasm_path: input.wasmPath,
    ...(wasmModule ? { wasm_fn: async (imports: WebAssembly.Imports) => (await WebAssembly.instantiate(await wasmModule, imports)).exports } : {}),
    memory_size: input.memoryMiB * 1024 * 1024,
    vga_memory_size: 2 * 1024 * 1024,
    bios: { buffer: input.bios.slice().buffer },
    vga_bios: { buffer: input.vgaBios.slice().buffer },
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

/** A new emulator, loaded (not running), wired to the console, the agent's port, the share and the network. */
export async function createEmulator(options: V86Options, events: EmulatorEvents): Promise<Booted> {
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

  const consoleBytes = new ByteBatcher((chunk) => events.onConsole(chunk));
  listen<number>(`serial${CONSOLE_PORT}-output-byte`, consoleBytes.push);

  keepOnlyPortZeroConsole(emulator);
  const transport = virtioPortTransport(emulator, AGENT_VIRTIO_PORT);
  disposers.push(transport.dispose);
  const newAgent = (firstStream?: number) => {
    transport.discardPending();
    return new AgentClient(transport, {
      ...(firstStream !== undefined ? { firstStream } : {}),
      onProtocolError: (error) => events.log(error.message),
      onAgentRestart: (version) => events.log(`the agent restarted (${version})`),
    });
  };
  return { emulator, agent: newAgent(), share: new ShareFs(fs9p), tcp: guestNetwork(emulator), disposers, newAgent };
}

/** The agent closed, listeners removed, the emulator destroyed. */
export async function disposeEmulator(booted: Booted): Promise<void> {
  booted.agent.close('the machine was stopped');
  for (const d of booted.disposers) d();
  await booted.emulator.destroy();
}

/** A zstd state decompressed with v86's own zstd (the one restore_state would use). */
export function decompressState(emulator: V86, rawSize: number, compressed: Uint8Array): Uint8Array {
  return new Uint8Array((emulator as unknown as V86Internals).zstd_decompress(rawSize, compressed));
}

export function isZstd(bytes: Uint8Array): boolean {
  return bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd;
}

export function networkAdapter(emulator: V86): V86FetchAdapter {
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
