// The container daemon (dockerd's process side, laid out as moby's daemon/ package): one object the Engine API's
// routes (api/container-process-api.ts) and engine-host.ts call, each method an operation in its own module here.
// It owns what lives as long as the engine: the boot watcher, the health monitor, the forgetting of removed containers.
import type { ContainerRecord } from '../containers/container-store.ts';
import type { Change } from '../containers/container-changes.ts';
import type { GuestExitStatus } from '../runtime/guest-exec.ts';
import type { ContainerRuntime, SavedRuntimeEntry } from '../runtime/runtime.ts';
import { quoteWord } from '../runtime/shell-quote.ts';
import { DaemonState, type DaemonDeps } from './daemon-state.ts';
import { HealthMonitor } from './health-monitor.ts';
import { healthProbe } from './health-probe.ts';
import { checkGuest, newGuest, savedRuntime } from './restore.ts';
import { interactive, interactiveEnded, start } from './start.ts';
import { kill, killAndWait, pause, restart, stop, unpause } from './signal.ts';
import { joinedNamespaces } from './runtime-create.ts';
import { attach, writeStdin, type AttachOptions } from './attach.ts';
import type { ContainerOutput } from './container-attach.ts';
import { resize } from './resize.ts';
import { createExec, execArgv, execEnded, execJson, resizeExec, startExec, type ExecCreateBody } from './exec.ts';
import { copy, guestFile, type CopyBody } from './copy.ts';
import { changes, sizeRw } from './changes.ts';
import { top } from './top.ts';
import { stats, statsStream, type StatsDocument } from './stats.ts';

export type { DaemonDeps } from './daemon-state.ts';
export type { CopyBody } from './copy.ts';

export class ContainerDaemon {
  readonly #d: DaemonState;
  readonly #watch: ReturnType<typeof setInterval>;
  /** health checks of the running containers (dockerd's monitor) */
  readonly health: HealthMonitor;

