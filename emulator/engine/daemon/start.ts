// `docker start` (moby's daemon/start.go): a detached run whose output goes to the log and attached clients, a
// restart policy's start after its backoff, and drydock's `-it` extension (the runtime's final step handed to the
// CLI, which runs it on the learner's terminal and reports how it ended).
import type { ContainerRecord } from '../containers/container-store.ts';
import { EngineError } from '../errors.ts';
import type { GuestExitStatus } from '../runtime/guest-exec.ts';
import { running, type DaemonState } from './daemon-state.ts';
import { afterExit, follow } from './monitor.ts';
import { findPidOne } from './pid-one.ts';
import { createInRuntime, networkStarted, startFailed } from './runtime-create.ts';

/**
 * `docker start` (detached): output goes to the container's log. False when it was already running. A manual
 * start resets the restart policy's count and backoff, and forgets a `docker stop` (moby's containerStart).
 */
export async function start(d: DaemonState, ref: string): Promise<boolean> {
  const record = d.deps.containers.get(ref);
  if (record.state.status === 'paused') throw new EngineError('CONFLICT', `cannot start a paused container, try unpause instead`);
  if (running(record)) return false;
  d.restarts.get(record.id)?.cancel();
  d.restarts.delete(record.id);
  await d.deps.containers.setRestartState(record.id, { restartCount: 0, manuallyStopped: false });
  try {
    await launch(d, record);
  } catch (e) {
    // attached clients waited for this run: it will not come
    d.attached.end(record.id);
    // moby's containerStart: a failed start of an AutoRemove container removes it, whatever failed (the guest,
    // the layers, a device, the runtime), so `docker run --rm` leaves nothing Created behind
    const now = d.deps.containers.find(record.id);
    if (now?.hostConfig.AutoRemove && !running(now)) await startFailed(d, now, e);
    throw e;
  }
  return true;
}

/** The restart policy's start, after the backoff: the container stays `restarting` until it runs again. */
export async function restartNow(d: DaemonState, id: string): Promise<void> {
  const record = d.deps.containers.find(id);
  if (!record || record.state.status !== 'restarting') return;
  const manager = d.manager(id);
  try {
    await launch(d, record, () => !manager.cancelled && d.deps.containers.find(id)?.state.status === 'restarting');
  } catch (e) {
    // nobody waits for a policy's start: its failure is recorded on the container (State.Error), as moby's
    // restart loop records it, unless a stop or removal came meanwhile; a store that fails here is not recorded
    const now = d.deps.containers.find(id);
    if (now?.state.status === 'restarting') await d.deps.containers.markExited(id, { exitCode: now.state.exitCode || 128, error: (e as Error).message }).catch(() => undefined);
  }
}

/** Starts the container's process detached. `wanted` false after the (slow) preparation: a stop came meanwhile. */
async function launch(d: DaemonState, record: ContainerRecord, wanted: () => boolean = () => true): Promise<void> {
  const rt = await createInRuntime(d, record);
  const id = record.id;
  // stopped while it was being started by its restart policy: it ends now, as `stopped` says; the runtime's delete
  // failing leaves the mount to the next create's delete
  const abandon = async () => {
    await rt.delete(id, { keepUpper: true }).catch(() => undefined);
    await d.deps.networking?.release(id);
  };
  if (!wanted()) return abandon();
  const exited = rt.wait(id);
  // The runtime's final step, spawned here rather than by rt.start(): that one polls the guest for PID 1,
  // and the polling shell (outside the containers' low cpu.weight) starves the container it waits for.
  const argv = rt.interactive(id);
  const openStdin = record.config.OpenStdin === true;
  // Tty: the agent relays the pty drydock-init opens in the container as one raw stream (stdout), as runc's console
  const tty = record.config.Tty === true;
  const proc = d.guest.spawn(argv, { ...d.output(id), ...(openStdin ? { stdin: true } : {}), ...(tty ? { tty: true } : {}) });
  const ended = follow(d, rt, record, proc);
  const wrapper = (await proc.started) ?? 0;
  // State.Pid is PID 1 as soon as `docker run -d`/`start` returns, as dockerd reports it: a `kill -9` of the
  // wrapper would leave the container running. The wrapper's pid stands in only if PID 1 never showed up.
  // It is read once PID 1 runs the container's command (drydock-init's pid file, written at that exec), as after
  // runc start: its volumes and binds are mounted by then, where a PID 1 still mounting would meet a `docker exec`,
  // `nsenter -t` or `docker cp` right after with a half-made container. With the guest's or another container's
  // PID namespace (--pid) no process of it is a PID 1 anyway.
  const pid = wrapper && ((await findPidOne(d.guest, rt.trace(id).cgroup, { wrapper, ended, timeoutMs: 30_000, pidFile: `${record.bundle}/pid` })) ?? wrapper);
  if (!wanted()) return abandon();
  await networkStarted(d, rt, record, pid);
  await d.deps.containers.markStarted(id, pid);
  d.exits.set(id, afterExit(d, rt, id, exited, (id) => restartNow(d, id)));
}

/** drydock extension for `docker run -it` / `start -ai`: the argv the CLI runs on the learner's terminal. */
export async function interactive(d: DaemonState, ref: string): Promise<string[]> {
  const record = d.deps.containers.get(ref);
  if (running(record)) throw new EngineError('CONFLICT', `container ${record.id} is already running`);
  const rt = await createInRuntime(d, record);
  const argv = rt.interactive(record.id);
  await networkStarted(d, rt, record, 0);
  d.onTerminal.add(record.id);
  await d.deps.containers.setRestartState(record.id, { restartCount: 0, manuallyStopped: false });
  await d.deps.containers.markStarted(record.id, 0);
  const exited = rt.wait(record.id);
  d.exits.set(record.id, afterExit(d, rt, record.id, exited, (id) => restartNow(d, id)));
  // The CLI spawns the argv on the learner's terminal after this returns: State.Pid follows once PID 1 is there.
  let ended = false;
  // the runtime's wait only resolves (an exit, or the guest's error as exit 255)
  void exited.then(() => (ended = true));
  void findPidOne(d.guest, rt.trace(record.id).cgroup, { ended: () => ended, timeoutMs: 120_000 })
    .then((pid) => (pid && !ended ? d.deps.containers.setPid(record.id, pid) : undefined))
    // State.Pid stays 0 when PID 1 is not found (the guest went away): exec and kill look PID 1 up themselves
    .catch(() => undefined);
  return argv;
}

/** How the CLI's interactive process ended. */
export async function interactiveEnded(d: DaemonState, ref: string, end: GuestExitStatus): Promise<void> {
  const record = d.deps.containers.get(ref);
  await d.runtime().exited(record.id, end);
  await d.exits.get(record.id);
}
