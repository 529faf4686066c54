// A new guest is the daemon starting again (moby's daemon.restore): after a machine restart what ran there has ended
// and restart policies apply; the first guest of an engine opened on a checkpoint's documents is the guest restored
// with them, whose containers are adopted. Also the runtime's side of a checkpoint, and the idle-time warm-up.
import type { ContainerRecord } from '../containers/container-store.ts';
import { forgetContainer } from '../containers/container-ops.ts';
import type { ContainerRuntime, SavedRuntimeEntry } from '../runtime/runtime.ts';
import { warmUpRuntime } from '../runtime/warm-up.ts';
import { running, type DaemonState } from './daemon-state.ts';
import { afterExit, follow } from './monitor.ts';
import { restartNow, start } from './start.ts';
import type { HealthMonitor } from './health-monitor.ts';

/** how long a new guest's warm-up waits after the engine has seen the guest (about when the prompt appears) */
const WARM_UP_DELAY_MS = 2000;

/** What a new guest means for the containers: called by DaemonState.runtime() once the guest's runtime is made. */
export function newGuest(d: DaemonState, rt: ContainerRuntime, hadOne: boolean, health: HealthMonitor): void {
  // Only a guest that replaces another ended runs: the clients attached to those get their end, as at an exit.
  // A client attached to a container that was not running waits for its next run, which is this guest's: the
  // docker CLI attaches before its start, and that start is often what notices the new guest (within the boot
  // watcher's first second after a restart), so ending every client here lost a short container's output.
  if (hadOne) {
    for (const r of d.deps.containers.list()) if (r.state.status === 'running' || r.state.status === 'paused') d.attached.end(r.id);
    d.detached.clear();
  }
  d.onTerminal.clear();
  // The first guest of an engine opened on a checkpoint's documents is the guest restored with them: what ran
  // there still runs and is taken over (the daemon did not restart, so no restart policy applies to the rest).
  const saved = hadOne ? undefined : d.toAdopt;
  d.toAdopt = undefined;
  // Nobody awaits these but adopted() and tests: a failure of one container's restore is recorded on that container
  // (restoreAfterBoot's starts, adoptGuest's lost ones); what escapes is the store failing, which the next request meets.
  if (saved) {
    d.adopting = adoptGuest(d, rt, saved, health).catch(() => undefined);
    d.booted = d.adopting;
  } else d.booted = (hadOne ? lostGuest(d) : Promise.resolve()).then(() => restoreAfterBoot(d)).catch(() => undefined);
  startWarmUp(d, rt);
}

/** The boot watcher's look: a guest the daemon has not seen yet is taken as the daemon starting. */
export function checkGuest(d: DaemonState): void {
  const guest = d.deps.guest();
  if (guest && guest !== d.knownGuest) d.runtime();
}

/**
 * The new guest's idle time warms the paths every `docker run` takes (runtime/warm-up.ts), after a restart policy's
 * starts, and stops at the learner's first container work; the warm-up's own containers run at the containers'
 * low CPU weight, so the learner's shell keeps the CPU when it wants it.
 */
function startWarmUp(d: DaemonState, rt: ContainerRuntime): void {
  const runs = d.deps.warmUpRuns ?? 0;
  if (runs <= 0) return;
  // a request that made this runtime (the first `docker run` before the boot watcher saw the guest) counts too
  const since = Date.now() - 1000;
  // not at once: the prompt has just appeared, and the learner's first keystrokes come before any warm-up
  void d.booted
    .then(() => new Promise((r) => setTimeout(r, WARM_UP_DELAY_MS)))
    .then(() => warmUpRuntime(rt, { runs, stop: () => d.disposed || d.activeAt >= since || d.currentRuntime !== rt }))
    // a warm-up is an optimisation: one that fails (the guest went away, a learner's container took its resources)
    // leaves the next `docker run` only slower
    .catch(() => undefined);
}

/** The runtime's side of a checkpoint (saved with the engine's documents): what adoption needs of each running container. */
export function savedRuntime(d: DaemonState): Record<string, SavedRuntimeEntry> {
  const out: Record<string, SavedRuntimeEntry> = {};
  const guest = d.deps.guest();
  const rt = d.currentRuntime;
  if (!rt || !guest || guest !== d.knownGuest) return out;
  for (const [id, proc] of d.detached) {
    const record = d.deps.containers.find(id);
    const entry = proc.stream === undefined ? undefined : rt.saved(id, proc.stream);
    // State.Pid is PID 1 once found (the runtime's entry may have only the wrapper's)
    if (entry && record && (record.state.status === 'running' || record.state.status === 'paused')) out[id] = { ...entry, ...(record.state.pid > 0 ? { pid: record.state.pid } : {}) };
  }
  return out;
}

