// Host side of the control channel: requests to the in-guest agent (exec, files, resize, clock) over any byte transport.
import { EngineError, type EngineErrorCode } from '../../engine/errors.ts';
import { FrameDecoder, FrameType, MAX_PAYLOAD_BYTES, encodeFrame, frameTypeName, type Frame } from './frame-codec.ts';
import { concatBytes } from '../../engine/store/blob-backend.ts';

/** A bidirectional byte pipe to the agent (a virtio serial port in the machine, emulator/vm/virtio-port.ts; an in-memory fake in unit tests). */
export interface ByteTransport {
  send(bytes: Uint8Array): void;
  /** Subscribe to bytes from the agent; returns the disposer. */
  onBytes(listener: (bytes: Uint8Array) => void): () => void;
}

/** PROTOCOL.md: the host keeps at most 8 unacknowledged STDIN/DATA frames per stream. */
export const ACK_WINDOW = 8;
/**
 * Bytes per STDIN/DATA frame we send. The line (a virtio serial port) loses nothing: what the guest's receive buffers
 * (16 pages) do not hold waits in the worker, so a window is bounded by the frames, not by the guest. Half the
 * protocol's 64 KiB: a window is then 256 KiB, and every acknowledgement costs a round trip through the guest.
 */
export const SEND_CHUNK_BYTES = 32 * 1024;
/** Host-chosen stream ids are 1..0x7FFFFFFF (PROTOCOL.md). */
const MAX_HOST_STREAM = 0x7fffffff;
/** what a client taking over a restored line holds for streams not adopted yet (see AgentClient.held) */
const HELD_BYTES_LIMIT = 1 << 20;
const AGENT_STREAM_BIT = 0x80000000;
/** PROTOCOL.md "The docker shim": a shim's request, and the status it exits with */
const SHIM_OPEN = 0x40;
const SHIM_EXIT = 0x42;
/** What the agent sends: its own replies, and the shim's SHIM_OPEN, SHIM_STDIN, SHIM_CHILD_EXIT, SHIM_CLOSED */
const AGENT_FRAME_TYPES: ReadonlySet<number> = new Set([
  FrameType.HELLO, FrameType.PONG, FrameType.STARTED, FrameType.STDOUT, FrameType.STDERR, FrameType.EXIT, FrameType.ACK,
  FrameType.ERROR, FrameType.DATA, FrameType.END, FrameType.OK, 0x40, 0x41, 0x44, 0x45,
]);
/** How long a killed stream waits for its EXIT before it is forgotten. */
const KILLED_STREAM_GRACE_MS = 10_000;
export const SIGKILL = 9;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface ExitStatus {
  exitCode: number;
  /** set when the process was killed by a signal; exitCode is then 128 + signal, as a shell reports it */
  signal?: number;
}

export interface ExecResult extends ExitStatus {
  stdout: Uint8Array;
  stderr: Uint8Array;
}

export interface SpawnOptions {
  cwd?: string;
  /** the child's whole environment; when omitted the agent uses PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root */
  env?: Record<string, string>;
  /** stream stdin with write()/closeStdin(); without it the child's stdin is /dev/null */
  stdin?: boolean;
  /**
   * a pseudo-terminal (EXEC's `t` record): the child gets a console socket, over which drydock-init's `exec console`
   * step sends the master of the pty it opened; the master's output comes as STDOUT, stdin goes to it
   */
  tty?: boolean;
  onStdout?: (bytes: Uint8Array) => void;
  onStderr?: (bytes: Uint8Array) => void;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  stdin?: Uint8Array | string;
  /** kill the process group with SIGKILL after this long and reject with TIMEOUT */
  timeoutMs?: number;
  /** abort: SIGKILL, then reject with ABORTED */
  signal?: AbortSignal;
}

