// Host side of the guest's `docker` shim: SHIM_* frames on agent-chosen streams become CliSession objects (PROTOCOL.md "The docker shim").
import type { CliSession, ProcessEnd, SpawnRequest, TtySize } from '../../engine/cli/cli-session.ts';
import { EngineError } from '../../engine/errors.ts';
import { ACK_WINDOW, type AgentStreamListener } from './agent-client.ts';
import { FrameType, MAX_PAYLOAD_BYTES, frameTypeName, type Frame } from './frame-codec.ts';

/** PROTOCOL.md "The docker shim": output frames of at most 4096 bytes (the shim writes them to a terminal that drains
 *  at serial speed, and the guest's tty buffer must hold a window of them). */
export const SHIM_OUTPUT_CHUNK_BYTES = 4096;

/** The shim's frame types (PROTOCOL.md, 0x40-0x4F). */
export const ShimFrameType = {
  SHIM_OPEN: 0x40,
  SHIM_STDIN: 0x41,
  SHIM_EXIT: 0x42,
  SHIM_SPAWN: 0x43,
  SHIM_CHILD_EXIT: 0x44,
  SHIM_CLOSED: 0x45,
  SHIM_RAW: 0x47,
} as const;

/** The engine's CLI entry point. When it returns a promise and has not called exit() by the time that settles,
 *  the session exits 0 (or prints the error and exits 1). */
export type CliHandler = (session: CliSession) => void | Promise<void>;

/** What ShimSessions needs from the agent client. */
export interface AgentStreamHost {
  attachAgentStreams(listener: AgentStreamListener): { send(frame: Frame): void; detach(): void };
}

export interface ShimSessionsOptions {
  /** protocol oddities (malformed frames), for logs */
  onError?: (error: EngineError) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** SHIM_OPEN's records. */
export interface ShimRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  tty?: TtySize;
  hasStdin: boolean;
}

export function parseOpen(payload: Uint8Array): ShimRequest {
  const request: ShimRequest = { argv: [], cwd: '/', env: {}, hasStdin: false };
  const text = decoder.decode(payload);
  // Records are NUL-terminated; a trailing unterminated piece is ignored, as the agent does.
  const records = text.split('\0').slice(0, -1);
  for (const r of records) {
    const value = r.slice(1);
    switch (r[0]) {
      case 'a':
        request.argv.push(value);
        break;
      case 'c':
        request.cwd = value;
        break;
      case 'e': {
        const eq = value.indexOf('=');
        if (eq > 0) request.env[value.slice(0, eq)] = value.slice(eq + 1);
        break;
      }
      case 't': {
        const m = /^(\d+) (\d+)$/.exec(value);
        if (m) request.tty = { rows: Number(m[1]), cols: Number(m[2]) };
        break;
      }
      case 'i':
        request.hasStdin = true;
        break;
    }
  }
  return request;
}

/** SHIM_CHILD_EXIT's payload, `exit <code>` or `signal <n>`. */
export function parseChildExit(payload: Uint8Array): ProcessEnd {
  const text = decoder.decode(payload).trim();
  const m = /^(exit|signal) (\d+)$/.exec(text);
  if (!m) throw new EngineError('PROTOCOL', `malformed SHIM_CHILD_EXIT payload: ${JSON.stringify(text)}`);
  return m[1] === 'exit' ? { exitCode: Number(m[2]) } : { signal: Number(m[2]) };
}

export function spawnPayload(request: SpawnRequest): Uint8Array {
  if (request.argv.length === 0) throw new EngineError('INVALID_ARGUMENT', 'spawn needs at least one argument');
  const records: string[] = [];
  const add = (kind: string, value: string, what: string) => {
    if (value.includes('\0')) throw new EngineError('INVALID_ARGUMENT', `${what} contains a NUL byte: ${JSON.stringify(value)}`);
    records.push(`${kind}${value}\0`);
  };
  for (const arg of request.argv) add('a', arg, 'argument');
  for (const entry of request.env ?? []) {
    if (entry.indexOf('=') <= 0) throw new EngineError('INVALID_ARGUMENT', `environment entry is not KEY=VALUE: ${JSON.stringify(entry)}`);
    add('e', entry, 'environment entry');
  }
  if (request.cwd !== undefined) add('c', request.cwd, 'working directory');
  const payload = encoder.encode(records.join(''));
  if (payload.length > MAX_PAYLOAD_BYTES) throw new EngineError('INVALID_ARGUMENT', `spawn request exceeds ${MAX_PAYLOAD_BYTES} bytes`);
  return payload;
}

/**
 * One `docker` invocation. Output goes out at most ACK_WINDOW frames ahead of the shim's ACKs (it writes to a
 * terminal that drains at serial speed; the guest's tty buffer must not overflow). SHIM_SPAWN and SHIM_EXIT queue
 * behind the output so the shim prints everything first.
 */
