// An in-memory stand-in for the guest agent, speaking PROTOCOL.md, for unit tests of code above the channel.
import { FrameDecoder, FrameType, encodeFrame, type Frame } from './frame-codec.ts';
import type { ByteTransport } from './agent-client.ts';
import { concatBytes } from '../../engine/store/blob-backend.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a fake program sees; it answers by calling the methods. */
export interface FakeProcess {
  argv: string[];
  env: string[];
  cwd: string;
  stdout(text: string | Uint8Array): void;
  stderr(text: string | Uint8Array): void;
  exit(code: number): void;
  /** resolves with all stdin once EOF arrives */
  stdin(): Promise<Uint8Array>;
  /** signals received by KILL, newest last */
  signals: number[];
  /** HANGUP came (a terminal's master closed): the process then exits as a shell that got SIGHUP under drydock-init */
  hungUp: boolean;
  onSignal?: (signal: number) => void;
}

export type FakeProgram = (proc: FakeProcess) => void | Promise<void>;

export interface FakeAgentOptions {
  /** programs by argv[0]; others fail with ENOENT */
  programs?: Record<string, FakeProgram>;
  /** cut bytes sent to the host into pieces of at most this size, to exercise reassembly */
  chunkBytes?: number;
  /** don't ACK STDIN/DATA frames (to test the window) */
  withholdAcks?: boolean;
}

export class FakeAgent {
  readonly files = new Map<string, { data: Uint8Array; mode: number }>();
  readonly received: Frame[] = [];
  clock: { seconds: number; nanoseconds: number } | null = null;
  readonly sizes: string[] = [];
  /** when false the agent reads frames but answers nothing (a hung guest) */
  responsive = true;
  private hostListeners = new Set<(bytes: Uint8Array) => void>();
  private readonly decoder: FrameDecoder;
  private readonly stdinBuffers = new Map<number, { chunks: Uint8Array[]; eof: boolean; waiters: (() => void)[] }>();
  private readonly processes = new Map<number, FakeProcess>();
  private readonly writes = new Map<number, { path: string; mode: number; chunks: Uint8Array[] }>();
  private nextPid = 100;
  /** ACKs not yet sent while withholdAcks is set */
  heldAcks: number[] = [];

  /** The host's end of the link. */
  readonly transport: ByteTransport = {
    send: (bytes) => {
      const copy = bytes.slice();
      queueMicrotask(() => this.decoder.push(copy));
    },
    onBytes: (listener) => {
      this.hostListeners.add(listener);
      return () => this.hostListeners.delete(listener);
    },
  };

  constructor(private readonly options: FakeAgentOptions = {}) {
    this.decoder = new FrameDecoder({
      onFrame: (frame) => {
        this.received.push(frame);
        if (this.responsive) this.handle(frame);
      },
      onError: () => undefined,
    });
  }

  /** Bytes from the "guest" to the host, possibly cut into pieces. */
  emitRaw(bytes: Uint8Array): void {
    const size = this.options.chunkBytes ?? bytes.length;
    for (let at = 0; at < bytes.length; at += Math.max(1, size)) {
      const piece = bytes.slice(at, at + Math.max(1, size));
      for (const l of this.hostListeners) l(piece);
    }
  }

  send(type: number, stream: number, payload: Uint8Array | string = new Uint8Array(0)): void {
    this.emitRaw(encodeFrame({ type, stream, payload: typeof payload === 'string' ? encoder.encode(payload) : payload }));
  }

  /** Release withheld ACKs. */
  releaseAcks(): void {
    const held = this.heldAcks;
    this.heldAcks = [];
    for (const stream of held) this.send(FrameType.ACK, stream);
  }

  private ack(stream: number): void {
    if (this.options.withholdAcks) this.heldAcks.push(stream);
    else this.send(FrameType.ACK, stream);
  }