/** A running guest process started with spawn(). */
export interface AgentProcess {
  readonly stream: number;
  /** the pid, or null when the program could not be started (its exit then says 126/127) */
  readonly started: Promise<number | null>;
  /** resolves with the exit status after all output has been delivered */
  readonly exit: Promise<ExitStatus>;
  /** Queue stdin bytes; resolves once they are within the ACK window (backpressure). */
  write(data: Uint8Array | string): Promise<void>;
  /** Send EOF after any queued bytes. */
  closeStdin(): Promise<void>;
  /** Signal the process group (the agent runs each child in its own session). */
  kill(signal?: number): void;
  /** The window size of the process's pty (spawned with `tty`); kept by the agent until the pty has come. */
  resize(rows: number, cols: number): Promise<void>;
  /** Close the pty's master (spawned with `tty`), as a terminal window that closes: the kernel hangs the terminal
   *  up (SIGHUP to its session), and the exit follows. */
  hangUp(): void;
}

export interface AgentClientOptions {
  /** framing errors and frames for unknown streams, for logs */
  onProtocolError?: (error: EngineError) => void;
  /** frames on agent-chosen streams (top bit set): the docker shim's traffic, routed by a later layer */
  onAgentStream?: (frame: Frame) => void;
  /** the agent said HELLO without being asked: it (re)started and forgot every stream */
  onAgentRestart?: (version: string) => void;
  /**
   * The first host stream id: a client that takes over from another on a guest restored in place (no HELLO, so
   * the agent keeps the streams it had) starts past every id the agent may still hold.
   */
  firstStream?: number;
}

/** The layer that owns agent-chosen streams (the docker shim sessions). */
export interface AgentStreamListener {
  onFrame(frame: Frame): void;
  /** the agent restarted: its shim connections are gone */
  onRestart?(version: string): void;
}

type StreamHandler = {
  onFrame(frame: Frame): void;
  /** the channel was reset, closed or broke: settle with this error */
  fail(error: EngineError): void;
};

/** errno names the agent reports, mapped onto engine error codes */
function codeForErrno(errno: string): EngineErrorCode {
  switch (errno) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'NOT_FOUND';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'DENIED';
    case 'EEXIST':
    case 'EISDIR':
    case 'EBUSY':
      return 'CONFLICT';
    case 'EINVAL':
      return 'INVALID_ARGUMENT';
    case 'EPROTO':
      return 'PROTOCOL';
    default:
      return 'INTERNAL';
  }
}

/** An ERROR frame's payload, `<ERRNO_NAME> <message>`. */
export function parseAgentError(payload: Uint8Array): { errno: string; message: string } {
  const text = decoder.decode(payload);
  const space = text.indexOf(' ');
  return space < 0 ? { errno: text, message: '' } : { errno: text.slice(0, space), message: text.slice(space + 1) };
}

function agentError(what: string, payload: Uint8Array): EngineError {
  const { errno, message } = parseAgentError(payload);
  return new EngineError(codeForErrno(errno), `${what}: ${message || errno}`, { details: { errno } });
}

/** EXIT's payload, `exit <code>` or `signal <n>`. */
export function parseExit(payload: Uint8Array): ExitStatus {
  const text = decoder.decode(payload).trim();
  const match = /^(exit|signal) (\d+)$/.exec(text);
  if (!match) throw new EngineError('PROTOCOL', `malformed EXIT payload: ${JSON.stringify(text)}`);
  const n = Number(match[2]);
  return match[1] === 'exit' ? { exitCode: n } : { exitCode: 128 + n, signal: n };
}

/**
 * What Docker prints when a container's program cannot be started (runc's messages, without the daemon prefix),
 * and the exit status it gives: 127 for a missing program, 126 for one that cannot be executed.
 */
export function startFailure(argv0: string, errno: string): { exitCode: number; message: string } | null {
  switch (errno) {
    case 'ENOENT':
      return argv0.includes('/')
        ? { exitCode: 127, message: `exec: "${argv0}": stat ${argv0}: no such file or directory` }
        : { exitCode: 127, message: `exec: "${argv0}": executable file not found in $PATH` };
    case 'EACCES':
      return { exitCode: 126, message: `exec: "${argv0}": permission denied` };
    case 'ENOEXEC':
      return { exitCode: 126, message: `exec: "${argv0}": exec format error` };
    default:
      return null;
  }
}

