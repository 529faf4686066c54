// Attached clients of containers (dockerd's attach, the stream config of a container): the output of a container's
// process fanned out to every attached client as it comes (not line by line, as logs are: a prompt has no newline),
// its stdin handed to the clients that write it, and the end of the run. Transport-independent: a client is a
// listener, and `attachOutput` is what an attach (or exec start) gives its client: the chunks, unframed (the API
// route frames them, api/output-response.ts).
import type { GuestProcess } from '../runtime/guest-exec.ts';
import type { LogStream } from '../containers/log-store.ts';

export interface OutputChunk {
  stream: LogStream;
  data: Uint8Array;
}

/** What an attach or an exec start gives its client: the process's output as it comes, and whether it has a tty. */
export interface ContainerOutput {
  /** one stream of a pty (sent raw) rather than stdout and stderr apart (sent multiplexed) */
  tty: boolean;
  chunks: ReadableStream<OutputChunk>;
}

export interface AttachListener {
  chunk(chunk: OutputChunk): void;
  /** the run ended (the process exited, its start failed, the container was removed) */
  end(): void;
}

export class AttachHub {
  readonly #listeners = new Map<string, Set<AttachListener>>();
  /** the running process of each container started with an open stdin, and who waits for it */
  readonly #stdin = new Map<string, GuestProcess>();
  readonly #stdinWaiters = new Map<string, Set<(p: GuestProcess | undefined) => void>>();

  /** Listens to the container's current run, or its next one when it is not running. Returns a disposer. */
  listen(id: string, listener: AttachListener): () => void {
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(id) === set) this.#listeners.delete(id);
    };
  }

  attached(id: string): boolean {
    return (this.#listeners.get(id)?.size ?? 0) > 0;
  }

  output(id: string, stream: LogStream, data: Uint8Array): void {
    for (const l of this.#listeners.get(id) ?? []) l.chunk({ stream, data });
  }

  /** The container's process with an open stdin is running: writers waiting for it go on. */
  started(id: string, process: GuestProcess): void {
    this.#stdin.set(id, process);
    for (const w of this.#stdinWaiters.get(id) ?? []) w(process);
    this.#stdinWaiters.delete(id);
  }

  /** The running process's stdin, or (`wait`) the next run's; undefined once the run has ended without one. */
  stdin(id: string, options: { wait: boolean }): Promise<GuestProcess | undefined> {
    const now = this.#stdin.get(id);
    if (now || !options.wait) return Promise.resolve(now);
    return new Promise((resolve) => {
      let set = this.#stdinWaiters.get(id);
      if (!set) this.#stdinWaiters.set(id, (set = new Set()));
      set.add(resolve);
    });
  }

  /** The run ended: attached clients get their end, stdin writers stop. */
  end(id: string): void {
    this.#stdin.delete(id);
    for (const w of this.#stdinWaiters.get(id) ?? []) w(undefined);
    this.#stdinWaiters.delete(id);
    const set = this.#listeners.get(id);
    this.#listeners.delete(id);
    for (const l of set ?? []) l.end();
  }
}

/**
 * The output of an attach (or exec start): `before` (what it logged first), then the chunks `subscribe` delivers of
 * the streams asked for, closed at the end. `cancel` runs when the client goes away.
 */
export function attachOutput(
  options: { stdout: boolean; stderr: boolean; before?: OutputChunk[] },
  subscribe: (listener: AttachListener) => () => void,
  cancel?: () => void,
): ReadableStream<OutputChunk> {
  let dispose: (() => void) | undefined;
  let closed = false;
  return new ReadableStream<OutputChunk>({
    start(c) {
      for (const b of options.before ?? []) c.enqueue(b);
      dispose = subscribe({
        chunk: ({ stream, data }) => {
          if (closed || data.length === 0) return;
          if (stream === 'stdout' ? !options.stdout : !options.stderr) return;
          c.enqueue({ stream, data: data.slice() });
        },
        end: () => {
          if (closed) return;
          closed = true;
          c.close();
        },
      });
      if (closed) dispose();
    },
    cancel() {
      closed = true;
      dispose?.();
      cancel?.();
    },
  });
}
