// Signals to a container's process (moby's daemon/kill.go, stop.go, restart.go, pause.go, unpause.go): `docker kill`,
// `stop` (the stop signal, SIGKILL after the timeout), `restart`, `rm -f`'s kill, `pause` and `unpause`. Any of them
// cancels the restart policy (HasBeenManuallyStopped) where moby's does.
import type { ContainerRecord } from '../containers/container-store.ts';
import { parseSignal } from '../containers/signals.ts';
import { EngineError } from '../errors.ts';
import { running, type DaemonState } from './daemon-state.ts';
import { start } from './start.ts';

/** moby's ParseSignal, its refusal as the daemon's 400. */
function signalOf(raw: string): number {
  try {
    return parseSignal(raw);
  } catch (e) {
    throw new EngineError('INVALID_ARGUMENT', (e as Error).message);
  }
}

/**
 * `docker stop`/`kill`/`rm -f`: a restart policy no longer applies (moby cancels the restart manager and
 * sets HasBeenManuallyStopped). True when it was between two runs: then stopping it is only a state change.
 */
async function stopForGood(d: DaemonState, record: ContainerRecord): Promise<boolean> {
  d.manager(record.id).cancel();
  await d.deps.containers.setRestartState(record.id, { manuallyStopped: true });
  if (record.state.status !== 'restarting') return false;
  await d.deps.containers.markExited(record.id, { exitCode: record.state.exitCode });
  d.restarts.delete(record.id);
  return true;
}

export async function kill(d: DaemonState, ref: string, signal = 'SIGKILL'): Promise<void> {
  const record = d.deps.containers.get(ref);
  if (!running(record)) throw new EngineError('CONFLICT', `cannot kill container: ${ref}: container ${record.id} is not running`);
  const n = signalOf(signal);
  d.event(record, 'kill', { signal: String(n) });
  if (n === 9 || n === signalOf(record.config.StopSignal ?? 'SIGTERM')) {
    if (await stopForGood(d, record)) return;
  } else if (record.state.status === 'restarting') return;
  // SIGKILL reaches a frozen cgroup's tasks but they die only once thawed; an unpause that fails (it has just
  // exited) leaves the kill below to say so
  if (record.state.status === 'paused' && n === 9) await d.runtime().unpause(record.id).catch(() => undefined);
  await d.runtime().kill(record.id, n);
  d.syncPid(record.id);
  if (n === 9) await d.waitExit(record.id, 30_000);
}

/** For `rm -f`: SIGKILL and wait until the exit is recorded (or the runtime no longer knows it). */
export async function killAndWait(d: DaemonState, record: ContainerRecord): Promise<void> {
  if (await stopForGood(d, record)) return;
  if (!d.known(record.id)) {
    await d.deps.containers.markExited(record.id, { exitCode: 137 });
    return;
  }
  // The runtime's delete kills the whole cgroup at once (cgroup.kill): no PID 1 lookup, forks included. The exit it
  // causes must not start the exit's own release (DaemonState.release) beside it: two deletes at once left the
  // bundle's tmpfs mounted (one was still in it when the other unmounted).
  const deleting = d.runtime().delete(record.id);
  // the failure is this call's to report (awaited below); the tracked copy only orders later guest-side work
  d.track(record.id, deleting.catch(() => undefined));
  await deleting;
  await d.waitExit(record.id, 2_000);
  if (running(d.deps.containers.get(record.id))) await d.deps.containers.markExited(record.id, { exitCode: 137 });
  d.deps.logs.close(record.id);
  // the wait above is bounded; the release it would have waited for is not skipped (its ports, docker-proxy)
  await d.released(record.id);
}

/** `docker stop`: the stop signal, then SIGKILL after the timeout. False when it was not running. */
export async function stop(d: DaemonState, ref: string, timeoutSeconds?: number, signal?: string): Promise<boolean> {
  const record = d.deps.containers.get(ref);
  if (!running(record)) return false;
  const t = timeoutSeconds ?? record.config.StopTimeout ?? 10;
  const sig = signal ?? record.config.StopSignal ?? 'SIGTERM';
  if (await stopForGood(d, record)) return true;
  if (record.state.status === 'paused') await unpause(d, ref);
  if (!d.known(record.id)) {
    await d.deps.containers.markExited(record.id, { exitCode: 137 });
    return true;
  }
  // -t 0: the stop signal could not be handled anyway; SIGKILL at once (no wait for PID 1 to be found)
  if (t !== 0) {
    d.event(record, 'kill', { signal: String(signalOf(sig)) });
    // moby's stop goes on to SIGKILL when the stop signal cannot be sent (PID 1 not found yet, or just gone)
    await d.runtime().kill(record.id, signalOf(sig)).catch(() => undefined);
  }
  if ((t > 0 && (await d.waitExit(record.id, t * 1000))) || (t < 0 && (await d.waitExit(record.id, 24 * 3600_000)))) {
    d.event(record, 'stop');
    return true;
  }
  // never report a stop that did not happen (moby's "tried to kill container, but did not receive an exit event")
  const cannot = (why: string) => new EngineError('CONFLICT', `cannot stop container: ${ref}: ${why}`, { details: { origin: 'daemon' } });
  // (a kill that fails because the process has just exited is no failure: its exit is on its way)
  d.event(record, 'kill', { signal: '9' });
  const failure = await d.runtime().kill(record.id, 9).then(() => null, (e: unknown) => e as Error);
  if (!(await d.waitExit(record.id, failure ? 2_000 : 30_000))) {
    throw cannot(failure ? `tried to kill container, but the kill failed: ${failure.message}` : 'tried to kill container, but did not receive an exit event');
  }
  d.event(record, 'stop');
  return true;
}

/** `docker restart`: stop (if running) then start, logged as dockerd logs it after both */
export async function restart(d: DaemonState, ref: string, timeoutSeconds?: number): Promise<void> {
  await stop(d, ref, timeoutSeconds);
  await start(d, ref);
  d.event(d.deps.containers.get(ref), 'restart');
}

export async function pause(d: DaemonState, ref: string): Promise<void> {
  const record = d.deps.containers.get(ref);
  if (record.state.status === 'paused') throw new EngineError('CONFLICT', `container ${record.id} is already paused`);
  if (!running(record)) throw new EngineError('CONFLICT', `container ${record.id} is not running`);
  await d.runtime().pause(record.id);
  await d.deps.containers.markPaused(record.id);
}

export async function unpause(d: DaemonState, ref: string): Promise<void> {
  const record = d.deps.containers.get(ref);
  if (record.state.status !== 'paused') throw new EngineError('CONFLICT', `container ${record.id} is not paused`);
  await d.runtime().unpause(record.id);
  await d.deps.containers.markUnpaused(record.id);
}