function execPayload(argv: string[], options: SpawnOptions): Uint8Array {
  if (argv.length === 0) throw new EngineError('INVALID_ARGUMENT', 'exec needs at least one argument');
  const records: string[] = [];
  const add = (kind: string, value: string, what: string) => {
    if (value.includes('\0')) throw new EngineError('INVALID_ARGUMENT', `${what} contains a NUL byte: ${JSON.stringify(value)}`);
    records.push(`${kind}${value}\0`);
  };
  for (const arg of argv) add('a', arg, 'argument');
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (key === '' || key.includes('=')) throw new EngineError('INVALID_ARGUMENT', `invalid environment variable name: ${JSON.stringify(key)}`);
    add('e', `${key}=${value}`, 'environment variable');
  }
  if (options.cwd !== undefined) add('c', options.cwd, 'working directory');
  if (options.stdin) records.push('i\0');
  if (options.tty) records.push('t\0');
  const payload = encoder.encode(records.join(''));
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new EngineError('INVALID_ARGUMENT', `command line and environment exceed ${MAX_PAYLOAD_BYTES} bytes`);
  }
  return payload;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}


/**
 * Sends STDIN or DATA frames on one stream with at most ACK_WINDOW unacknowledged; write() resolves when the
 * bytes have been handed to the transport.
 */
class WindowedSender {
  private unacked = 0;
  private readonly queue: { frame: Frame; counted: boolean; done?: () => void }[] = [];
  private failure: EngineError | null = null;
  private readonly waiters = new Set<{ resolve: () => void; reject: (e: EngineError) => void }>();

  constructor(
    private readonly send: (frame: Frame) => void,
    private readonly stream: number,
    private readonly type: number,
  ) {}

  /** Queue bytes (split into chunks); resolves when all of them are sent. */
  write(bytes: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (bytes.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      this.waiters.add(waiter);
      for (let at = 0; at < bytes.length; at += SEND_CHUNK_BYTES) {
        const last = at + SEND_CHUNK_BYTES >= bytes.length;
        this.queue.push({
          frame: { type: this.type, stream: this.stream, payload: bytes.slice(at, at + SEND_CHUNK_BYTES) },
          counted: true,
          ...(last ? { done: () => { this.waiters.delete(waiter); resolve(); } } : {}),
        });
      }
      this.pump();
    });
  }

  /** Queue a frame that ends the data (STDIN EOF or END); `counted` when the agent ACKs it. */
  finish(frame: Frame, counted: boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      this.waiters.add(waiter);
      this.queue.push({ frame, counted, done: () => { this.waiters.delete(waiter); resolve(); } });
      this.pump();
    });
  }

  ack(): void {
    if (this.unacked > 0) this.unacked--;
    this.pump();
  }

  fail(error: EngineError): void {
    if (this.failure) return;
    this.failure = error;
    this.queue.length = 0;
    for (const w of this.waiters) w.reject(error);
    this.waiters.clear();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.failure) {
      const next = this.queue[0]!;
      if (next.counted && this.unacked >= ACK_WINDOW) return;
      this.queue.shift();
      if (next.counted) this.unacked++;
      this.send(next.frame);
      next.done?.();
    }
  }
}

export class AgentClient {
  private readonly decoder: FrameDecoder;
  private readonly streams = new Map<number, StreamHandler>();
  private nextStream: number;
  /** a HELLO has passed on this line since this client began: the agent no longer holds any earlier stream */
  private helloSeen = false;
  /**
   * A client taking over a restored line (firstStream): the frames for an earlier client's streams (ids below
   * firstStream) that nobody has adopted yet, by stream. The restored processes write and exit as soon as the guest
   * runs again, before the engine opened on the checkpoint has adopted them; adopt() replays what they sent, and
   * endAdoption() drops the rest. Null once adoption is over (or for a client that takes over nothing).
   */
  private held: Map<number, Frame[]> | null = null;
  private heldBytes = 0;
  private readonly adoptableBelow: number;
  private helloWaiters: ((version: string) => void)[] = [];
  private disposeTransport: () => void;
  private closed: EngineError | null = null;
  /** the version string of the last HELLO, e.g. "drydock-agent 1" */
  agentVersion: string | null = null;
  /** set by attachAgentStreams(): takes agent-chosen streams instead of options.onAgentStream */
  private agentStreams: AgentStreamListener | null = null;

