// One invocation of `docker ...` typed in the guest, as the engine sees it: argv in, bytes and an exit status out.
// The VM side adapts the agent's shim streams (PROTOCOL.md, 0x40-0x4F) into this; tests use an in-memory one.

export interface TtySize {
  rows: number;
  cols: number;
}

export interface SpawnRequest {
  argv: string[];
  env?: string[];
  cwd?: string;
}

/** How a spawned process ended: a normal exit code, or the signal that killed it. */
export type ProcessEnd = { exitCode: number } | { signal: number };

export interface CliSession {
  /** arguments after `docker` */
  readonly argv: readonly string[];
  /** the shim's working directory in the guest (build contexts, `--env-file`, `cp`) */
  readonly cwd: string;
  /** the shim's environment (the docker CLI's: `-e NAME` and env-file lines with only a name read it) */
  readonly env: Readonly<Record<string, string>>;
  /** set when the shim's stdin is a terminal */
  readonly tty?: TtySize;
  /** true when the shim has a readable stdin (a tty or a pipe) */
  readonly hasStdin: boolean;
  /** the shim's stdin; ends at EOF. Empty at once when hasStdin is false */
  readonly stdin: ReadableStream<Uint8Array>;
  stdout(data: Uint8Array | string): void;
  stderr(data: Uint8Array | string): void;
  /** Run argv in the guest as a child of the shim, owning the shim's stdio (the learner's terminal for
   *  `docker run -it`), and resolve when it ends. */
  spawn(request: SpawnRequest): Promise<ProcessEnd>;
  /** Puts the shim's terminal in raw mode (the docker CLI's SetRawTerminal: no echo, no line editing, ^C a byte) or
   *  back to how it was, after the output sent before; absent where there is no terminal to change */
  rawTerminal?(raw: boolean): void;
  /** Aborted when the shim goes away (Ctrl-C, killed) */
  readonly signal: AbortSignal;
  /** End the session: the shim exits with this status. Called exactly once. */
  exit(status: number): void;
}
