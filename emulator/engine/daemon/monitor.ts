// A container's run followed to its end (moby's daemon/monitor.go handleContainerExit): the exit recorded, the
// restart policy asked (a restart scheduled after its backoff, the container `restarting` meanwhile), `--rm` applied,
// and the mount and cgroup released.
import type { ContainerRecord } from '../containers/container-store.ts';
import { forgetContainer } from '../containers/container-ops.ts';
import type { GuestExitStatus, GuestProcess } from '../runtime/guest-exec.ts';
import type { ContainerRuntime } from '../runtime/runtime.ts';
import { exitStatusOf, running, type DaemonState } from './daemon-state.ts';

/** A detached container's process, spawned or adopted: its stdin and pty offered to clients, its end told to the runtime. */
export function follow(d: DaemonState, rt: ContainerRuntime, record: ContainerRecord, proc: GuestProcess): () => boolean {
  const id = record.id;
  if (record.config.OpenStdin === true) d.attached.started(id, proc);
  // the docker CLI sizes it right after the start (MonitorTtySize): a resize before the pty exists waits in the agent
  if (record.config.Tty === true) d.terminals.set(id, proc);
  d.detached.set(id, proc);
  let ended = false;
  const over = () => {
    ended = true;
    d.attached.end(id);
    if (d.terminals.get(id) === proc) d.terminals.delete(id);
    if (d.detached.get(id) === proc) d.detached.delete(id);
  };
  // A guest that goes away (restart, checkpoint restore) ends these with its error: nobody waits for them then.
  // Attached clients end with the output: every output frame came before the exit.
  void proc.exit
    .then(
      (s) => (over(), rt.exited(id, s)),
      () => (over(), rt.exited(id, { exitCode: 255 })),
    )
    // rt.exited reads memory.events for OOMKilled; a guest gone meanwhile has nobody left to tell
    .catch(() => undefined);
  return () => ended;
}

/**
 * Records the exit when it comes (`exited`: the runtime's wait, taken before the process could end). `restart` starts the container again once its policy's backoff is over (start.ts
 * restartNow: the monitor does not start containers itself). `docker stop`/`kill` wait for what this returns: they
 * return once the mount and cgroup are gone, as dockerd's do.
 */
export function afterExit(d: DaemonState, rt: ContainerRuntime, id: string, exited: Promise<GuestExitStatus & { oomKilled: boolean }>, restart: (id: string) => Promise<void>): Promise<void> {
  // a failure to record it means the guest or the store went away meanwhile: the next guest's restore (restore.ts)
  // records what became of the container, and nobody awaiting this (stop, kill) should see an unhandled rejection
  return exited.then((s) => recordExit(d, rt, id, s, restart)).then(() => d.released(id)).catch(() => undefined);
}

async function recordExit(d: DaemonState, rt: ContainerRuntime, id: string, s: GuestExitStatus & { oomKilled: boolean }, restart: (id: string) => Promise<void>): Promise<void> {
  // A run of a guest that has been replaced (its agent's error can come after the new guest is seen): restore.ts
  // recorded its end already, and the container may run again in the new guest, which this exit is not about.
  if (d.currentRuntime !== rt) return;
  d.deps.logs.close(id);
  d.attached.end(id);
  const record = d.deps.containers.find(id);
  if (!record || !running(record)) return;
  const exitCode = exitStatusOf(s);
  const onTerminal = d.onTerminal.delete(id);
  const delay = onTerminal || record.hostConfig.AutoRemove ? undefined : d.manager(id).shouldRestart(record, exitCode, Date.now());
  if (delay !== undefined) {
    await d.deps.containers.markRestarting(id, exitCode);
    d.release(id);
    d.manager(id).schedule(delay, () => void restart(id));
    return;
  }
  await d.deps.containers.markExited(id, { exitCode, oomKilled: s.oomKilled });
  // --rm: the record goes first (the CLI waits for that); the guest side is cleared after it (destroy event).
  if (record.hostConfig.AutoRemove) await forgetContainer(d.deps, d.deps.containers.get(id), { volumes: true });
  else d.release(id);
}