  constructor(
    private readonly transport: ByteTransport,
    private readonly options: AgentClientOptions = {},
  ) {
    this.nextStream = options.firstStream !== undefined && options.firstStream >= 1 && options.firstStream <= MAX_HOST_STREAM ? options.firstStream : 1;
    this.adoptableBelow = this.nextStream;
    if (this.adoptableBelow > 1) this.held = new Map();
    this.decoder = new FrameDecoder({
      onFrame: (frame) => this.dispatch(frame),
      onError: (error) => {
        // Reported and skipped: the decoder is already at the next plausible header. Bytes between frames are not
        // the agent's (it writes whole frames), so the streams in flight go on; a reset here (HELLO, failing every
        // request) would let one stray byte from anything that reached the line take the channel down.
        this.options.onProtocolError?.(new EngineError('PROTOCOL', `control channel: ${error.message}`, { cause: error }));
      },
      // only headers of frames the agent sends (PROTOCOL.md): the rest is garbage to skip, not a frame to act on
      acceptHeader: (type, flags) => flags === 0 && AGENT_FRAME_TYPES.has(type),
    });
    this.disposeTransport = transport.onBytes((bytes) => this.decoder.push(bytes));
  }

  /**
   * Start a fresh session: the agent forgets all host streams and answers HELLO. Requests still pending on this
   * side are failed, as the agent will never finish them.
   */
  async hello(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
    this.assertOpen();
    this.failAll(new EngineError('ABORTED', 'the control channel was reset (HELLO) before this request finished'));
    const answer = new Promise<string>((resolve) => this.helloWaiters.push(resolve));
    this.sendFrame({ type: FrameType.HELLO, stream: 0, payload: new Uint8Array(0) });
    return this.withDeadline(answer, 'HELLO', options.timeoutMs ?? 10_000, options.signal);
  }

  /** Wait for the agent's unprompted HELLO (sent when it starts), or answer to ours. */
  waitForHello(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
    this.assertOpen();
    const answer = new Promise<string>((resolve) => this.helloWaiters.push(resolve));
    return this.withDeadline(answer, 'the agent to start', options.timeoutMs ?? 60_000, options.signal);
  }

