// The lab's end of the postMessage API: takes requests only from its parent window at an allowed origin, checks each
// one, and does what the lab offers (type a line, write a file in /root/app, read the screen); nothing else.
import {
  envelope,
  isAllowedOrigin,
  parseHostRequest,
  type HostRequest,
  type LabEvent,
  type LabReply,
  type RequestId,
} from './lab-protocol.ts';

/** What the lab can do for a host; the lab page implements it over its machine and terminal. */
export interface LabActions {
  /** Types one line at the prompt, like a learner, and resolves once the prompt is back. */
  typeLine(command: string): Promise<void>;
  writeFile(path: string, text: string): Promise<void>;
  /** The terminal's text: scrollback and screen, one line per row. */
  readTerminal(): string;
}

/** The window the lab reports to (its parent). */
export interface HostWindow {
  postMessage(message: unknown, targetOrigin: string): void;
}

export interface IncomingMessage {
  data: unknown;
  origin: string;
  source: unknown;
}

export class LabApi {
  readonly #host: HostWindow | null;
  readonly #origins: readonly string[];
  readonly #actions: LabActions;
  #ready = false;
  /** Lines are typed one at a time, in the order asked: a second would land in the first's input. */
  #typing: Promise<void> = Promise.resolve();

  constructor(options: { host: HostWindow | null; origins: readonly string[]; actions: LabActions }) {
    this.#host = options.host;
    this.#origins = options.origins;
    this.#actions = options.actions;
  }

  /**
   * A `message` event of the lab's window. Anything not from the parent, not from an allowed origin, or not an API
   * message is dropped without an answer (an answer would tell an unknown sender the lab is there).
   */
  receive(message: IncomingMessage): void {
    if (!this.#host || message.source !== this.#host || !isAllowedOrigin(message.origin, this.#origins)) return;
    const parsed = parseHostRequest(message.data);
    if (parsed === null) return;
    if (!parsed.ok) {
      const id = (message.data as { id?: unknown }).id;
      this.#reply(message.origin, { type: 'reply', id: typeof id === 'string' || typeof id === 'number' ? id : '', ok: false, error: parsed.error });
      return;
    }
    void this.#handle(parsed.value, message.origin);
  }

  /** The machine is up (and the example's files written): requests are served from now on. */
  markReady(): void {
    this.#ready = true;
    this.emit({ type: 'ready' });
  }

  /** Types a line in turn (the example's own commands go through here too) and reports its `exit`. */
  typeLine(command: string, id: RequestId | null): Promise<void> {
    const done = this.#typing.then(async () => {
      await this.#actions.typeLine(command);
      this.emit({ type: 'exit', id, command });
    });
    this.#typing = done.catch(() => undefined);
    return done;
  }

  /** Tells the host; the message goes only to an allowed origin (the browser drops it for any other page). */
  emit(event: LabEvent): void {
    for (const origin of this.#origins) this.#host?.postMessage(envelope(event), origin);
  }

  async #handle(request: HostRequest, origin: string): Promise<void> {
    if (!this.#ready) {
      this.#reply(origin, { type: 'reply', id: request.id, ok: false, error: 'the machine is still starting; wait for the "ready" event' });
      return;
    }
    try {
      switch (request.type) {
        case 'run':
          // Answered once typed in turn; the `exit` event with the same id says the prompt is back.
          this.#reply(origin, { type: 'reply', id: request.id, ok: true });
          this.typeLine(request.command, request.id).catch((error: unknown) => console.warn('Typing a command failed:', error));
          return;
        case 'write-file':
          await this.#actions.writeFile(request.path, request.text);
          this.#reply(origin, { type: 'reply', id: request.id, ok: true });
          return;
        case 'read-terminal':
          this.#reply(origin, { type: 'reply', id: request.id, ok: true, text: this.#actions.readTerminal() });
          return;
      }
    } catch (error) {
      this.#reply(origin, { type: 'reply', id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  #reply(origin: string, reply: LabReply): void {
    this.#host?.postMessage(envelope(reply), origin);
  }
}
