// The control channel's line: a port of v86's virtio console (src/virtio_console.js) as a ByteTransport.
//
// v86 does not declare its devices in v86.d.ts, so this module is the one place that knows the virtio console's
// shape (pinned to the v86 version in package.json). Two things in that device are adjusted here:
// - It announces every port as a console port, so the guest kernel turns each into an hvc tty, which moved 0.7 MB/s
//   from the guest in a probe (16 bytes per hvc poll, the tty layer in between). Only port 0 stays a console; the others become plain virtio
//   serial ports (/dev/vportNpM): whole buffers of up to 32 KiB per write(2), one open(2) at a time (the kernel
//   answers EBUSY to a second one, whoever asks).
// - Its `virtio-consoleN-input-bytes` bus event drops what does not fit in the one receive buffer it takes, and
//   everything when the guest has none posted. Host bytes are put into the guest's receive buffers here instead,
//   each as full as it goes, and kept until the guest posts more.
import { concatBytes } from '../engine/store/blob-backend.ts';
import { EngineError } from '../engine/errors.ts';
import type { ByteTransport } from './channel/agent-client.ts';

/** virtio spec 5.3.6.2: the control message that makes a port a console (hvc) */
const VIRTIO_CONSOLE_CONSOLE_PORT = 4;
/** virtio spec 5.3.6.2: the host's end of a port opened (1) or closed (0); the guest's poll(2) says POLLHUP while closed */
const VIRTIO_CONSOLE_PORT_OPEN = 6;
/** When the guest has no receive buffer posted, look again this soon (v86 does not pass on the guest's notice that it
 *  posted some). */
const RETRY_MS = 1;

/** v86's VirtQueue and its buffer chains, as far as used here */
interface VirtQueue {
  is_configured(): boolean;
  has_request(): boolean;
  pop_request(): { length_writable: number; set_next_blob(bytes: Uint8Array): number };
  push_reply(chain: unknown): void;
  flush_replies(): void;
}

/** v86's VirtioConsole (cpu.devices.virtio_console) */
interface V86VirtioConsole {
  virtio: { queues: VirtQueue[] };
  SendEvent(port: number, event: number, value: number): void;
}

interface EmulatorWithDevices {
  v86?: { cpu?: { devices?: { virtio_console?: V86VirtioConsole } } };
  add_listener(event: string, listener: (value: never) => void): void;
  remove_listener(event: string, listener: (value: never) => void): void;
}

/** The guest's receive queue of a port (virtio spec 5.3.2: port 0 uses queue 0, port n >= 1 queue 2n + 2). */
function receiveQueue(port: number): number {
  return port === 0 ? 0 : 2 * port + 2;
}

function device(emulator: unknown): V86VirtioConsole {
  const found = (emulator as EmulatorWithDevices).v86?.cpu?.devices?.virtio_console;
  if (!found) throw new EngineError('INTERNAL', 'v86 created no virtio console (emulator.v86.cpu.devices.virtio_console)');
  return found;
}

/**
 * Make ports 1.. plain serial ports before the guest's driver asks (call it before the emulator runs). A restored
 * state keeps what its guest was told when it booted.
 */
export function keepOnlyPortZeroConsole(emulator: unknown): void {
  const consoleDevice = device(emulator);
  const sendEvent = consoleDevice.SendEvent.bind(consoleDevice);
  consoleDevice.SendEvent = (port, event, value) => {
    if (event === VIRTIO_CONSOLE_CONSOLE_PORT && port !== 0) return;
    sendEvent(port, event, value);
  };
}

/** Opens or closes the host's end of a port, as a host process that attaches to it or goes away (v86 opens every
 *  port when the guest's driver says it is ready). */
export function setHostConnected(emulator: unknown, port: number, connected: boolean): void {
  device(emulator).SendEvent(port, VIRTIO_CONSOLE_PORT_OPEN, connected ? 1 : 0);
}

export interface VirtioPortTransport extends ByteTransport {
  /** Forget bytes not yet taken by the guest (they were for a guest that a restore replaced). */
  discardPending(): void;
  dispose(): void;
}

/** Port `port` of the emulator's virtio console as a byte pipe. */
export function virtioPortTransport(emulator: unknown, port: number): VirtioPortTransport {
  const events = emulator as EmulatorWithDevices;
  const queues = device(emulator).virtio.queues;
  const rx = receiveQueue(port);
  const listeners = new Set<(bytes: Uint8Array) => void>();
  let pending: Uint8Array[] = [];
  let offset = 0; // into pending[0]
  let retry: ReturnType<typeof setTimeout> | null = null;
  let pumpQueued = false;

  const pump = (): void => {
    if (retry) clearTimeout(retry);
    retry = null;
    const queue = queues[rx];
    if (!queue) throw new EngineError('INTERNAL', `v86's virtio console has no queue ${rx} (port ${port})`);
    let filled = 0;
    while (pending.length > 0 && queue.is_configured() && queue.has_request()) {
      const chain = queue.pop_request();
      let room = chain.length_writable;
      while (room > 0 && pending.length > 0) {
        const head = pending[0]!;
        const take = Math.min(room, head.length - offset);
        chain.set_next_blob(head.subarray(offset, offset + take));
        room -= take;
        offset += take;
        if (offset === head.length) {
          pending.shift();
          offset = 0;
        }
      }
      queue.push_reply(chain);
      filled++;
    }
    if (filled > 0) queue.flush_replies();
    // The device is not told when the guest posts buffers (v86 ignores that notification): look again soon.
    if (pending.length > 0) retry = setTimeout(pump, RETRY_MS);
  };

  // v86 reports output from inside the guest's I/O write: hand it on (and touch the queues) once the CPU slice ends.
  let output: Uint8Array[] = [];
  const deliver = (): void => {
    const chunks = output;
    output = [];
    const bytes = chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
    for (const listener of listeners) listener(bytes);
    // The guest answered something: it may have read (and posted buffers) too.
    if (pending.length > 0) pump();
  };
  const onOutput = (bytes: Uint8Array): void => {
    if (output.push(bytes) === 1) queueMicrotask(deliver);
  };
  const outputEvent = `virtio-console${port}-output-bytes`;
  events.add_listener(outputEvent, onOutput as (value: never) => void);

  return {
    send(bytes) {
      if (bytes.length === 0) return;
      pending.push(bytes.slice());
      // after the caller's other frames of this turn, so that they share the guest's buffers
      if (!pumpQueued) {
        pumpQueued = true;
        queueMicrotask(() => {
          pumpQueued = false;
          pump();
        });
      }
    },
    onBytes(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    discardPending() {
      pending = [];
      offset = 0;
    },
    dispose() {
      if (retry) clearTimeout(retry);
      retry = null;
      pending = [];
      events.remove_listener(outputEvent, onOutput as (value: never) => void);
      listeners.clear();
    },
  };
}