/**
 * A checkpoint's guest restored with the documents this engine opened on: each container they say runs is taken
 * over (its process's output and exit, its network, its health checks) when the guest has kept it; one whose
 * process the guest has not kept is what a new guest makes of it (exited 255, or gone with `--rm`), and what is
 * left of it in the guest is cleared.
 */
async function adoptGuest(d: DaemonState, rt: ContainerRuntime, saved: Record<string, SavedRuntimeEntry>, health: HealthMonitor): Promise<void> {
  const lost: ContainerRecord[] = [];
  // `--network container:X` ones after X: they take X's /etc files
  const joins = (r: ContainerRecord) => Number(r.hostConfig.NetworkMode.startsWith('container:'));
  for (const r of d.deps.containers.list().sort((a, b) => joins(a) - joins(b))) {
    if (!running(r)) continue;
    const entry = saved[r.id];
    // a restarting container's next run was the old engine's timer: a restart policy decides again below
    if (!entry || r.state.status === 'restarting') {
      lost.push(r);
      continue;
    }
    // a runtime that cannot take it over (its bundle or cgroup gone) means the guest has not kept it: lost below
    const adopted = await rt.adopt(entry, { ...d.output(r.id), ...(r.config.OpenStdin === true ? { stdin: true } : {}), ...(r.config.Tty === true ? { tty: true } : {}) }).catch(() => null);
    // its addresses and host ports are taken again before any other container can be given them; a network the
    // guest has lost is made again at the container's next start, so a failure here costs only this run's network
    await d.deps.networking?.adopt(r).catch(() => undefined);
    if (!adopted?.proc) {
      lost.push(r);
      continue;
    }
    // A PID 1 that ended as the checkpoint was taken still has its wrapper's EXIT to come: recorded as any exit.
    follow(d, rt, r, adopted.proc);
    d.exits.set(r.id, afterExit(d, rt, r.id, rt.wait(r.id), (id) => restartNow(d, id)));
    if (adopted.alive) health.adopt(r);
  }
  for (const r of lost) {
    // what is left of it in the guest (mount, cgroup) is cleared best-effort: the next start's create clears it again
    if (d.known(r.id)) await rt.delete(r.id, { keepUpper: true }).catch(() => undefined);
    d.deps.logs.close(r.id);
    if (r.hostConfig.AutoRemove) await forgetContainer(d.deps, r, { volumes: true });
    else await d.deps.containers.markExited(r.id, { exitCode: r.state.status === 'restarting' ? r.state.exitCode : 255 });
  }
  await restoreAfterBoot(d, new Set(lost.map((r) => r.id)));
}

/** A guest that replaced another: every run of the old one has ended (exit 255, or gone with `--rm`). */
async function lostGuest(d: DaemonState): Promise<void> {
  // before the exits are recorded: what the network driver made is gone with the guest
  d.deps.networking?.forgetGuest();
  for (const r of d.deps.containers.list()) {
    d.restarts.get(r.id)?.cancel();
    d.restarts.delete(r.id);
    if (!running(r)) continue;
    d.deps.logs.close(r.id);
    if (r.hostConfig.AutoRemove) await forgetContainer(d.deps, r, { volumes: true });
    else await d.deps.containers.markExited(r.id, { exitCode: 255 });
  }
}

/**
 * moby's restore: on a daemon start, containers whose policy says so are started again (the manual-start
 * path: RestartCount back to 0). `always` even after `docker stop`; `unless-stopped` not after one.
 */
async function restoreAfterBoot(d: DaemonState, only?: ReadonlySet<string>): Promise<void> {
  for (const r of d.deps.containers.list()) {
    if ((only && !only.has(r.id)) || running(r) || r.state.startedAt === 0 || r.state.status === 'dead') continue;
    const policy = r.hostConfig.RestartPolicy?.Name ?? 'no';
    const max = r.hostConfig.RestartPolicy?.MaximumRetryCount ?? 0;
    const again =
      policy === 'always' ||
      (policy === 'unless-stopped' && !r.manuallyStopped) ||
      (policy === 'on-failure' && !r.manuallyStopped && r.state.exitCode !== 0 && (max === 0 || r.restartCount < max));
    // a start that fails records why on the container (State.Error, exit 127/126/128), as moby's restore logs it
    // and goes on with the next container
    if (again) await start(d, r.id).catch(() => undefined);
  }
}
