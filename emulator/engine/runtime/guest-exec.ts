// What the runtime needs from the guest: run an argv and collect its output, or start one and stream it.
// The agent client (emulator/vm/channel/agent-client.ts) satisfies it structurally; tests can fake it.

export interface GuestExitStatus {
  exitCode: number;
  /** set when a signal ended the process; exitCode is then 128 + signal, as a shell reports it */
  signal?: number;
}

export interface GuestExecResult extends GuestExitStatus {
  stdout: Uint8Array;
  stderr: Uint8Array;
}

export interface GuestProcess {
  /** the agent's id for it (its stream on the control channel): what adopt() takes after a checkpoint restore */
  readonly stream?: number;
  /** the guest pid, or null when the program could not be started */
  readonly started: Promise<number | null>;
  readonly exit: Promise<GuestExitStatus>;
  kill(signal?: number): void;
  /** stdin bytes, for a process spawned with `stdin: true`; resolves once the guest has room for them */
  write?(data: Uint8Array | string): Promise<void>;
  /** EOF on the process's stdin */
  closeStdin?(): Promise<void>;
  /** the window size of the pseudo-terminal of a process spawned with `tty: true` (TIOCSWINSZ: SIGWINCH in it) */
  resize?(rows: number, cols: number): Promise<void>;
}

export interface GuestExec {
  exec(argv: string[], options?: { timeoutMs?: number; env?: Record<string, string>; stdin?: Uint8Array | string }): Promise<GuestExecResult>;
  spawn(
    argv: string[],
    options?: {
      env?: Record<string, string>;
      onStdout?: (bytes: Uint8Array) => void;
      onStderr?: (bytes: Uint8Array) => void;
      stdin?: boolean;
      /** a pseudo-terminal: drydock-init's `exec console` step opens it in the container and hands it back; its output is onStdout */
      tty?: boolean;
    },
  ): GuestProcess;
  /**
   * A process an earlier engine spawned in this guest, taken over after the guest was restored to a checkpoint in
   * place (its agent kept the stream): its output and exit from now on. Undefined when the guest no longer has
   * that stream (a new boot, or a restore that reset the channel).
   */
  adopt?(stream: number, pid: number, options?: { onStdout?: (bytes: Uint8Array) => void; onStderr?: (bytes: Uint8Array) => void; stdin?: boolean; tty?: boolean }): GuestProcess | undefined;
  writeFile(path: string, data: Uint8Array | string, options?: { mode?: number }): Promise<void>;
  /** a small guest file's bytes (over the agent's serial line: kilobytes, not megabytes) */
  readFile?(path: string): Promise<Uint8Array>;
  /** a directory tree's entries and their stat in the topmost of `lowers` with the same path, read by the agent
   *  without a process (containers/upper-tree.ts reads them) */
  listTree?(root: string, lowers?: readonly string[]): Promise<Uint8Array>;
}