class ShimSession implements CliSession {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly tty?: TtySize;
  readonly hasStdin: boolean;
  readonly stdin: ReadableStream<Uint8Array>;
  private readonly aborter = new AbortController();
  private readonly outQueue: { frame: Frame; counted: boolean }[] = [];
  private unacked = 0;
  private exited = false;
  private closed = false;
  private child: { resolve(end: ProcessEnd): void; reject(error: EngineError): void } | null = null;
  // stdin: credits granted to the shim (ACKs sent) and frames received but not yet read
  private credits = 0;
  private readonly stdinQueue: Uint8Array[] = [];
  private stdinEof = false;
  private stdinWaiter: (() => void) | null = null;

  constructor(
    readonly stream: number,
    request: ShimRequest,
    private readonly send: (frame: Frame) => void,
    private readonly forget: (session: ShimSession) => void,
  ) {
    this.argv = request.argv;
    this.cwd = request.cwd;
    this.env = request.env;
    if (request.tty) this.tty = request.tty;
    this.hasStdin = request.hasStdin;
    this.stdin = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          if (!this.hasStdin) controller.close();
        },
        pull: async (controller) => {
          for (;;) {
            const chunk = this.stdinQueue.shift();
            if (chunk) return controller.enqueue(chunk);
            if (this.stdinEof || this.closed) return controller.close();
            this.grantStdin();
            await new Promise<void>((resolve) => (this.stdinWaiter = resolve));
          }
        },
        cancel: () => {
          this.stdinEof = true;
          this.stdinQueue.length = 0;
        },
      },
      // Pull only when the engine reads: the shim then reads the learner's stdin only when it is wanted.
      { highWaterMark: 0 },
    );
  }

  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  stdout(data: Uint8Array | string): void {
    this.output(FrameType.STDOUT, data);
  }

  stderr(data: Uint8Array | string): void {
    this.output(FrameType.STDERR, data);
  }

  spawn(request: SpawnRequest): Promise<ProcessEnd> {
    if (this.closed) return Promise.reject(new EngineError('ABORTED', 'the docker command has gone away'));
    if (this.exited) return Promise.reject(new EngineError('CONFLICT', 'spawn after exit()'));
    if (this.child) return Promise.reject(new EngineError('CONFLICT', 'the shim is already running a child'));
    let payload: Uint8Array;
    try {
      payload = spawnPayload(request);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<ProcessEnd>((resolve, reject) => {
      this.child = { resolve, reject };
      this.enqueue({ type: ShimFrameType.SHIM_SPAWN, stream: this.stream, payload }, false);
    });
  }

  rawTerminal(raw: boolean): void {
    if (this.closed || this.exited || !this.tty) return;
    this.enqueue({ type: ShimFrameType.SHIM_RAW, stream: this.stream, payload: encoder.encode(raw ? '1' : '0') }, false);
  }

  exit(status: number): void {
    if (this.exited) throw new EngineError('CONFLICT', 'exit() called twice for one docker command');
    if (this.closed) return; // the shim is gone; nobody is waiting for a status
    if (!Number.isInteger(status) || status < 0 || status > 255) throw new EngineError('INVALID_ARGUMENT', `exit status out of range: ${status}`);
    this.exited = true;
    this.enqueue({ type: ShimFrameType.SHIM_EXIT, stream: this.stream, payload: encoder.encode(String(status)) }, false);
  }

  get hasExited(): boolean {
    return this.exited;
  }

  onFrame(frame: Frame): void {
    switch (frame.type) {
      case FrameType.ACK:
        if (this.unacked > 0) this.unacked--;
        this.pump();
        break;
      case ShimFrameType.SHIM_STDIN:
        if (this.credits > 0) this.credits--;
        if (this.stdinEof) break; // cancelled by the engine: drop
        if (frame.payload.length === 0) this.stdinEof = true;
        else this.stdinQueue.push(frame.payload);
        this.wakeStdin();
        break;
      case ShimFrameType.SHIM_CHILD_EXIT: {
        const child = this.child;
        this.child = null;
        if (!child) throw new EngineError('PROTOCOL', `SHIM_CHILD_EXIT without a SHIM_SPAWN on stream ${this.stream}`);
        try {
          child.resolve(parseChildExit(frame.payload));
        } catch (error) {
          child.reject(error as EngineError);
        }
        break;
      }
      case ShimFrameType.SHIM_CLOSED:
        this.close(new EngineError('ABORTED', 'the docker command was interrupted (the shim went away)'));
        break;
      default:
        throw new EngineError('PROTOCOL', `unexpected ${frameTypeName(frame.type)} on docker shim stream ${this.stream}`);
    }
  }

  /** The shim is gone (SHIM_CLOSED, agent restart, dispose): abort the engine's work and forget the session. */
  close(reason: EngineError): void {
    if (this.closed) return;
    this.closed = true;
    this.outQueue.length = 0;
    this.child?.reject(reason);
    this.child = null;
    this.wakeStdin();
    this.forget(this);
    this.aborter.abort(reason);
  }

  private output(type: number, data: Uint8Array | string): void {
    if (this.exited) throw new EngineError('CONFLICT', 'output after exit()');
    if (this.closed) return; // the terminal has gone; the engine learns it from `signal`
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    for (let at = 0; at < bytes.length; at += SHIM_OUTPUT_CHUNK_BYTES) {
      this.enqueue({ type, stream: this.stream, payload: bytes.slice(at, at + SHIM_OUTPUT_CHUNK_BYTES) }, true);
    }
  }

  private enqueue(frame: Frame, counted: boolean): void {
    this.outQueue.push({ frame, counted });
    this.pump();
  }

  private pump(): void {
    while (this.outQueue.length > 0 && !this.closed) {
      const next = this.outQueue[0]!;
      if (next.counted && this.unacked >= ACK_WINDOW) return;
      this.outQueue.shift();
      if (next.counted) this.unacked++;
      this.send(next.frame);
      if (next.frame.type === ShimFrameType.SHIM_EXIT) {
        // The agent relays nothing more for this stream but our ACKs' echoes; the session is over.
        this.closed = true;
        this.wakeStdin();
        this.forget(this);
      }
    }
  }

  /** Keep ACK_WINDOW frames of stdin granted or waiting (PROTOCOL.md: one ACK lets the shim send one frame). */
  private grantStdin(): void {
    while (!this.closed && !this.stdinEof && this.credits + this.stdinQueue.length < ACK_WINDOW) {
      this.credits++;
      this.send({ type: FrameType.ACK, stream: this.stream, payload: new Uint8Array(0) });
    }
  }

  private wakeStdin(): void {
    const waiter = this.stdinWaiter;
    this.stdinWaiter = null;
    waiter?.();
  }
}

