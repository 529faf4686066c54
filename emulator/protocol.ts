// The one typed contract between the UI (web/) and the emulator worker (emulator/vm/worker.ts).
// Types only: web/ imports this module, never the worker's implementation.

/** What the boot is doing, for the progress bar. Bytes are what was fetched over the network. */
export interface BootProgress {
  phase: 'download' | 'restore' | 'boot' | 'ready' | 'failed';
  /** bytes downloaded so far / expected (0 when unknown) */
  loadedBytes: number;
  totalBytes: number;
  /** human-readable line for the UI, e.g. "Restoring snapshot" or "Snapshot corrupt: cold boot" */
  message: string;
}

export interface StartOptions {
  /** Absolute URL of the directory holding public/guest/ files, e.g. `new URL('guest/', document.baseURI).href`
   *  (a relative URL would resolve against the worker script's URL, not the page's). The engine finds the
   *  app's static registry (public/registry) next to it: `new URL('../registry/', guestBaseUrl)`. */
  guestBaseUrl: string;
  /** terminal bytes: the worker posts Uint8Array chunks (transferred) for the learner's console and
   *  receives Uint8Array chunks (or strings) typed by the learner. A MessagePort must be transferred:
   *  `api.start(Comlink.transfer(options, [port]), Comlink.proxy(onProgress), Comlink.proxy(onHealth))`. */
  terminal: MessagePort;
  /** initial terminal size */
  cols: number;
  rows: number;
  /** skip the snapshot and cold-boot (used by tests and the "cold boot" bench) */
  coldBoot?: boolean;
}

export interface StartResult {
  /** true when the machine came from the prebuilt snapshot, false on a cold boot */
  fromSnapshot: boolean;
  /** why the snapshot was not used, when it was not */
  snapshotProblem?: string;
  /** ms from start() to the agent's first reply */
  readyMs: number;
  bytesDownloaded: number;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  stdin?: Uint8Array | string;
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  /** set when the process was killed by a signal (exitCode is then 128 + signal) */
  signal?: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

export interface EngineResponse {
  status: number;
  /** the response body as text (JSON for the Engine API's inspect and list endpoints) */
  body: string;
}

/** How a terminal tab's shell ended: by itself (`exit`, a signal), or with the machine it ran on (restart, reset, stop). */
export interface ShellEnd {
  cause: 'exited' | 'machine';
  /** "exit 0", "signal 9", or what happened to the machine */
  message: string;
}

export type MachineHealth = 'starting' | 'ready' | 'hung' | 'stopped';

/** One entry of EmulatorApi.shareTree: `path` is relative to the listed folder ("src/index.js"). */
export interface ShareTreeEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  /** seconds since the epoch (9p keeps whole seconds) */
  mtime: number;
  /** content hash of files up to 1 MiB: changes whenever the bytes do, unlike mtime within one second */
  hash?: string;
}

export interface ShareTreeOptions {
  /** names skipped at any depth, e.g. ["node_modules", ".git"] */
  exclude?: string[];
  /** stop listing after this many entries (default 5000) */
  maxEntries?: number;
}

/** An HTTP request for a port of the machine, as the service worker received it for `<base>/ports/<port>/<path>`. */
export interface PortHttpRequest {
  /** the port on the machine's eth0 (a published host port) */
  port: number;
  method: string;
  /** what the guest's server sees: `/index.html?x=1`, without the `/ports/<port>` prefix */
  target: string;
  headers: [string, string][];
  body?: Uint8Array;
}

/** Why a port request got no response from the guest; `status` is the HTTP status the page shows for it. */
export type PortErrorCode =
  /** nothing listens on the port (the guest answered the SYN with RST) */
  | 'REFUSED'
  /** no answer to the connection, or no response within the time allowed */
  | 'TIMEOUT'
  /** the server's bytes are not an HTTP/1.x response, or it closed the connection early */
  | 'BAD_RESPONSE'
  /** the response arrived faster than the page read it, past the worker's bound */
  | 'OVERFLOW'
  /** the machine stopped, restarted or is not running */
  | 'NO_MACHINE';

