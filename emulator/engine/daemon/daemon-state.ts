// What the daemon's operations share (moby's *Daemon receiver): its dependencies, the guest running now and its
// runtime, and the per-container bookkeeping of runs (exits under way, releases under way, restart managers,
// attached clients, terminals, exec instances). Every daemon/*.ts operation is a function of this state.
import type { ContainerRecord, ContainerStore } from '../containers/container-store.ts';
import type { LogStore } from '../containers/log-store.ts';
import { RestartManager } from '../containers/restart-manager.ts';
import type { VolumeStore } from '../containers/volume-store.ts';
import type { Change } from '../containers/container-changes.ts';
import { EngineError } from '../errors.ts';
import type { GuestExec, GuestExitStatus, GuestProcess } from '../runtime/guest-exec.ts';
import { ContainerRuntime, type SavedRuntimeEntry } from '../runtime/runtime.ts';
import type { RootfsView } from '../overlay/rootfs-view.ts';
import type { ContainerNetworking } from '../network/container-networking.ts';
import { type EventLog, logContainerEvent } from '../api/events.ts';
import { AttachHub } from './container-attach.ts';
import type { ExecInstance } from './exec.ts';

export interface DaemonDeps {
  containers: ContainerStore;
  volumes: VolumeStore;
  logs: LogStore;
  /** the agent of the guest running now; undefined between boots */
  guest: () => GuestExec | undefined;
  /** the runtime's side of the checkpoint whose documents the engine opened on (savedRuntime() then): the first guest
   *  is the one restored with them, and its containers are adopted rather than lost */
  adopt?: Record<string, SavedRuntimeEntry>;
  /** unpacks the container's image layers into the share when they are not there (a new guest has an empty share) */
  ensureLayers?: (record: ContainerRecord) => Promise<void>;
  /** the image's files read straight from its layers on the share (no guest process); undefined between boots */
  imageFiles: (record: ContainerRecord) => RootfsView | undefined;
  /** endpoints, ports, DNS (network/container-networking.ts); without it containers get loopback only */
  networking?: ContainerNetworking;
  /** a guest file under the share read straight from it (no agent round trip): null when it does not exist,
   *  undefined when the path is not plainly under the share (a symlink on the way) and the guest must be asked */
  shareFile?: (path: string) => Promise<Uint8Array | null | undefined>;
  /** warm-up containers run in each new guest until the first container work comes (runtime/warm-up.ts); 0 or absent: none */
  warmUpRuns?: number;
  /** `docker events`: the signals sent (`kill`), `stop` and `restart` are logged here */
  events?: EventLog;
}

export const decoder = new TextDecoder();

/** running, paused or restarting: what Docker calls a running container for most refusals */
export const running = (r: ContainerRecord) => ['running', 'paused', 'restarting'].includes(r.state.status);

/** Docker's exit status for a process that ended: its code, or 128 + the signal that killed it. */
export function exitStatusOf(s: GuestExitStatus): number {
  return s.signal !== undefined && s.exitCode < 128 ? 128 + s.signal : s.exitCode;
}

export class DaemonState {
  #runtime: ContainerRuntime | undefined;
  #guest: GuestExec | undefined;
  readonly execs = new Map<string, ExecInstance>();
  /** containers whose exit is being recorded: stop/kill wait on these */
  readonly exits = new Map<string, Promise<void>>();
  /** containers whose mount and cgroup are being released after an exit (release) */
  readonly #releasing = new Map<string, Promise<void>>();
  /** restart managers (moby's restartmanager): backoff and a pending restart per container */
  readonly restarts = new Map<string, RestartManager>();
  /** attached clients: each run's output as it comes, the stdin of a container started with OpenStdin */
  readonly attached = new AttachHub();
  /** containers running on a learner's terminal (-it): no restart policy, the terminal is gone with them */
  readonly onTerminal = new Set<string>();
  /** the process of each detached container while it runs (monitor.ts follow): what a checkpoint saves of it */
  readonly detached = new Map<string, GuestProcess>();
  /** the process of each running container with a pty of its own (Tty, started by the engine): resizes go to it */
  readonly terminals = new Map<string, GuestProcess>();
  /** each container's upper dir as last listed, with the diff read at that listing (changes.ts) */
  readonly upperSeen = new Map<string, { listing: string; changes?: Change[] }>();
  /** deps.adopt until the first guest has taken it */
  toAdopt: Record<string, SavedRuntimeEntry> | undefined;
  /** the first guest's containers being taken over (restore.ts adoptGuest): requests wait for it (adopted()) */
  adopting: Promise<void> = Promise.resolve();
  /** restart policies applied after a boot (moby's restore); tests may await it */
  booted: Promise<void> = Promise.resolve();
  /** when the engine last had a request (noteActivity): a warm-up runs no further container after one */
  activeAt = Number.NEGATIVE_INFINITY;
  disposed = false;