  constructor(deps: DaemonDeps) {
    this.#d = new DaemonState(deps, (rt, hadOne) => newGuest(this.#d, rt, hadOne, this.health));
    const d = this.#d;
    // `docker rm` (containers-api) forgets the record; the runtime then clears the guest side.
    deps.containers.subscribe((record, event) => {
      if (event !== 'destroy') return;
      // dockerd forgets a container's exec instances with it
      for (const [id, e] of d.execs) if (e.container === record.id) d.execs.delete(id);
      d.attached.end(record.id);
      d.restarts.get(record.id)?.cancel();
      d.restarts.delete(record.id);
      d.exits.delete(record.id);
      // the record is gone already and `docker rm` has answered: what stays in the guest (a mount, the upper dir on
      // the container's tmpfs) is gone at the next boot, and nothing reuses its paths (they carry the container's id)
      void removeGuestSide(d, record).catch(() => undefined);
    });
    // A new guest (first boot, page reload, machine restart) is the daemon starting: what ran there has ended,
    // and containers whose restart policy says so start again. Checked on a timer so nobody has to type first.
    this.#watch = setInterval(() => checkGuest(d), 1000);
    (this.#watch as { unref?: () => void }).unref?.();
    this.health = new HealthMonitor({ containers: deps.containers, probe: (id, argv, timeoutMs) => healthProbe(d, id, argv, timeoutMs) });
  }

  /** restart policies applied after a boot (moby's restore); tests may await it */
  get booted(): Promise<void> {
    return this.#d.booted;
  }

  /**
   * Resolves once the containers of the checkpoint this engine opened on are taken over (at once otherwise): a request
   * that touches them (`docker top`, `stop`, a `run -p` that needs their host ports taken) waits for that.
   */
  async adopted(): Promise<void> {
    if (this.#d.toAdopt) checkGuest(this.#d);
    await this.#d.adopting;
  }

  /** Stops the boot watcher and pending restarts (the engine is going away). */
  dispose(): void {
    this.#d.disposed = true;
    clearInterval(this.#watch);
    this.health.dispose();
    for (const m of this.#d.restarts.values()) m.cancel();
  }

  /** The learner (or the UI) is using the engine: a warm-up under way runs no further container. */
  noteActivity(): void {
    this.#d.activeAt = Date.now();
  }

  /** The runtime of the guest running now: a new guest (restart) means a new runtime, and what ran there has ended. */
  runtime(): ContainerRuntime {
    return this.#d.runtime();
  }

  /** The runtime's side of a checkpoint (saved with the engine's documents): what adoption needs of each running container. */
  savedRuntime(): Record<string, SavedRuntimeEntry> {
    return savedRuntime(this.#d);
  }

  joinedNamespaces(record: ContainerRecord): ReturnType<typeof joinedNamespaces> {
    return joinedNamespaces(this.#d, record);
  }

  start(ref: string): Promise<boolean> {
    return start(this.#d, ref);
  }
  interactive(ref: string): Promise<string[]> {
    return interactive(this.#d, ref);
  }
  interactiveEnded(ref: string, end: GuestExitStatus): Promise<void> {
    return interactiveEnded(this.#d, ref, end);
  }
  stop(ref: string, timeoutSeconds?: number, signal?: string): Promise<boolean> {
    return stop(this.#d, ref, timeoutSeconds, signal);
  }
  restart(ref: string, timeoutSeconds?: number): Promise<void> {
    return restart(this.#d, ref, timeoutSeconds);
  }
  kill(ref: string, signal?: string): Promise<void> {
    return kill(this.#d, ref, signal);
  }
  killAndWait(record: ContainerRecord): Promise<void> {
    return killAndWait(this.#d, record);
  }
  pause(ref: string): Promise<void> {
    return pause(this.#d, ref);
  }
  unpause(ref: string): Promise<void> {
    return unpause(this.#d, ref);
  }
  attach(ref: string, options: AttachOptions, input: ReadableStream<Uint8Array> | undefined, signal?: AbortSignal): ContainerOutput {
    return attach(this.#d, ref, options, input, signal);
  }
  writeStdin(ref: string, data: Uint8Array, eof: boolean): Promise<void> {
    return writeStdin(this.#d, ref, data, eof);
  }
  resize(ref: string, h: number, w: number): Promise<void> {
    return resize(this.#d, ref, h, w);
  }
  createExec(ref: string, body: ExecCreateBody): string {
    return createExec(this.#d, ref, body);
  }
  startExec(id: string, options?: { detach?: boolean; consoleSize?: readonly number[] | null }, input?: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<ContainerOutput | undefined> {
    return startExec(this.#d, id, options, input, signal);
  }
  resizeExec(id: string, h: number, w: number): Promise<void> {
    return resizeExec(this.#d, id, h, w);
  }
  execArgv(id: string): Promise<string[]> {
    return execArgv(this.#d, id);
  }
  execEnded(id: string, end: GuestExitStatus): void {
    execEnded(this.#d, id, end);
  }
  execJson(id: string): Record<string, unknown> {
    return execJson(this.#d, id);
  }
  copy(ref: string, body: CopyBody): Promise<{ Size: number }> {
    return copy(this.#d, ref, body);
  }
  guestFile(path: string): Promise<Uint8Array> {
    return guestFile(this.#d, path);
  }
  top(ref: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    return top(this.#d, ref);
  }
  changes(ref: string): Promise<Change[]> {
    return changes(this.#d, ref);
  }
  sizeRw(ref: string): Promise<number> {
    return sizeRw(this.#d, ref);
  }
  stats(ref: string, options: { oneShot: boolean }, signal?: AbortSignal): Promise<StatsDocument> {
    return stats(this.#d, ref, options, signal);
  }

  statsStream(ref: string, signal?: AbortSignal): ReadableStream<StatsDocument> {
    return statsStream(this.#d, ref, signal);
  }
}

/** Removes the guest side of a container the runtime may not know any more (its upper dir kept after a stop). */
async function removeGuestSide(d: DaemonState, record: ContainerRecord): Promise<void> {
  await d.released(record.id);
  if (d.known(record.id)) {
    await d.currentRuntime?.delete(record.id);
    return;
  }
  const guest = d.deps.guest();
  if (!guest) return;
  const o = record.overlay;
  const q = quoteWord;
  // the bundle may be the container's storage tmpfs (lower.ts): unmounted, lazily, before it is removed
  await guest.exec(['sh', '-c', `if grep -q ${q(` ${o.mergedDir} `)} /proc/mounts; then umount ${q(o.mergedDir)}; fi; if grep -q ${q(` ${record.bundle} `)} /proc/mounts; then umount -l ${q(record.bundle)}; fi; rm -rf ${[o.upperDir, o.workDir, o.mergedDir, record.bundle].map(q).join(' ')}`], { timeoutMs: 60_000 });
}
