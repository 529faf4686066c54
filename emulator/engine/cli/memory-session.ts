// A CliSession in memory (tests, and running `docker ...` from the UI without a guest shim): stdin from a
// string, stdout/stderr collected, the exit status as a promise.
import type { CliSession, ProcessEnd, SpawnRequest, TtySize } from './cli-session.ts';

export class MemorySession implements CliSession {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly tty?: TtySize;
  readonly hasStdin: boolean;
  readonly stdin: ReadableStream<Uint8Array>;
  readonly signal: AbortSignal;
  readonly controller = new AbortController();
  #out = '';
  #err = '';
  readonly #decoder = new TextDecoder();
  readonly exited: Promise<number>;
  #resolveExit!: (status: number) => void;

  constructor(argv: readonly string[], options: { stdin?: string; tty?: TtySize; cwd?: string; env?: Record<string, string> } = {}) {
    this.argv = argv;
    this.cwd = options.cwd ?? '/';
    this.env = options.env ?? {};
    if (options.tty) this.tty = options.tty;
    this.hasStdin = options.stdin !== undefined || options.tty !== undefined;
    const bytes = new TextEncoder().encode(options.stdin ?? '');
    this.stdin = new ReadableStream({
      start(c) {
        if (bytes.length) c.enqueue(bytes);
        c.close();
      },
    });
    this.signal = this.controller.signal;
    this.exited = new Promise((resolve) => (this.#resolveExit = resolve));
  }

  get stdoutText(): string {
    return this.#out;
  }

  get stderrText(): string {
    return this.#err;
  }

  stdout(data: Uint8Array | string): void {
    this.#out += typeof data === 'string' ? data : this.#decoder.decode(data);
  }

  stderr(data: Uint8Array | string): void {
    this.#err += typeof data === 'string' ? data : this.#decoder.decode(data);
  }

  async spawn(_request: SpawnRequest): Promise<ProcessEnd> {
    throw new Error('MemorySession has no guest to spawn processes in');
  }

  exit(status: number): void {
    this.#resolveExit(status);
  }
}