  /** `onNewGuest`: what a new guest means (restore.ts), told after its runtime is made; `hadOne` when it replaces one */
  constructor(
    readonly deps: DaemonDeps,
    private readonly onNewGuest: (rt: ContainerRuntime, hadOne: boolean) => void,
  ) {
    this.toAdopt = deps.adopt;
  }

  /** The runtime of the guest running now: a new guest (restart) means a new runtime, and what ran there has ended. */
  runtime(): ContainerRuntime {
    const guest = this.deps.guest();
    if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so containers cannot run now');
    if (guest !== this.#guest || !this.#runtime) {
      const hadOne = this.#runtime !== undefined;
      this.#guest = guest;
      this.#runtime = new ContainerRuntime(guest);
      this.onNewGuest(this.#runtime, hadOne);
    }
    return this.#runtime;
  }

  /** The runtime made for the guest last seen, without looking for a new guest (undefined before the first). */
  get currentRuntime(): ContainerRuntime | undefined {
    return this.#runtime;
  }

  /** The guest the current runtime runs in: only after runtime() has been asked for (a start, a stop...). */
  get guest(): GuestExec {
    if (!this.#guest) throw new EngineError('CONFLICT', 'the machine is not running, so containers cannot run now');
    return this.#guest;
  }

  /** The guest the current runtime runs in, undefined before the first runtime(). */
  get knownGuest(): GuestExec | undefined {
    return this.#guest;
  }

  /** Whether the current runtime has the container (created, running or exited, not yet deleted). */
  known(id: string): boolean {
    try {
      this.#runtime?.trace(id);
      return this.#runtime !== undefined;
    } catch {
      // trace() throws NOT_FOUND for a container it does not have: that is the answer
      return false;
    }
  }

  event(record: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    if (this.deps.events) logContainerEvent(this.deps.events, record, action, extra);
  }

  /** State.Pid becomes PID 1's host pid once the runtime has looked it up (exec, kill, cp), instead of the wrapper's. */
  syncPid(id: string): void {
    const pid = this.#runtime?.knownPid(id);
    const record = this.deps.containers.find(id);
    // a container removed meanwhile has no State.Pid to correct
    if (pid && record && record.state.pid !== pid) void this.deps.containers.setPid(id, pid).catch(() => undefined);
  }

  manager(id: string): RestartManager {
    let m = this.restarts.get(id);
    if (!m) this.restarts.set(id, (m = new RestartManager()));
    return m;
  }

  /** Where a detached container's output goes: its log and the clients attached to it. */
  output(id: string): { onStdout: (b: Uint8Array) => void; onStderr: (b: Uint8Array) => void } {
    return {
      onStdout: (b) => (this.deps.logs.append(id, 'stdout', b), this.attached.output(id, 'stdout', b)),
      onStderr: (b) => (this.deps.logs.append(id, 'stderr', b), this.attached.output(id, 'stderr', b)),
    };
  }

  /** Whether the container's exit has been recorded within the time (true when none is awaited). */
  async waitExit(id: string, timeoutMs: number): Promise<boolean> {
    const done = this.exits.get(id);
    if (!done) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    try {
      return await Promise.race([done.then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * As dockerd at a container's exit (containerd deletes the task, the graph driver unmounts): its overlay mount
   * and cgroup go now, after the exit is recorded so `docker run`/`wait` do not wait for it; the upper dir (on the
   * container's storage tmpfs) and the bundle's files stay for `start`, `diff`, `commit` and `cp`. Whatever next
   * touches the guest side of the container waits for it first (released).
   */
  release(id: string): void {
    const rt = this.#runtime;
    if (!rt || !this.known(id) || this.#releasing.has(id)) return;
    // a release that fails leaves the mount to the next create's delete (runtime-create.ts), which reports it
    this.track(id, rt.delete(id, { keepUpper: true }).catch(() => undefined));
  }

  /** A delete of the container's guest side under way: what next touches that side waits for it (released). */
  track(id: string, done: Promise<void>): void {
    this.#releasing.set(id, done);
    void done.then(() => {
      if (this.#releasing.get(id) === done) this.#releasing.delete(id);
    });
  }

  /** Resolves once an exit's release of the container's mount, cgroup and network has finished. */
  async released(id: string): Promise<void> {
    await this.#releasing.get(id);
    await this.deps.networking?.settled(id);
  }

  async deleteInRuntime(id: string, options: { keepUpper?: boolean } = {}): Promise<void> {
    await this.released(id);
    if (this.known(id)) await this.#runtime?.delete(id, options);
  }
}
