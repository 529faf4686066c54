// A machine starting before anyone listens (the worker starts it at once; the page's start() can come hundreds of
// ms later): console bytes wait for the terminal, and the last progress and health are replayed to the listener
// that attaches.
import type { BootProgress, MachineHealth } from '../protocol.ts';
import type { BlobBackend } from '../engine/store/blob-backend.ts';
import { Machine, type MachineOptions } from './machine.ts';

/** The last value of a stream of reports, and where it goes once someone listens. */
class Replayed<T> {
  last: T | null = null;
  to: ((value: T) => void) | null = null;

  report(value: T): void {
    this.last = value;
    if (this.to) deliver(this.to, value);
  }

  listen(to: (value: T) => void): void {
    this.to = to;
    if (this.last) deliver(to, this.last);
  }
}

/** A listener's failure (a closed page, say) is not the machine's. */
function deliver<T>(to: (value: T) => void, value: T): void {
  void Promise.resolve(to(value)).catch(() => undefined);
}

export class MachineLaunch {
  readonly started: Promise<Machine>;
  #terminal: MessagePort | null = null;
  readonly #waiting: Uint8Array[] = [];
  readonly #progress = new Replayed<BootProgress>();
  readonly #health = new Replayed<MachineHealth>();

  /** `options` without the reporting callbacks, which the launch supplies; no state cache when it is refused. */
  constructor(
    readonly guestBaseUrl: string,
    readonly coldBoot: boolean,
    options: Omit<MachineOptions, 'onConsoleOutput' | 'onProgress' | 'onHealth' | 'stateCache'>,
    stateCache: Promise<BlobBackend | undefined> | undefined,
  ) {
    const machineOptions: MachineOptions = {
      ...options,
      // Chunks are fresh copies, so their buffers can be transferred rather than cloned.
      onConsoleOutput: (bytes) => (this.#terminal ? this.#terminal.postMessage(bytes, [bytes.buffer]) : this.#waiting.push(bytes)),
      onProgress: (p) => this.#progress.report(p),
      onHealth: (h) => this.#health.report(h),
    };
    // Without a state cache (storage refused) the machine still starts, from the download.
    this.started = (stateCache ?? Promise.resolve(undefined))
      .catch(() => undefined)
      .then((cache) => Machine.start(cache ? { ...machineOptions, stateCache: cache } : machineOptions));
  }

  /** The page's terminal and listeners: what waited is delivered now, the rest as it comes. */
  attach(port: MessagePort, onProgress: (p: BootProgress) => void, onHealth: (h: MachineHealth) => void): void {
    this.#terminal = port;
    for (const bytes of this.#waiting.splice(0)) port.postMessage(bytes, [bytes.buffer]);
    this.#progress.listen(onProgress);
    this.#health.listen(onHealth);
  }
}