/** Listens for docker shim sessions on an agent client and hands each to the engine's handler. */
export class ShimSessions {
  private readonly sessions = new Map<number, ShimSession>();
  private readonly link: { send(frame: Frame): void; detach(): void };

  constructor(
    host: AgentStreamHost,
    private readonly handler: CliHandler,
    private readonly options: ShimSessionsOptions = {},
  ) {
    this.link = host.attachAgentStreams({
      onFrame: (frame) => this.onFrame(frame),
      onRestart: () => this.closeAll(new EngineError('ABORTED', 'the guest agent restarted; the docker command was lost')),
    });
  }

  /** Sessions whose shim is still waiting for the engine. */
  get active(): number {
    return this.sessions.size;
  }

  /** Stop taking sessions; running ones are aborted. */
  dispose(): void {
    this.closeAll(new EngineError('ABORTED', 'the docker command channel was closed'));
    this.link.detach();
  }

  private onFrame(frame: Frame): void {
    const session = this.sessions.get(frame.stream);
    try {
      if (session) session.onFrame(frame);
      else if (frame.type === ShimFrameType.SHIM_OPEN) this.open(frame);
      else if (frame.type === ShimFrameType.SHIM_STDIN || frame.type === ShimFrameType.SHIM_CHILD_EXIT) {
        // A shim waiting for a session this side does not know (the engine was restarted under it): end it.
        this.link.send({ type: FrameType.STDERR, stream: frame.stream, payload: encoder.encode('docker: the engine restarted; this command was lost\n') });
        this.link.send({ type: ShimFrameType.SHIM_EXIT, stream: frame.stream, payload: encoder.encode('1') });
      }
      // ACKs and SHIM_CLOSED for sessions that are over race with their end: nothing to do.
    } catch (error) {
      this.options.onError?.(error instanceof EngineError ? error : new EngineError('PROTOCOL', String(error)));
    }
  }

  private open(frame: Frame): void {
    const session = new ShimSession(
      frame.stream,
      parseOpen(frame.payload),
      (f) => this.link.send(f),
      (s) => {
        if (this.sessions.get(s.stream) === s) this.sessions.delete(s.stream);
      },
    );
    this.sessions.set(frame.stream, session);
    let result: void | Promise<void>;
    try {
      result = this.handler(session);
    } catch (error) {
      return this.crashed(session, error);
    }
    if (result instanceof Promise) {
      result.then(
        () => {
          if (!session.hasExited) session.exit(0);
        },
        (error: unknown) => this.crashed(session, error),
      );
    }
  }

  /** The handler threw: tell the learner, as the docker CLI prints a daemon error, and exit 1. */
  private crashed(session: ShimSession, error: unknown): void {
    if (session.hasExited || session.signal.aborted) return;
    const message = error instanceof Error ? error.message : String(error);
    session.stderr(`docker: ${message}\n`);
    session.exit(1);
  }

  private closeAll(reason: EngineError): void {
    for (const session of [...this.sessions.values()]) session.close(reason);
  }
}
