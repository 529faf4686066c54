// More shells on the machine beside the console (the page's terminal tabs): each a root login shell on a pty of its
// own, started by the agent and relayed on its control channel as a terminal stream (PROTOCOL.md "Terminals").
import { ALL_CAPABILITIES } from '../engine/containers/capabilities.ts';
import { EngineError } from '../engine/errors.ts';
import { concatBytes } from '../engine/store/blob-backend.ts';
import type { ShellEnd } from '../protocol.ts';
import type { AgentProcess, SpawnOptions } from './channel/agent-client.ts';

/**
 * The console's shell as rootfs/init starts it on ttyS0, on a new pty: root with every capability, at the OOM killer's
 * default score, in /root, `sh -l` (so /etc/profile sets the prompt with the logical PWD, TERM and umask).
 * drydock-init's `fork` comes first because the agent makes its child a session leader and `exec console` needs a
 * process that leads none (its setsid makes the new session whose controlling terminal the pty is); its `console`
 * opens the pty from the guest's /dev/ptmx (no `root=`: the guest's own devpts, so the shell sees /dev/pts/N) and
 * sends the master to the agent. The environment is what init and the kernel give the console's shell; the profile
 * sets the rest.
 */
export const LOGIN_SHELL_ARGV: readonly string[] = [
  '/sbin/drydock-init',
  '-c',
  'fork',
  [
    'exec',
    'cwd=/root',
    'console',
    `caps=${ALL_CAPABILITIES.join(',')}`,
    'oom=0',
    'env=PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    'env=HOME=/root',
    'env=TERM=xterm-256color',
    '--',
    '/bin/sh',
    '-l',
  ].join(' '),
];

const encoder = new TextEncoder();

/** What GuestShells needs of the agent client (AgentClient satisfies it). */
export interface ShellSpawner {
  spawn(argv: string[], options: SpawnOptions): AgentProcess;
}


/** What hangUpRestored needs of the agent client (AgentClient satisfies it). */
export interface ShellAdopter {
  adopt(stream: number, pid: number, options?: { command?: string; tty?: boolean }): AgentProcess | undefined;
}

/**
 * The shells a checkpoint was saved with live on in the guest restored from it (its agent keeps every stream), with
 * no tab at their terminal any more: each gets the hang-up its tab's close would have sent, so resets leak none.
 */
export function hangUpRestored(agent: ShellAdopter, streams: readonly number[]): void {
  for (const stream of streams) {
    const shell = agent.adopt(stream, 0, { command: "a terminal tab's shell", tty: true });
    shell?.exit.catch(() => undefined);
    shell?.hangUp();
  }
}

/** A page's end of a shell: bytes both ways over a MessagePort (Uint8Array chunks, transferred). */
export interface ShellPort {
  postMessage(message: Uint8Array, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<Uint8Array | string>) => void) | null;
  start?(): void;
  close(): void;
}

interface OpenShell {
  process: AgentProcess;
  port: ShellPort;
  onEnd: (end: ShellEnd) => void;
}

/** The shells of one machine; a restart or checkpoint restore ends them (endAll), and the page opens new ones. */
export class GuestShells {
  readonly #shells = new Map<number, OpenShell>();
  #nextId = 1;

  /**
   * Starts a login shell whose terminal is `port`, sized `cols` x `rows` before it draws its first prompt. Resolves
   * with its id once it runs; `onEnd` is told once when it ends (it exited, or the machine went away), not after close().
   */
  async open(agent: ShellSpawner, port: ShellPort, size: { cols: number; rows: number }, onEnd: (end: ShellEnd) => void): Promise<number> {
    const id = this.#nextId++;
    const send = (bytes: Uint8Array) => port.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
    // drydock-init's own complaint (a step that failed before the exec) comes on the stream's stderr
    const process = agent.spawn([...LOGIN_SHELL_ARGV], { tty: true, stdin: true, onStdout: send, onStderr: send });
    const shell: OpenShell = { process, port, onEnd };
    this.#shells.set(id, shell);
    // Keys typed while the stream's STDIN window is full go as one frame once it has room, not one frame each.
    let typed: Uint8Array[] = [];
    let writing = false;
    const flush = async () => {
      writing = true;
      try {
        while (typed.length > 0) {
          const bytes = concatBytes(typed);
          typed = [];
          await process.write(bytes);
        }
      } catch {
        typed = []; // the shell has ended: its end is reported through exit
      } finally {
        writing = false;
      }
    };
    port.onmessage = (event) => {
      const data = event.data;
      if (typeof data === 'string') typed.push(encoder.encode(data));
      else if (data instanceof Uint8Array) typed.push(data);
      if (!writing) void flush();
    };
    port.start?.();
    process.exit.then(
      (status) => this.#end(id, shell, { cause: 'exited', message: status.signal !== undefined ? `signal ${status.signal}` : `exit ${status.exitCode}` }),
      // the agent client was closed or reset under it: the guest it ran on is gone
      (error: unknown) => this.#end(id, shell, { cause: 'machine', message: (error as Error).message }),
    );
    // The agent keeps a size that comes before the pty and applies it on arrival, so the first prompt fits.
    await process.resize(size.rows, size.cols);
    if ((await process.started) === null) {
      const status = await process.exit.catch(() => null);
      throw new EngineError('EXEC_FAILED', `the shell could not start (${status ? `exit ${status.exitCode}` : 'no exit status'})`);
    }
    return id;
  }

  /** TIOCSWINSZ on the shell's pty: its foreground job gets SIGWINCH. */
  async resize(id: number, cols: number, rows: number): Promise<void> {
    const shell = this.#shells.get(id);
    if (!shell) throw new EngineError('NOT_FOUND', `no shell ${id} on this machine`);
    await shell.process.resize(rows, cols);
  }

  /** Hangs the shell's terminal up (SIGHUP to its session, as a closed terminal window does); onEnd is not told. */
  close(id: number): void {
    const shell = this.#shells.get(id);
    if (!shell) return; // ended already: the tab goes either way
    this.#forget(id, shell);
    shell.process.hangUp();
  }

  /** The machine went away (restart, restore, stop): every shell ends with this message. */
  endAll(message: string): void {
    for (const [id, shell] of [...this.#shells]) {
      this.#forget(id, shell);
      shell.process.hangUp(); // a no-op once the agent client is closed
      shell.onEnd({ cause: 'machine', message });
    }
  }

  /** The agent streams of the shells open now (a checkpoint keeps them: hangUpRestored). */
  get streams(): number[] {
    return [...this.#shells.values()].map((s) => s.process.stream);
  }

  /** Shells open now. */
  get count(): number {
    return this.#shells.size;
  }

  #end(id: number, shell: OpenShell, end: ShellEnd): void {
    if (this.#shells.get(id) !== shell) return; // closed or ended already
    this.#forget(id, shell);
    shell.onEnd(end);
  }

  #forget(id: number, shell: OpenShell): void {
    this.#shells.delete(id);
    shell.port.onmessage = null;
    shell.port.close();
  }
}
