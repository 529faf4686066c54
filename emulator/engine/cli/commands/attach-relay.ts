// --sig-proxy for an attached container without a tty: the CLI hands the container's output to a second `docker`
// process it spawns on the learner's terminal (`docker drydock-attach-relay TOKEN`). The shim ignores ^C while its
// child runs and reports how the child ended, so a ^C kills only the child and tells the CLI which signal to
// forward to the container; the CLI then spawns the next relay and stays attached, as the docker CLI does.
import type { RawCommand } from './raw-command.ts';

export const RELAY_COMMAND = 'drydock-attach-relay';

export interface RelayChunk {
  stream: 'stdout' | 'stderr';
  data: Uint8Array;
}

/** Output waiting for a relay process; it outlives each one, so nothing is lost between a ^C and the next. */
export class OutputRelay {
  readonly token = crypto.randomUUID();
  readonly #queue: RelayChunk[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  push(chunk: RelayChunk): void {
    this.#queue.push(chunk);
    this.#wake?.();
  }

  /** no more output: the relay process exits once it has printed what is queued */
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  /** The next chunk, undefined at the end or when `signal` aborts first. */
  async next(signal: AbortSignal): Promise<RelayChunk | undefined> {
    while (this.#queue.length === 0 && !this.#ended && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      this.#wake = undefined;
    }
    return signal.aborted ? undefined : this.#queue.shift();
  }

  /** a chunk taken by a relay that died before printing it goes back first */
  unshift(chunk: RelayChunk): void {
    this.#queue.unshift(chunk);
  }

  /** What is still queued (the CLI prints it itself when no relay process could be started). */
  drain(): RelayChunk[] {
    return this.#queue.splice(0);
  }
}

const relays = new Map<string, OutputRelay>();

export function openRelay(): OutputRelay {
  const relay = new OutputRelay();
  relays.set(relay.token, relay);
  return relay;
}

export function closeRelay(relay: OutputRelay): void {
  relays.delete(relay.token);
}

/** The hidden `docker drydock-attach-relay TOKEN`: prints the relay's output until it ends (exit 0). */
export const relayCommand: RawCommand = async (ctx) => {
  const relay = relays.get(ctx.argv[0] ?? '');
  if (!relay) {
    ctx.err(`docker: ${RELAY_COMMAND} is the docker CLI's own helper, not a command\n`);
    return 1;
  }
  const signal = ctx.session.signal;
  for (;;) {
    const chunk = await relay.next(signal);
    if (!chunk) return signal.aborted ? 130 : 0;
    if (signal.aborted) {
      relay.unshift(chunk);
      return 130;
    }
    (chunk.stream === 'stderr' ? ctx.session.stderr : ctx.session.stdout).call(ctx.session, chunk.data);
  }
};
