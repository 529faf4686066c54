// A client's terminal size for a container's or an exec's pty (moby's daemon/resize.go): TIOCSWINSZ on its master in
// the agent, SIGWINCH in the container.
import { EngineError } from '../errors.ts';
import type { GuestProcess } from '../runtime/guest-exec.ts';
import { running, type DaemonState } from './daemon-state.ts';

/**
 * `POST /containers/{id}/resize`. Without a pty of its own (no Tty, or -it on the learner's terminal, which the
 * kernel resizes with the console) the size is checked and nothing changes, as dockerd answers 200 there too.
 * A size of 0 changes nothing (the docker CLI never sends one).
 */
export async function resize(d: DaemonState, ref: string, h: number, w: number): Promise<void> {
  const record = d.deps.containers.get(ref);
  checkSize(h, w);
  if (!running(record)) throw new EngineError('CONFLICT', `Container ${record.id} is not running`);
  await resizeTerminal(d.terminals.get(record.id), h, w);
}

/** TIOCSWINSZ through the agent; a process that has just ended has no terminal to resize (dockerd ignores that too). */
export async function resizeTerminal(proc: GuestProcess | undefined, h: number, w: number): Promise<void> {
  if (!proc?.resize || h === 0 || w === 0) return;
  await proc.resize(Math.min(h, 0xffff), Math.min(w, 0xffff)).catch((e: unknown) => {
    if (!(e instanceof EngineError) || e.code !== 'EXEC_FAILED') throw e;
  });
}

export function checkSize(h: number, w: number): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0) throw new EngineError('INVALID_ARGUMENT', 'invalid terminal size');
}