  private handle(frame: Frame): void {
    const { stream, payload } = frame;
    const text = () => decoder.decode(payload);
    switch (frame.type) {
      case FrameType.HELLO:
        this.stdinBuffers.clear();
        this.processes.clear();
        this.writes.clear();
        this.send(FrameType.HELLO, stream, 'drydock-agent 1');
        break;
      case FrameType.PING:
        this.send(FrameType.PONG, stream, payload);
        break;
      case FrameType.EXEC:
        this.exec(stream, payload);
        break;
      case FrameType.STDIN: {
        const buffer = this.stdinBuffers.get(stream);
        if (!buffer) return this.send(FrameType.ERROR, stream, 'EBADF no such stream');
        if (payload.length === 0) buffer.eof = true;
        else buffer.chunks.push(payload);
        this.ack(stream);
        for (const w of buffer.waiters.splice(0)) w();
        break;
      }
      case FrameType.KILL: {
        const proc = this.processes.get(stream);
        if (!proc) return;
        const signal = Number(text());
        proc.signals.push(signal);
        if (proc.onSignal) proc.onSignal(signal);
        else if (signal === 9) this.finish(stream, `signal 9`);
        break;
      }
      case FrameType.HANGUP: {
        const proc = this.processes.get(stream);
        if (!proc) return;
        proc.hungUp = true;
        this.finish(stream, 'exit 129'); // drydock-init's fork: 128 + SIGHUP
        break;
      }
      case FrameType.READ_FILE: {
        const file = this.files.get(text());
        if (!file) return this.send(FrameType.ERROR, stream, `ENOENT No such file or directory: ${text()}`);
        for (let at = 0; at < file.data.length; at += 65536) this.send(FrameType.DATA, stream, file.data.slice(at, at + 65536));
        this.send(FrameType.END, stream);
        break;
      }
      case FrameType.WRITE_FILE: {
        const [mode, ...rest] = text().split(' ');
        const path = rest.join(' ');
        if (path.startsWith('/readonly/')) return this.send(FrameType.ERROR, stream, `EROFS Read-only file system: ${path}`);
        this.writes.set(stream, { path, mode: parseInt(mode!, 8), chunks: [] });
        break;
      }
      case FrameType.DATA: {
        this.writes.get(stream)?.chunks.push(payload);
        this.ack(stream);
        break;
      }
      case FrameType.END: {
        const w = this.writes.get(stream);
        if (!w) return;
        this.writes.delete(stream);
        this.files.set(w.path, { data: concatBytes(w.chunks), mode: w.mode });
        this.send(FrameType.OK, stream);
        break;
      }
      case FrameType.RESIZE:
        this.sizes.push(text());
        this.send(FrameType.OK, stream);
        break;
      case FrameType.SET_TIME: {
        const [seconds, nanoseconds] = text().split(' ').map(Number);
        this.clock = { seconds: seconds!, nanoseconds: nanoseconds! };
        this.send(FrameType.OK, stream);
        break;
      }
      default:
        this.send(FrameType.ERROR, stream, `EPROTO unknown frame type 0x${frame.type.toString(16)}`);
    }
  }

  private exec(stream: number, payload: Uint8Array): void {
    const records = decoder.decode(payload).split('\0').filter((r) => r.length > 0);
    const argv = records.filter((r) => r[0] === 'a').map((r) => r.slice(1));
    const env = records.filter((r) => r[0] === 'e').map((r) => r.slice(1));
    const cwd = records.find((r) => r[0] === 'c')?.slice(1) ?? '/';
    const hasStdin = records.includes('i');
    const program = this.options.programs?.[argv[0] ?? ''];
    if (!program) return this.send(FrameType.ERROR, stream, `ENOENT No such file or directory: ${argv[0]}`);
    const buffer = { chunks: [] as Uint8Array[], eof: !hasStdin, waiters: [] as (() => void)[] };
    this.stdinBuffers.set(stream, buffer);
    const proc: FakeProcess = {
      argv,
      env: env.length > 0 ? env : ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'],
      cwd,
      signals: [],
      hungUp: false,
      stdout: (t) => this.processes.has(stream) && this.send(FrameType.STDOUT, stream, t),
      stderr: (t) => this.processes.has(stream) && this.send(FrameType.STDERR, stream, t),
      exit: (code) => this.finish(stream, `exit ${code}`),
      stdin: async () => {
        while (!buffer.eof) await new Promise<void>((r) => buffer.waiters.push(r));
        return concatBytes(buffer.chunks);
      },
    };
    this.processes.set(stream, proc);
    this.send(FrameType.STARTED, stream, String(this.nextPid++));
    void program(proc);
  }

  private finish(stream: number, status: string): void {
    if (!this.processes.delete(stream)) return;
    this.stdinBuffers.delete(stream);
    this.send(FrameType.EXIT, stream, status);
  }
}