/** Worker -> service worker, on the response port. Body chunks are transferred. */
export type PortResponseMessage =
  | { type: 'head'; status: number; statusText: string; headers: [string, string][]; hasBody: boolean }
  | { type: 'body'; bytes: Uint8Array }
  | { type: 'end' }
  | { type: 'error'; code: PortErrorCode; status: number; message: string };

/** Service worker -> worker: `more` when its stream wants more body (the worker then posts up to a window more),
 *  `cancel` when the reader went away. */
export type PortReaderMessage = { type: 'more' } | { type: 'cancel' };

/** The worker's API, exposed with Comlink. Every method may reject with an EngineError-shaped error. */
export interface EmulatorApi {
  start(options: StartOptions, onProgress: (p: BootProgress) => void, onHealth: (h: MachineHealth) => void): Promise<StartResult>;
  /** Resize the learner's terminal (TIOCSWINSZ on the guest console). */
  resize(cols: number, rows: number): Promise<void>;
  /** Another shell on the machine (a terminal tab): root's login shell on a pty of its own, the console's environment.
   *  Its bytes go both ways over `terminal` (a transferred MessagePort, Uint8Array chunks). Resolves with its id once
   *  it runs; `onEnd` is told once if it ends by itself (`exit 0`) or with the machine (restart, reset, stop), never
   *  after closeShell. */
  openShell(terminal: MessagePort, cols: number, rows: number, onEnd: (end: ShellEnd) => void): Promise<number>;
  /** TIOCSWINSZ on a shell's pty (its foreground job gets SIGWINCH). */
  resizeShell(id: number, cols: number, rows: number): Promise<void>;
  /** Hangs a shell's terminal up, as closing a terminal window does: its session gets SIGHUP. */
  closeShell(id: number): Promise<void>;
  /** Run argv in the guest over the control channel; never touches the learner's terminal. */
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Read / write a file anywhere in the guest through the agent. */
  readGuestFile(path: string): Promise<Uint8Array>;
  writeGuestFile(path: string, data: Uint8Array, mode?: number): Promise<void>;
  /** Files in the 9p share (seen by the guest under /mnt/host), read and written directly in JS. */
  writeShareFile(path: string, data: Uint8Array): Promise<void>;
  readShareFile(path: string): Promise<Uint8Array>;
  listShare(path: string): Promise<{ name: string; isDirectory: boolean; size: number }[]>;
  /** Every entry under a share folder, recursively, with content hashes: the editor polls it to see guest-made changes.
   *  A missing folder lists as empty. */
  shareTree(path: string, options?: ShareTreeOptions): Promise<ShareTreeEntry[]>;
  /** rm -r of a share path; a missing path is not an error. */
  removeSharePath(path: string): Promise<void>;
  /** mkdir -p in the share. */
  makeShareDirectory(path: string): Promise<void>;
  /** A Docker Engine API request (`GET /containers/web/json`) answered by the attached engine in the worker, without
   *  HTTP or the guest: lesson checks and inspectors read the engine's model this way. */
  engineRequest(method: string, path: string, body?: string): Promise<EngineResponse>;
  /** Saves the machine (VM memory and 9p share) and the engine's state documents together, in the worker's memory.
   *  Resolves with the checkpoint's id (valid until the worker ends). Callers keep the control channel idle meanwhile. */
  saveCheckpoint(): Promise<string>;
  /** Returns the machine and the engine together to a checkpoint from saveCheckpoint() (a lesson's "Reset"). */
  restoreCheckpoint(id: string): Promise<StartResult>;
  /** Forwards an HTTP request to a port of the guest over TCP; the response comes back as PortResponseMessages on
   *  `response` (a transferred MessagePort, usually the service worker's own), which also carries the reader's
   *  PortReaderMessages. Resolves once the request is under way; failures arrive as an `error` message. */
  forwardHttp(request: PortHttpRequest, response: MessagePort): Promise<void>;
  /** Throw the machine away and restore the snapshot again. */
  restart(): Promise<StartResult>;
  stop(): Promise<void>;
}