  /** Round trip of a PING; resolves with the milliseconds it took. */
  ping(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<number> {
    const started = performance.now();
    const token = encoder.encode(`ping-${Math.floor(started * 1000)}`);
    return this.request(
      { type: FrameType.PING, payload: token },
      (frame, settle) => {
        if (frame.type === FrameType.PONG) settle.resolve(performance.now() - started);
        else settle.unexpected(frame);
      },
      'PING',
      options,
    );
  }

  /** Run argv, collecting its output; a missing or unrunnable program resolves with 127/126 like Docker. */
  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const stdout: Uint8Array[] = [];
    const stderr: Uint8Array[] = [];
    const spawnOptions: SpawnOptions = {
      onStdout: (b) => stdout.push(b),
      onStderr: (b) => stderr.push(b),
      stdin: options.stdin !== undefined,
    };
    if (options.cwd !== undefined) spawnOptions.cwd = options.cwd;
    if (options.env !== undefined) spawnOptions.env = options.env;
    if (options.signal?.aborted) throw new EngineError('ABORTED', `not started, aborted: ${argv.join(' ')}`);
    const proc = this.spawn(argv, spawnOptions);

    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      const stop = (code: EngineErrorCode, why: string) => {
        proc.kill(SIGKILL);
        reject(
          new EngineError(code, `${why}: ${argv.join(' ')}`, {
            details: { stdout: decoder.decode(concatBytes(stdout)), stderr: decoder.decode(concatBytes(stderr)) },
          }),
        );
      };
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => stop('TIMEOUT', `command timed out after ${options.timeoutMs} ms and was killed (SIGKILL)`), options.timeoutMs);
      }
      if (options.signal) {
        onAbort = () => stop('ABORTED', 'command aborted and killed (SIGKILL)');
        options.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    try {
      if (options.stdin !== undefined) {
        // Feed stdin in the background: a program may exit without reading it all.
        void proc
          .write(options.stdin)
          .then(() => proc.closeStdin())
          .catch(() => undefined);
      }
      const status = await Promise.race([proc.exit, stopped]);
      return { ...status, stdout: concatBytes(stdout), stderr: concatBytes(stderr) };
    } finally {
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Start argv and stream its output through callbacks (for interactive use, the docker shim, long builds). */
  spawn(argv: string[], options: SpawnOptions = {}): AgentProcess {
    this.assertOpen();
    const payload = execPayload(argv, options);
    const stream = this.allocateStream();
    const proc = this.track(stream, argv[0]!, options);
    this.sendFrame({ type: FrameType.EXEC, stream, payload });
    return proc;
  }

  /** The id a client taking over this line (restoreState in place) starts from: past every stream this one used. */
  get nextStreamId(): number {
    return this.nextStream;
  }

  /**
   * A process the agent started for an earlier client on this line (a guest restored in place, whose agent kept its
   * streams): its output, exit and stdin from now on, as spawn() gives them; `pid` is what its STARTED said then.
   * Undefined when a HELLO has passed since this client began (the agent forgot that stream) or the id is in use.
   */
  adopt(stream: number, pid: number, options: Omit<SpawnOptions, 'env' | 'cwd'> & { command?: string } = {}): AgentProcess | undefined {
    this.assertOpen();
    if (this.helloSeen || stream < 1 || stream > MAX_HOST_STREAM || this.streams.has(stream) || stream >= this.nextStream) return undefined;
    const proc = this.track(stream, options.command ?? `stream ${stream}`, options, pid);
    // what it sent before it was adopted, in order, before anything that comes after
    const held = this.held?.get(stream) ?? [];
    this.held?.delete(stream);
    for (const frame of held) {
      this.heldBytes -= frame.payload.length;
      this.streams.get(stream)?.onFrame(frame);
    }
    return proc;
  }

  /**
   * No earlier stream will be adopted any more (the engine has taken over what it knows of): frames held for the
   * others are dropped, and later ones are strays as for any unknown stream.
   */
  endAdoption(): void {
    this.held = null;
    this.heldBytes = 0;
  }

  private track(stream: number, command: string, options: SpawnOptions, pid?: number): AgentProcess {
    const argv = [command];
    const send = (frame: Frame) => this.sendFrame(frame);
    const stdin = new WindowedSender(send, stream, FrameType.STDIN);
    let stdinClosed = false;
    let finished = false;

    let resolveStarted!: (pid: number | null) => void;
    const started = new Promise<number | null>((r) => (resolveStarted = r));
    if (pid !== undefined) resolveStarted(pid);
    let resolveExit!: (status: ExitStatus) => void;
    let rejectExit!: (error: EngineError) => void;
    const exit = new Promise<ExitStatus>((resolve, reject) => {
      resolveExit = resolve;
      rejectExit = reject;
    });
    // The caller may only care about output callbacks; an unobserved failure must not crash the process.
    exit.catch(() => undefined);

    const end = () => {
      finished = true;
      this.streams.delete(stream);
      stdin.fail(new EngineError('CONFLICT', `process ${argv[0]} has exited; its stdin is closed`));
    };

    this.streams.set(stream, {
      onFrame: (frame) => {
        switch (frame.type) {
          case FrameType.STARTED:
            resolveStarted(Number(decoder.decode(frame.payload)));
            break;
          case FrameType.STDOUT:
            options.onStdout?.(frame.payload);
            break;
          case FrameType.STDERR:
            options.onStderr?.(frame.payload);
            break;
          case FrameType.ACK:
            stdin.ack();
            break;
          case FrameType.EXIT: {
            resolveStarted(null);
            end();
            try {
              resolveExit(parseExit(frame.payload));
            } catch (error) {
              rejectExit(error as EngineError);
            }
            break;
          }
          case FrameType.ERROR: {
            resolveStarted(null);
            end();
            const { errno, message } = parseAgentError(frame.payload);
            const failure = startFailure(argv[0]!, errno);
            if (failure) {
              options.onStderr?.(encoder.encode(`${failure.message}\n`));
              resolveExit({ exitCode: failure.exitCode });
            } else {
              rejectExit(new EngineError('EXEC_FAILED', `cannot run ${argv[0]}: ${errno} ${message}`, { details: { errno } }));
            }
            break;
          }
          default:
            this.reportStray(frame, `unexpected ${frameTypeName(frame.type)} on an exec stream`);
        }
      },
      fail: (error) => {
        resolveStarted(null);
        end();
        rejectExit(error);
      },
    });

    return {
      stream,
      started,
      exit,
      write: (data) => {
        if (!options.stdin) return Promise.reject(new EngineError('INVALID_ARGUMENT', 'spawned without stdin: true'));
        if (stdinClosed) return Promise.reject(new EngineError('CONFLICT', 'stdin is already closed'));
        return stdin.write(toBytes(data));
      },
      closeStdin: () => {
        if (!options.stdin || stdinClosed) return Promise.resolve();
        stdinClosed = true;
        // An empty STDIN frame is EOF; the agent ACKs it like any STDIN frame.
        return stdin.finish({ type: FrameType.STDIN, stream, payload: new Uint8Array(0) }, true);
      },
      resize: (rows, cols) => {
        if (!options.tty) return Promise.reject(new EngineError('INVALID_ARGUMENT', 'spawned without tty: true'));
        return this.resize(rows, cols, `@${stream}`);
      },
      hangUp: () => {
        if (!options.tty) throw new EngineError('INVALID_ARGUMENT', 'spawned without tty: true');
        if (finished || this.closed) return;
        this.sendFrame({ type: FrameType.HANGUP, stream, payload: new Uint8Array(0) });
      },
      kill: (signal = SIGKILL) => {
        if (finished || this.closed) return;
        this.sendFrame({ type: FrameType.KILL, stream, payload: encoder.encode(String(signal)) });
        if (signal === SIGKILL) {
          // If the EXIT never comes (agent gone), forget the stream eventually.
          setTimeout(() => {
            if (!finished) this.streams.get(stream)?.fail(new EngineError('TIMEOUT', `no EXIT after SIGKILL for ${argv[0]}`));
          }, KILLED_STREAM_GRACE_MS).unref?.();
        }
      },
    };
  }

  /**
   * A directory tree's entries, read by the agent itself (no process): NUL-terminated records as PROTOCOL.md's
   * LIST_TREE says, each with the same path's stat in the topmost of `lowers` that has it.
   */
  listTree(root: string, lowers: readonly string[] = [], options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    return this.request(
      { type: FrameType.LIST_TREE, payload: encoder.encode([root, ...lowers].join('\0')) },
      (frame, settle) => {
        if (frame.type === FrameType.DATA) chunks.push(frame.payload);
        else if (frame.type === FrameType.END) settle.resolve(concatBytes(chunks));
        else settle.unexpected(frame);
      },
      `list ${root}`,
      options,
    );
  }

  /** The contents of a file anywhere in the guest. */
  readFile(path: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    return this.request(
      { type: FrameType.READ_FILE, payload: encoder.encode(path) },
      (frame, settle) => {
        if (frame.type === FrameType.DATA) chunks.push(frame.payload);
        else if (frame.type === FrameType.END) settle.resolve(concatBytes(chunks));
        else settle.unexpected(frame);
      },
      `read ${path}`,
      options,
    );
  }

  /** Write a file anywhere in the guest, atomically (the agent renames a temporary file into place). */
  async writeFile(path: string, data: Uint8Array | string, options: { mode?: number; signal?: AbortSignal } = {}): Promise<void> {
    const mode = options.mode ?? 0o644;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new EngineError('INVALID_ARGUMENT', `invalid file mode ${mode}`);
    const bytes = toBytes(data);
    if (options.signal?.aborted) throw new EngineError('ABORTED', `write ${path}: aborted`);
    let sender!: WindowedSender;
    let stream = 0;
    const done = this.request(
      { type: FrameType.WRITE_FILE, payload: encoder.encode(`${mode.toString(8)} ${path}`) },
      (frame, settle) => {
        if (frame.type === FrameType.ACK) sender.ack();
        else if (frame.type === FrameType.OK) settle.resolve(undefined);
        else settle.unexpected(frame);
      },
      `write ${path}`,
      options,
      (id) => {
        stream = id;
        sender = new WindowedSender((f) => this.sendFrame(f), id, FrameType.DATA);
      },
      (error) => sender.fail(error),
    );
    // If the agent refuses early (ERROR), `done` rejects and the sender stops; that rejection is the one we report.
    const sent = sender
      .write(bytes)
      .then(() => sender.finish({ type: FrameType.END, stream, payload: new Uint8Array(0) }, false))
      .catch(() => undefined);
    await Promise.all([sent, done]);
  }

  /** Set a terminal's size (TIOCSWINSZ); the kernel sends SIGWINCH to its foreground process group. */
  resize(rows: number, cols: number, tty: string): Promise<void> {
    for (const [name, v] of [['rows', rows], ['cols', cols]] as const) {
      if (!Number.isInteger(v) || v < 1 || v > 0xffff) throw new EngineError('INVALID_ARGUMENT', `invalid terminal ${name}: ${v}`);
    }
    return this.simple(FrameType.RESIZE, `${rows} ${cols} ${tty}`, `resize ${tty}`);
  }

  /** Set the guest's wall clock (a restored snapshot wakes up with the time it was saved at). */
  setTime(date: Date): Promise<void> {
    const ms = date.getTime();
    if (!Number.isFinite(ms) || ms < 0) throw new EngineError('INVALID_ARGUMENT', `invalid date: ${String(date)}`);
    const seconds = Math.floor(ms / 1000);
    const nanoseconds = (ms - seconds * 1000) * 1_000_000;
    return this.simple(FrameType.SET_TIME, `${seconds} ${nanoseconds}`, 'set the guest clock');
  }

  /**
   * Route frames on agent-chosen streams (top bit set, the docker shim) to `listener`; returns a sender for frames
   * on those streams and a disposer. One listener at a time.
   */
  attachAgentStreams(listener: AgentStreamListener): { send(frame: Frame): void; detach(): void } {
    if (this.agentStreams) throw new EngineError('CONFLICT', 'agent-chosen streams already have a listener');
    this.agentStreams = listener;
    return {
      send: (frame) => {
        if ((frame.stream & AGENT_STREAM_BIT) === 0) throw new EngineError('INVALID_ARGUMENT', `stream ${frame.stream} is not agent-chosen`);
        this.sendFrame(frame);
      },
      detach: () => {
        if (this.agentStreams === listener) this.agentStreams = null;
      },
    };
  }

  /** Stop listening and fail everything pending. */
  close(reason = 'the control channel was closed'): void {
    if (this.closed) return;
    this.closed = new EngineError('ABORTED', reason);
    this.disposeTransport();
    this.disposeTransport = () => undefined;
    this.endAdoption();
    this.failAll(this.closed);
  }

  /** Streams that are waiting for the agent (for tests and diagnostics). */
  get pendingStreams(): number {
    return this.streams.size;
  }

  private simple(type: number, text: string, what: string): Promise<void> {
    return this.request(
      { type, payload: encoder.encode(text) },
      (frame, settle) => (frame.type === FrameType.OK ? settle.resolve(undefined) : settle.unexpected(frame)),
      what,
      { timeoutMs: 10_000 },
    );
  }

  /**
   * One request on a new stream. `onFrame` sees every frame but ERROR, which rejects with the agent's errno mapped
   * to an engine error code.
   */
  private request<T>(
    first: { type: number; payload: Uint8Array },
    onFrame: (frame: Frame, settle: { resolve(value: T): void; unexpected(frame: Frame): void }) => void,
    what: string,
    options: { timeoutMs?: number; signal?: AbortSignal },
    beforeSend?: (stream: number) => void,
    onFail?: (error: EngineError) => void,
  ): Promise<T> {
    this.assertOpen();
    if (options.signal?.aborted) return Promise.reject(new EngineError('ABORTED', `${what}: aborted`));
    const stream = this.allocateStream();
    const result = new Promise<T>((resolve, reject) => {
      const finish = (error: EngineError | null, value?: T) => {
        this.streams.delete(stream);
        if (error) {
          onFail?.(error);
          reject(error);
        } else resolve(value as T);
      };
      const settle = {
        resolve: (value: T) => finish(null, value),
        unexpected: (frame: Frame) =>
          finish(new EngineError('PROTOCOL', `${what}: unexpected ${frameTypeName(frame.type)} from the agent`)),
      };
      this.streams.set(stream, {
        onFrame: (frame) => {
          if (frame.type === FrameType.ERROR) finish(agentError(what, frame.payload));
          else onFrame(frame, settle);
        },
        fail: (error) => finish(error),
      });
    });
    beforeSend?.(stream);
    this.sendFrame({ type: first.type, stream, payload: first.payload });
    return this.withDeadline(result, what, options.timeoutMs, options.signal, () => {
      this.streams.get(stream)?.fail(new EngineError('ABORTED', `${what}: abandoned`));
    });
  }

  private withDeadline<T>(
    promise: Promise<T>,
    what: string,
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
    onGiveUp?: () => void,
  ): Promise<T> {
    if (timeoutMs === undefined && !signal) return promise;
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const giveUp = (error: EngineError) => {
        cleanup();
        reject(error);
        onGiveUp?.();
      };
      const onAbort = () => giveUp(new EngineError('ABORTED', `${what}: aborted`));
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => giveUp(new EngineError('TIMEOUT', `${what}: no answer from the agent within ${timeoutMs} ms`)), timeoutMs);
      }
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (v) => {
          cleanup();
          resolve(v);
        },
        (e: unknown) => {
          cleanup();
          reject(e);
        },
      );
    });
  }

  private dispatch(frame: Frame): void {
    if (frame.type === FrameType.HELLO) {
      this.helloSeen = true;
      this.endAdoption();
      const version = decoder.decode(frame.payload);
      this.agentVersion = version;
      const waiters = this.helloWaiters;
      this.helloWaiters = [];
      if (waiters.length === 0) {
        // Unprompted: the agent (re)started and forgot our streams.
        this.failAll(new EngineError('PROTOCOL', `the agent restarted (${version}); the request was lost`));
        this.options.onAgentRestart?.(version);
        this.agentStreams?.onRestart?.(version);
      }
      for (const w of waiters) w(version);
      return;
    }
    if ((frame.stream & AGENT_STREAM_BIT) !== 0) {
      if (this.agentStreams) this.agentStreams.onFrame(frame);
      else if (this.options.onAgentStream) this.options.onAgentStream(frame);
      else if (frame.type === SHIM_OPEN) {
        // No engine is attached: the guest's `docker` says what the docker CLI says without a daemon.
        const message = 'Cannot connect to the Docker daemon at unix:///run/drydock/engine.sock. Is the docker daemon running?\n';
        this.sendFrame({ type: FrameType.STDERR, stream: frame.stream, payload: encoder.encode(message) });
        this.sendFrame({ type: SHIM_EXIT, stream: frame.stream, payload: encoder.encode('1') });
      } else if (frame.type !== FrameType.ACK) this.reportStray(frame, 'frame on an agent-chosen stream, and no handler for those');
      return;
    }
    const handler = this.streams.get(frame.stream);
    if (handler) handler.onFrame(frame);
    else if (this.held && frame.stream < this.adoptableBelow && this.heldBytes + frame.payload.length <= HELD_BYTES_LIMIT) {
      const frames = this.held.get(frame.stream) ?? [];
      if (frames.length === 0) this.held.set(frame.stream, frames);
      frames.push(frame);
      this.heldBytes += frame.payload.length;
    }
    // A PONG after its PING timed out is expected when the guest was slow; not worth a log line.
    else if (frame.type !== FrameType.PONG) this.reportStray(frame, 'frame for an unknown stream');
  }

  private reportStray(frame: Frame, why: string): void {
    const detail = frame.type === FrameType.ERROR ? `: ${decoder.decode(frame.payload)}` : '';
    this.options.onProtocolError?.(
      new EngineError('PROTOCOL', `${why} (${frameTypeName(frame.type)} on stream ${frame.stream}${detail})`),
    );
  }

  private failAll(error: EngineError): void {
    const handlers = [...this.streams.values()];
    this.streams.clear();
    for (const h of handlers) h.fail(error);
  }

  private allocateStream(): number {
    // Skip ids still in use after a wrap-around (a long-lived session).
    for (;;) {
      const id = this.nextStream;
      this.nextStream = id >= MAX_HOST_STREAM ? 1 : id + 1;
      if (!this.streams.has(id)) return id;
    }
  }

  private sendFrame(frame: Frame): void {
    if (this.closed) return;
    this.transport.send(encodeFrame(frame));
  }

  private assertOpen(): void {
    if (this.closed) throw this.closed;
  }
}
