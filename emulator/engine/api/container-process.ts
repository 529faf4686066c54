// The process side of containers for the Engine API: start (bundle files, args[0] check, runtime, logs), stop,
// kill, restart, pause, wait for exit, top, stats, exec, and drydock's `-it` extension (the runtime's final
// step handed to the CLI, which runs it on the learner's terminal and reports how it ended).
import { apiPath, boolValue } from './route-request.ts';
import { decodePathSegment } from './path-segment.ts';
import type { ContainerRecord, ContainerStore } from '../containers/container-store.ts';
import { forgetContainer } from '../containers/container-ops.ts';
import { bundleFiles } from '../containers/bundle.ts';
import { specUser, type ResolvedDevice } from '../containers/spec.ts';
import { resolveUser } from '../containers/passwd.ts';
import type { SpecUser } from '../containers/runtime-spec.ts';
import { sizeFromListing, upperListingArgv } from '../containers/container-size.ts';
import { changesScript, parseChanges, withoutInitPaths, type Change } from '../containers/container-changes.ts';
import type { LogStore } from '../containers/log-store.ts';
import { encodeLogEntry } from '../containers/logs-api.ts';
import { containerPath, copyError, copyScript } from '../containers/container-copy.ts';
import { RestartManager } from '../containers/restart-manager.ts';
import { parseSignal } from '../containers/signals.ts';
import { resolveExecutable, startFailureMessage, type PathKind } from '../containers/start-errors.ts';
import type { VolumeStore } from '../containers/volume-store.ts';
import { EngineError } from '../errors.ts';
import type { GuestExec, GuestExitStatus, GuestProcess } from '../runtime/guest-exec.ts';
import { ContainerRuntime, type SavedRuntimeEntry } from '../runtime/runtime.ts';
import { warmUpRuntime } from '../runtime/warm-up.ts';
import { overlayLowerDirs } from '../runtime/lower.ts';
import { type EventLog, logContainerEvent } from './events.ts';
import { INIT_PATH } from '../containers/spec.ts';
import { effectiveIpcMode, modeContainer } from '../containers/namespace-modes.ts';
import { quoteWord } from '../runtime/shell-quote.ts';
import { drydockCopyBody, drydockExitStatus, drydockStdinChunk, execOptions, execStartOptions } from './docker-types.ts';
import { readJsonBody } from './go-json.ts';
import { jsonResponse } from './http-errors.ts';
import { HealthMonitor, type ProbeOutcome } from './health-monitor.ts';
import { findPidOne } from './pid-one.ts';
import { sampleStats, statsJson, STATS_INTERVAL_MS, type StatsSample } from './container-stats.ts';
import { AttachHub, attachBody } from './container-attach.ts';
import { hijackedInput, MULTIPLEXED_STREAM, pumpInput, RAW_STREAM } from './hijack.ts';
import type { RootfsView } from '../overlay/rootfs-view.ts';
import type { ContainerNetworking, PreparedNetwork } from '../network/container-networking.ts';

export interface ContainerProcessDeps {
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

/** drydock's `POST /containers/{id}/drydock-cp` body: both paths as the user typed them (the guest one absolute). */
export interface CopyBody {
  ToContainer?: boolean;
  ContainerPath: string;
  GuestPath: string;
  Archive?: boolean;
  FollowLink?: boolean;
}

interface ExecInstance {
  id: string;
  container: string;
  cmd: string[];
  tty: boolean;
  /** AttachStdin: a hijacked start's input is the process's stdin */
  stdin: boolean;
  env?: string[];
  user?: string;
  workingDir?: string;
  running: boolean;
  exitCode: number | null;
  /** its process while it runs with a pty (Tty, started through the API): resizes go to it */
  terminal?: GuestProcess;
}

const decoder = new TextDecoder();
/** `--env-file` and the like: small files, over the agent's serial line (~50 KB/s) */
const GUEST_FILE_LIMIT = 256 * 1024;

/** how long a new guest's warm-up waits after the engine has seen the guest (about when the prompt appears) */
const WARM_UP_DELAY_MS = 2000;

/** moby's ParseSignal, its refusal as the daemon's 400. */
function signalOf(raw: string): number {
  try {
    return parseSignal(raw);
  } catch (e) {
    throw new EngineError('INVALID_ARGUMENT', (e as Error).message);
  }
}
const running = (r: ContainerRecord) => ['running', 'paused', 'restarting'].includes(r.state.status);
const noContent = () => new Response(null, { status: 204 });
const notModified = () => new Response(null, { status: 304 });

/** Docker's exit status for a process that ended: its code, or 128 + the signal that killed it. */
function exitStatusOf(s: GuestExitStatus): number {
  return s.signal !== undefined && s.exitCode < 128 ? 128 + s.signal : s.exitCode;
}

export class ContainerProcesses {
  #runtime: ContainerRuntime | undefined;
  #guest: GuestExec | undefined;
  readonly #execs = new Map<string, ExecInstance>();
  /** containers whose exit is being recorded: stop/kill wait on these */
  readonly #exits = new Map<string, Promise<void>>();
  /** containers whose mount and cgroup are being released after an exit (#release) */
  readonly #releasing = new Map<string, Promise<void>>();
  /** restart managers (moby's restartmanager): backoff and a pending restart per container */
  readonly #restarts = new Map<string, RestartManager>();
  /** attached clients: each run's output as it comes, the stdin of a container started with OpenStdin */
  readonly #attached = new AttachHub();
  /** containers running on a learner's terminal (-it): no restart policy, the terminal is gone with them */
  readonly #onTerminal = new Set<string>();
  /** the process of each detached container while it runs (#follow): what a checkpoint saves of it */
  readonly #detached = new Map<string, GuestProcess>();
  /** the process of each running container with a pty of its own (Tty, started by the engine): resizes go to it */
  readonly #terminals = new Map<string, GuestProcess>();
  /** each container's upper dir as last listed, with the diff read at that listing (see #upperListing) */
  readonly #upperSeen = new Map<string, { listing: string; changes?: Change[] }>();
  readonly #watch: ReturnType<typeof setInterval>;
  /** deps.adopt until the first guest has taken it */
  #toAdopt: Record<string, SavedRuntimeEntry> | undefined;
  /** the first guest's containers being taken over (#adoptGuest): requests wait for it (adopted()) */
  #adopting: Promise<void> = Promise.resolve();
  /** restart policies applied after a boot (moby's restore); tests may await it */
  booted: Promise<void> = Promise.resolve();
  /** health checks of the running containers (dockerd's monitor) */
  readonly health: HealthMonitor;

  constructor(private readonly deps: ContainerProcessDeps) {
    this.#toAdopt = deps.adopt;
    // `docker rm` (containers-api) forgets the record; the runtime then clears the guest side.
    deps.containers.subscribe((record, event) => {
      if (event !== 'destroy') return;
      // dockerd forgets a container's exec instances with it
      for (const [id, e] of this.#execs) if (e.container === record.id) this.#execs.delete(id);
      this.#attached.end(record.id);
      this.#restarts.get(record.id)?.cancel();
      this.#restarts.delete(record.id);
      this.#exits.delete(record.id);
      void this.#removeGuestSide(record).catch(() => undefined);
    });
    // A new guest (first boot, page reload, machine restart) is the daemon starting: what ran there has ended,
    // and containers whose restart policy says so start again. Checked on a timer so nobody has to type first.
    this.#watch = setInterval(() => this.#checkGuest(), 1000);
    (this.#watch as { unref?: () => void }).unref?.();
    this.health = new HealthMonitor({ containers: deps.containers, probe: (id, argv, timeoutMs) => this.#healthProbe(id, argv, timeoutMs) });
  }

  /**
   * One health probe (dockerd's cmdProbe): argv exec'd in the container as its process; stdout then stderr are the
   * output. At the timeout the probe (drydock-init's child: the process in the container's cgroup whose parent is the
   * drydock-init the agent started, found with READ_FILE, no guest process) is killed, then drydock-init, and the
   * probe is over only once it has ended: probes do not pile up.
   */
  async #healthProbe(id: string, argv: string[], timeoutMs: number): Promise<ProbeOutcome> {
    const guest = this.#guest as GuestExec;
    const rt = this.runtime();
    const args = await rt.execArgv(id, argv);
    const chunks: Uint8Array[][] = [[], []];
    const proc = guest.spawn(args, { onStdout: (b) => chunks[0]!.push(b), onStderr: (b) => chunks[1]!.push(b) });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const ended = await Promise.race([proc.exit, expired]);
    clearTimeout(timer);
    if (ended !== 'timeout') {
      const bytes = [...chunks[0]!, ...chunks[1]!];
      const output = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of bytes) output.set(b, (at += b.length) - b.length);
      return { exitCode: exitStatusOf(ended), output };
    }
    const parent = await proc.started;
    const read = async (path: string) => decoder.decode((await guest.readFile?.(path).catch(() => undefined)) ?? new Uint8Array());
    const kids: string[] = [];
    for (const pid of (await read(`${rt.trace(id).cgroup}/cgroup.procs`)).split('\n').filter(Boolean)) {
      if (/^PPid:\s*(\d+)$/m.exec(await read(`/proc/${pid}/status`))?.[1] === String(parent)) kids.push(pid);
    }
    if (kids.length) await guest.exec(['kill', '-KILL', ...kids], { timeoutMs: 60_000 }).catch(() => undefined);
    proc.kill(9);
    await Promise.race([proc.exit.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    return { timedOut: true };
  }

  /**
   * Resolves once the containers of the checkpoint this engine opened on are taken over (at once otherwise): a request
   * that touches them (`docker top`, `stop`, a `run -p` that needs their host ports taken) waits for that.
   */
  async adopted(): Promise<void> {
    if (this.#toAdopt) this.#checkGuest();
    await this.#adopting;
  }

  /** Stops the boot watcher and pending restarts (the engine is going away). */
  dispose(): void {
    this.#disposed = true;
    clearInterval(this.#watch);
    this.health.dispose();
    for (const m of this.#restarts.values()) m.cancel();
  }

  #checkGuest(): void {
    const guest = this.deps.guest();
    if (guest && guest !== this.#guest) {
      try {
        this.runtime();
      } catch {
        // between boots
      }
    }
  }

  /** The runtime of the guest running now: a new guest (restart) means a new runtime, and what ran there has ended. */
  runtime(): ContainerRuntime {
    const guest = this.deps.guest();
    if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so containers cannot run now');
    if (guest !== this.#guest || !this.#runtime) {
      const hadOne = this.#runtime !== undefined;
      this.#guest = guest;
      this.#runtime = new ContainerRuntime(guest);
      // Only a guest that replaces another ended runs: the clients attached to those get their end, as at an exit.
      // A client attached to a container that was not running waits for its next run, which is this guest's: the
      // docker CLI attaches before its start, and that start is often what notices the new guest (within the boot
      // watcher's first second after a restart), so ending every client here lost a short container's output.
      if (hadOne) {
        for (const r of this.deps.containers.list()) if (r.state.status === 'running' || r.state.status === 'paused') this.#attached.end(r.id);
        this.#detached.clear();
      }
      this.#onTerminal.clear();
      // The first guest of an engine opened on a checkpoint's documents is the guest restored with them: what ran
      // there still runs and is taken over (the daemon did not restart, so no restart policy applies to the rest).
      const saved = hadOne ? undefined : this.#toAdopt;
      this.#toAdopt = undefined;
      const rt = this.#runtime;
      if (saved) {
        this.#adopting = this.#adoptGuest(rt, saved).catch(() => undefined);
        this.booted = this.#adopting;
      } else this.booted = (hadOne ? this.#lostGuest() : Promise.resolve()).then(() => this.#restoreAfterBoot()).catch(() => undefined);
      this.#startWarmUp(this.#runtime);
    }
    return this.#runtime;
  }

  /** when the engine last had a request (noteActivity): a warm-up runs no further container after one */
  #activeAt = Number.NEGATIVE_INFINITY;
  #disposed = false;

  /** The learner (or the UI) is using the engine: a warm-up under way runs no further container. */
  noteActivity(): void {
    this.#activeAt = Date.now();
  }

  /**
   * The new guest's idle time warms the paths every `docker run` takes (runtime/warm-up.ts), after a restart policy's
   * starts, and stops at the learner's first container work; the warm-up's own containers run at the containers'
   * low CPU weight, so the learner's shell keeps the CPU when it wants it.
   */
  #startWarmUp(rt: ContainerRuntime): void {
    const runs = this.deps.warmUpRuns ?? 0;
    if (runs <= 0) return;
    // a request that made this runtime (the first `docker run` before the boot watcher saw the guest) counts too
    const since = Date.now() - 1000;
    // not at once: the prompt has just appeared, and the learner's first keystrokes come before any warm-up
    void this.booted
      .then(() => new Promise((r) => setTimeout(r, WARM_UP_DELAY_MS)))
      .then(() => warmUpRuntime(rt, { runs, stop: () => this.#disposed || this.#activeAt >= since || this.#runtime !== rt }))
      .catch(() => undefined);
  }

  /** The runtime's side of a checkpoint (saved with the engine's documents): what adoption needs of each running container. */
  savedRuntime(): Record<string, SavedRuntimeEntry> {
    const out: Record<string, SavedRuntimeEntry> = {};
    const guest = this.deps.guest();
    if (!this.#runtime || !guest || guest !== this.#guest) return out;
    for (const [id, proc] of this.#detached) {
      const record = this.deps.containers.find(id);
      const entry = proc.stream === undefined ? undefined : this.#runtime.saved(id, proc.stream);
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
  async #adoptGuest(rt: ContainerRuntime, saved: Record<string, SavedRuntimeEntry>): Promise<void> {
    const lost: ContainerRecord[] = [];
    // `--network container:X` ones after X: they take X's /etc files
    const joins = (r: ContainerRecord) => Number(r.hostConfig.NetworkMode.startsWith('container:'));
    for (const r of this.deps.containers.list().sort((a, b) => joins(a) - joins(b))) {
      if (!running(r)) continue;
      const entry = saved[r.id];
      // a restarting container's next run was the old engine's timer: a restart policy decides again below
      if (!entry || r.state.status === 'restarting') {
        lost.push(r);
        continue;
      }
      const adopted = await rt.adopt(entry, { ...this.#output(r.id), ...(r.config.OpenStdin === true ? { stdin: true } : {}), ...(r.config.Tty === true ? { tty: true } : {}) }).catch(() => null);
      // its addresses and host ports are taken again before any other container can be given them
      await this.deps.networking?.adopt(r).catch(() => undefined);
      if (!adopted?.proc) {
        lost.push(r);
        continue;
      }
      // A PID 1 that ended as the checkpoint was taken still has its wrapper's EXIT to come: recorded as any exit.
      this.#follow(rt, r, adopted.proc);
      this.#exits.set(r.id, this.#afterExit(r.id, rt.wait(r.id)));
      if (adopted.alive) this.health.adopt(r);
    }
    for (const r of lost) {
      if (this.#known(r.id)) await rt.delete(r.id, { keepUpper: true }).catch(() => undefined);
      this.deps.logs.close(r.id);
      if (r.hostConfig.AutoRemove) await forgetContainer(this.deps, r, { volumes: true });
      else await this.deps.containers.markExited(r.id, { exitCode: r.state.status === 'restarting' ? r.state.exitCode : 255 });
    }
    await this.#restoreAfterBoot(new Set(lost.map((r) => r.id)));
  }

  async #lostGuest(): Promise<void> {
    // before the exits are recorded: what the network driver made is gone with the guest
    this.deps.networking?.forgetGuest();
    for (const r of this.deps.containers.list()) {
      this.#restarts.get(r.id)?.cancel();
      this.#restarts.delete(r.id);
      if (!running(r)) continue;
      this.deps.logs.close(r.id);
      if (r.hostConfig.AutoRemove) await forgetContainer(this.deps, r, { volumes: true });
      else await this.deps.containers.markExited(r.id, { exitCode: 255 });
    }
  }

  /**
   * moby's restore: on a daemon start, containers whose policy says so are started again (the manual-start
   * path: RestartCount back to 0). `always` even after `docker stop`; `unless-stopped` not after one.
   */
  async #restoreAfterBoot(only?: ReadonlySet<string>): Promise<void> {
    for (const r of this.deps.containers.list()) {
      if ((only && !only.has(r.id)) || running(r) || r.state.startedAt === 0 || r.state.status === 'dead') continue;
      const policy = r.hostConfig.RestartPolicy?.Name ?? 'no';
      const max = r.hostConfig.RestartPolicy?.MaximumRetryCount ?? 0;
      const again =
        policy === 'always' ||
        (policy === 'unless-stopped' && !r.manuallyStopped) ||
        (policy === 'on-failure' && !r.manuallyStopped && r.state.exitCode !== 0 && (max === 0 || r.restartCount < max));
      if (again) await this.start(r.id).catch(() => undefined);
    }
  }

  #manager(id: string): RestartManager {
    let m = this.#restarts.get(id);
    if (!m) this.#restarts.set(id, (m = new RestartManager()));
    return m;
  }

  /** Removes the guest side of a container the runtime may not know any more (its upper dir kept after a stop). */
  async #removeGuestSide(record: ContainerRecord): Promise<void> {
    await this.#released(record.id);
    if (this.#known(record.id)) {
      await this.#runtime?.delete(record.id);
      return;
    }
    const guest = this.deps.guest();
    if (!guest) return;
    const o = record.overlay;
    const q = quoteWord;
    // the bundle may be the container's storage tmpfs (lower.ts): unmounted, lazily, before it is removed
    await guest.exec(['sh', '-c', `if grep -q ${q(` ${o.mergedDir} `)} /proc/mounts; then umount ${q(o.mergedDir)}; fi; if grep -q ${q(` ${record.bundle} `)} /proc/mounts; then umount -l ${q(record.bundle)}; fi; rm -rf ${[o.upperDir, o.workDir, o.mergedDir, record.bundle].map(q).join(' ')}`], { timeoutMs: 60_000 });
  }

  /** State.Pid becomes PID 1's host pid once the runtime has looked it up (exec, kill, cp), instead of the wrapper's. */
  #syncPid(id: string): void {
    const pid = this.#runtime?.knownPid(id);
    const record = this.deps.containers.find(id);
    if (pid && record && record.state.pid !== pid) void this.deps.containers.setPid(id, pid).catch(() => undefined);
  }

  #known(id: string): boolean {
    try {
      this.#runtime?.trace(id);
      return this.#runtime !== undefined;
    } catch {
      return false;
    }
  }

  async #deleteInRuntime(id: string, options: { keepUpper?: boolean } = {}): Promise<void> {
    await this.#released(id);
    if (this.#known(id)) await this.#runtime?.delete(id, options);
  }

  /**
   * Lowers the container into the guest (cgroup, overlay), writes its bundle files and checks args[0] like
   * runc. On a start failure the record says why (exit 127/126) and the guest side is gone again.
   */
  async #prepare(record: ContainerRecord): Promise<ContainerRuntime> {
    const rt = this.runtime();
    const guest = this.#guest as GuestExec;
    await this.deps.ensureLayers?.(record);
    // A stopped container keeps its writes (the upper dir) across stop/start and restart, as Docker's do.
    await this.#deleteInRuntime(record.id, { keepUpper: true });
    // Always, as moby's getUser: root too gets HOME and the groups /etc/group lists it in.
    const etc = await this.#imageEtc(record);
    const devices = await this.#devices(guest, record);
    let joined: ReturnType<ContainerProcesses['joinedNamespaces']>;
    try {
      joined = this.joinedNamespaces(record);
    } catch (e) {
      await this.#startFailed(record, e);
      throw e;
    }
    const net = await this.#network(record);
    let spec: ReturnType<typeof bundleFiles>['spec'];
    let files: ReturnType<typeof bundleFiles>['files'];
    try {
      // the network model may have changed the record (`container:X` takes X's host name)
      ({ spec, files } = bundleFiles(this.deps.containers.get(record.id), etc, net, devices, joined));
      // Docker fills a volume from the image at the container's create; here at its first start, the first time
      // its overlay is mounted (nothing ran in it yet, so the same content)
      const populate = record.state.startedAt === 0 ? record.mounts.filter((m) => m.type === 'volume' && !m.noCopy).map((m) => ({ source: m.source, destination: m.destination })) : [];
      await rt.create(spec, { id: record.id, bundle: record.bundle, rootfs: record.overlay }, { ...(net ? { network: net.network } : {}), populate });
    } catch (e) {
      await this.deps.networking?.release(record.id);
      throw e;
    }
    try {
      const p = spec.process;
      // with --init the command is docker-init's: its args[0] is the one that must exist in the image
      const arg0 = (p.args[0] === INIT_PATH ? p.args[2] : p.args[0]) ?? '';
      const [kinds] = await Promise.all([
        this.#probe(guest, record.overlay.mergedDir, candidates(arg0, p.env ?? [], p.cwd)),
        ...(['hostname', 'hosts', 'resolv.conf'] as const).map((f) => guest.writeFile(`${record.bundle}/${f}`, files[f], { mode: 0o644 })),
      ]);
      const found = await resolveExecutable(arg0, p.env ?? [], p.cwd, async (path) => kinds.get(path) ?? 'missing');
      if (!found.ok) {
        const message = startFailureMessage(found.reason);
        await rt.delete(record.id, { keepUpper: true });
        await this.deps.containers.markStartFailed(record.id, { exitCode: found.exitCode, error: message });
        if (record.hostConfig.AutoRemove) await forgetContainer(this.deps, record, { volumes: true });
        throw new EngineError('INVALID_ARGUMENT', message, { details: { exitStatus: found.exitCode } });
      }
    } catch (e) {
      if (this.#known(record.id)) await rt.delete(record.id, { keepUpper: true }).catch(() => undefined);
      await this.deps.networking?.release(record.id);
      throw e;
    }
    return rt;
  }

  /**
   * `--ipc container:X` and `--pid container:X`: X's PID 1 and bundle, with dockerd's refusals (getIPCContainer,
   * getPIDContainer): X must exist and run, and for IPC have been started `--ipc shareable`.
   */
  joinedNamespaces(record: ContainerRecord): { ipc?: { pid: number; bundle: string }; pid?: number } {
    const donor = (ref: string) => {
      const other = this.deps.containers.find(ref);
      if (!other) throw new EngineError('NOT_FOUND', `No such container: ${ref}`, { details: { origin: 'daemon' } });
      if (other.state.status === 'restarting') throw new EngineError('CONFLICT', `Container ${other.id} is restarting, wait until the container is running`, { details: { origin: 'daemon' } });
      if (!running(other) || other.state.pid <= 0) throw new EngineError('CONFLICT', `container ${other.id} is not running`, { details: { origin: 'daemon' } });
      return other;
    };
    const out: { ipc?: { pid: number; bundle: string }; pid?: number } = {};
    const ipcRef = modeContainer(record.hostConfig.IpcMode);
    if (ipcRef !== undefined) {
      const other = donor(ipcRef);
      if (effectiveIpcMode(other.hostConfig.IpcMode) !== 'shareable') {
        throw new EngineError('INVALID_ARGUMENT', `container ${ipcRef}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`, { details: { origin: 'daemon' } });
      }
      out.ipc = { pid: other.state.pid, bundle: other.bundle };
    }
    const pidRef = modeContainer(record.hostConfig.PidMode);
    if (pidRef !== undefined) out.pid = donor(pidRef).state.pid;
    return out;
  }

  /** `--device` nodes looked up in the guest (one process, only when there are some), with the daemon's error. */
  async #devices(guest: GuestExec, record: ContainerRecord): Promise<ResolvedDevice[]> {
    const wanted = record.hostConfig.Devices ?? [];
    if (wanted.length === 0) return [];
    const r = await guest.exec(['stat', '-L', '-c', '%F|%t|%T|%a|%u|%g', ...wanted.map((d) => d.PathOnHost)], { timeoutMs: 30_000 });
    const lines = decoder.decode(r.stdout).split('\n');
    return wanted.map((d, i) => {
      const [kind, major, minor, mode, uid, gid] = (lines[i] ?? '').split('|');
      const type = kind === 'character special file' ? 'c' : kind === 'block special file' ? 'b' : undefined;
      if (r.exitCode !== 0 && !type) throw new EngineError('NOT_FOUND', `error gathering device information while adding custom device "${d.PathOnHost}": no such file or directory`, { details: { origin: 'daemon' } });
      if (!type) throw new EngineError('INVALID_ARGUMENT', `error gathering device information while adding custom device "${d.PathOnHost}": not a device node`, { details: { origin: 'daemon' } });
      return { pathInContainer: d.PathInContainer, type, major: parseInt(major!, 16), minor: parseInt(minor!, 16), permissions: d.CgroupPermissions, fileMode: parseInt(mode!, 8), uid: Number(uid), gid: Number(gid) };
    });
  }

  /** The network model's part of a start. Its refusal fails the start as dockerd records it (exit 128, State.Error). */
  async #network(record: ContainerRecord): Promise<PreparedNetwork | undefined> {
    if (!this.deps.networking) return undefined;
    try {
      return await this.deps.networking.prepare(record);
    } catch (e) {
      await this.#startFailed(record, e);
      throw e;
    }
  }

  async #startFailed(record: ContainerRecord, e: unknown): Promise<void> {
    await this.deps.containers.markStartFailed(record.id, { exitCode: record.state.exitCode || 128, error: (e as Error).message }).catch(() => undefined);
    if (record.hostConfig.AutoRemove) await forgetContainer(this.deps, this.deps.containers.get(record.id), { volumes: true }).catch(() => undefined);
  }

  /**
   * Once PID 1 runs, before the container counts as started: its ports published and DNS views updated. A
   * failure stops the start: the container is killed and the start reported failed, as dockerd does.
   */
  async #networkStarted(rt: ContainerRuntime, record: ContainerRecord, pid: number): Promise<void> {
    try {
      await this.deps.networking?.started(record, pid);
    } catch (e) {
      await rt.delete(record.id, { keepUpper: true }).catch(() => undefined);
      await this.#startFailed(this.deps.containers.get(record.id), e);
      throw e;
    }
  }

  /** /etc/passwd and /etc/group of the image (topmost layer that has them): user, HOME and groups. */
  async #imageEtc(record: ContainerRecord): Promise<{ passwd?: string; group?: string }> {
    const view = this.deps.imageFiles(record);
    const read = async (file: string) => view?.readFile(file).then((bytes) => decoder.decode(bytes), () => undefined);
    const [passwd, group] = await Promise.all([read('/etc/passwd'), read('/etc/group')]);
    return { ...(passwd !== undefined ? { passwd } : {}), ...(group !== undefined ? { group } : {}) };
  }

  /** What each candidate path is inside the container's root, in one guest round trip. */
  async #probe(guest: GuestExec, root: string, paths: string[]): Promise<Map<string, PathKind>> {
    const lines = paths.map((p) => {
      const q = quoteWord(`${root}${p}`);
      // An absolute symlink points into the guest's root here, not the container's: let the runtime try it.
      return `if [ -d ${q} ]; then echo d; elif [ -L ${q} ] || [ -x ${q} ]; then echo x; elif [ -e ${q} ]; then echo n; else echo m; fi`;
    });
    // a bound, not an expectation: it answers in milliseconds, but 8 starts at once on a loaded machine took > 10 s
    const r = await guest.exec(['sh', '-c', lines.join('\n')], { timeoutMs: 60_000 });
    const out = decoder.decode(r.stdout).split('\n');
    const kind: Record<string, PathKind> = { d: 'directory', x: 'executable', n: 'not-executable', m: 'missing' };
    return new Map(paths.map((p, i) => [p, kind[out[i] ?? 'm'] ?? 'missing']));
  }

  /**
   * `docker start` (detached): output goes to the container's log. False when it was already running. A manual
   * start resets the restart policy's count and backoff, and forgets a `docker stop` (moby's containerStart).
   */
  async start(ref: string): Promise<boolean> {
    const record = this.deps.containers.get(ref);
    if (record.state.status === 'paused') throw new EngineError('CONFLICT', `cannot start a paused container, try unpause instead`);
    if (running(record)) return false;
    this.#restarts.get(record.id)?.cancel();
    this.#restarts.delete(record.id);
    await this.deps.containers.setRestartState(record.id, { restartCount: 0, manuallyStopped: false });
    try {
      await this.#launch(record);
    } catch (e) {
      // attached clients waited for this run: it will not come
      this.#attached.end(record.id);
      // moby's containerStart: a failed start of an AutoRemove container removes it, whatever failed (the guest,
      // the layers, a device, the runtime), so `docker run --rm` leaves nothing Created behind
      const now = this.deps.containers.find(record.id);
      if (now?.hostConfig.AutoRemove && !running(now)) await this.#startFailed(now, e);
      throw e;
    }
    return true;
  }

  /** Starts the container's process detached. `wanted` false after the (slow) preparation: a stop came meanwhile. */
  async #launch(record: ContainerRecord, wanted: () => boolean = () => true): Promise<void> {
    const rt = await this.#prepare(record);
    const id = record.id;
    if (!wanted()) {
      await rt.delete(id, { keepUpper: true }).catch(() => undefined);
      await this.deps.networking?.release(id);
      return;
    }
    const exited = rt.wait(id);
    // The runtime's final step, spawned here rather than by rt.start(): that one polls the guest for PID 1,
    // and the polling shell (outside the containers' low cpu.weight) starves the container it waits for.
    const argv = rt.interactive(id);
    const openStdin = record.config.OpenStdin === true;
    // Tty: the agent relays the pty drydock-init opens in the container as one raw stream (stdout), as runc's console
    const tty = record.config.Tty === true;
    const proc = (this.#guest as GuestExec).spawn(argv, { ...this.#output(id), ...(openStdin ? { stdin: true } : {}), ...(tty ? { tty: true } : {}) });
    const ended = this.#follow(rt, record, proc);
    const wrapper = (await proc.started) ?? 0;
    // State.Pid is PID 1 as soon as `docker run -d`/`start` returns, as dockerd reports it: a `kill -9` of the
    // wrapper would leave the container running. The wrapper's pid stands in only if PID 1 never showed up.
    // It is read once PID 1 runs the container's command (drydock-init's pid file, written at that exec), as after
    // runc start: its volumes and binds are mounted by then, where a PID 1 still mounting would meet a `docker exec`,
    // `nsenter -t` or `docker cp` right after with a half-made container. With the guest's or another container's
    // PID namespace (--pid) no process of it is a PID 1 anyway.
    const pid = wrapper && ((await findPidOne(this.#guest as GuestExec, rt.trace(id).cgroup, { wrapper, ended, timeoutMs: 30_000, pidFile: `${record.bundle}/pid` })) ?? wrapper);
    if (!wanted()) {
      // stopped while it was being started by its restart policy: it ends now, as `stopped` says
      await rt.delete(id, { keepUpper: true }).catch(() => undefined);
      await this.deps.networking?.release(id);
      return;
    }
    await this.#networkStarted(rt, record, pid);
    await this.deps.containers.markStarted(id, pid);
    this.#exits.set(id, this.#afterExit(id, exited));
  }

  /** Where a detached container's output goes: its log and the clients attached to it. */
  #output(id: string): { onStdout: (b: Uint8Array) => void; onStderr: (b: Uint8Array) => void } {
    return {
      onStdout: (b) => (this.deps.logs.append(id, 'stdout', b), this.#attached.output(id, 'stdout', b)),
      onStderr: (b) => (this.deps.logs.append(id, 'stderr', b), this.#attached.output(id, 'stderr', b)),
    };
  }

  /** A detached container's process, spawned or adopted: its stdin and pty offered to clients, its end told to the runtime. */
  #follow(rt: ContainerRuntime, record: ContainerRecord, proc: GuestProcess): () => boolean {
    const id = record.id;
    if (record.config.OpenStdin === true) this.#attached.started(id, proc);
    // the docker CLI sizes it right after the start (MonitorTtySize): a resize before the pty exists waits in the agent
    if (record.config.Tty === true) this.#terminals.set(id, proc);
    this.#detached.set(id, proc);
    let ended = false;
    const over = () => {
      ended = true;
      this.#attached.end(id);
      if (this.#terminals.get(id) === proc) this.#terminals.delete(id);
      if (this.#detached.get(id) === proc) this.#detached.delete(id);
    };
    // A guest that goes away (restart, checkpoint restore) ends these with its error: nobody waits for them then.
    // Attached clients end with the output: every output frame came before the exit.
    void proc.exit
      .then(
        (s) => (over(), rt.exited(id, s)),
        () => (over(), rt.exited(id, { exitCode: 255 })),
      )
      .catch(() => undefined);
    return () => ended;
  }

  /** Records the exit when it comes; a failure to record it (the guest went away meanwhile) is not an unhandled rejection. */
  #afterExit(id: string, exited: Promise<GuestExitStatus & { oomKilled: boolean }>): Promise<void> {
    // `docker stop`/`kill` wait for this: they return once the mount and cgroup are gone, as dockerd's do
    return exited.then((s) => this.#recordExit(id, s)).then(() => this.#released(id)).catch(() => undefined);
  }

  async #recordExit(id: string, s: GuestExitStatus & { oomKilled: boolean }): Promise<void> {
    this.deps.logs.close(id);
    this.#attached.end(id);
    const record = this.deps.containers.find(id);
    if (!record || !running(record)) return;
    const exitCode = exitStatusOf(s);
    const onTerminal = this.#onTerminal.delete(id);
    const delay = onTerminal || record.hostConfig.AutoRemove ? undefined : this.#manager(id).shouldRestart(record, exitCode, Date.now());
    if (delay !== undefined) {
      await this.deps.containers.markRestarting(id, exitCode);
      this.#release(id);
      this.#manager(id).schedule(delay, () => void this.#restartNow(id));
      return;
    }
    await this.deps.containers.markExited(id, { exitCode, oomKilled: s.oomKilled });
    // --rm: the record goes first (the CLI waits for that); the guest side is cleared after it (destroy event).
    if (record.hostConfig.AutoRemove) await forgetContainer(this.deps, this.deps.containers.get(id), { volumes: true });
    else this.#release(id);
  }

  /**
   * As dockerd at a container's exit (containerd deletes the task, the graph driver unmounts): its overlay mount
   * and cgroup go now, after the exit is recorded so `docker run`/`wait` do not wait for it; the upper dir (on the
   * container's storage tmpfs) and the bundle's files stay for `start`, `diff`, `commit` and `cp`. Whatever next
   * touches the guest side of the container waits for it first (#released).
   */
  #release(id: string): void {
    const rt = this.#runtime;
    if (!rt || !this.#known(id) || this.#releasing.has(id)) return;
    this.#track(id, rt.delete(id, { keepUpper: true }).catch(() => undefined));
  }

  /** A delete of the container's guest side under way: what next touches that side waits for it (#released). */
  #track(id: string, done: Promise<void>): void {
    this.#releasing.set(id, done);
    void done.then(() => {
      if (this.#releasing.get(id) === done) this.#releasing.delete(id);
    });
  }

  /** Resolves once an exit's release (#release) of the container's mount and cgroup has finished. */
  async #released(id: string): Promise<void> {
    await this.#releasing.get(id);
  }

  /** The restart policy's start, after the backoff: the container stays `restarting` until it runs again. */
  async #restartNow(id: string): Promise<void> {
    const record = this.deps.containers.find(id);
    if (!record || record.state.status !== 'restarting') return;
    const manager = this.#manager(id);
    try {
      await this.#launch(record, () => !manager.cancelled && this.deps.containers.find(id)?.state.status === 'restarting');
    } catch (e) {
      const now = this.deps.containers.find(id);
      if (now?.state.status === 'restarting') await this.deps.containers.markExited(id, { exitCode: now.state.exitCode || 128, error: (e as Error).message }).catch(() => undefined);
    }
  }

  /**
   * `docker stop`/`kill`/`rm -f`: a restart policy no longer applies (moby cancels the restart manager and
   * sets HasBeenManuallyStopped). True when it was between two runs: then stopping it is only a state change.
   */
  async #stopForGood(record: ContainerRecord): Promise<boolean> {
    this.#manager(record.id).cancel();
    await this.deps.containers.setRestartState(record.id, { manuallyStopped: true });
    if (record.state.status !== 'restarting') return false;
    await this.deps.containers.markExited(record.id, { exitCode: record.state.exitCode });
    this.#restarts.delete(record.id);
    return true;
  }

  /** Writes bytes to the stdin of a container started with OpenStdin (`-i`); `eof` closes it (StdinOnce). */
  async writeStdin(ref: string, data: Uint8Array, eof: boolean): Promise<void> {
    const record = this.deps.containers.get(ref);
    const proc = await this.#attached.stdin(record.id, { wait: false });
    if (!proc?.write) {
      if (!record.config.OpenStdin) throw new EngineError('CONFLICT', `container ${record.id} was not started with an open stdin (-i)`);
      if (!running(record)) throw new EngineError('CONFLICT', `container ${record.id} is not running`);
      return;
    }
    try {
      if (data.length) await proc.write(data);
      if (eof) await proc.closeStdin?.();
    } catch {
      // the process has ended: what it did not read is lost, as with a pipe
    }
  }

  /**
   * `POST /containers/{id}/attach` (dockerd's ContainerAttach): with `stream`, the output of the container's run
   * from now on (of its next run when it is not running: `docker run` and `start -a` attach before they start), the
   * body ending when that run ends; with `logs`, what it logged first. A hijacked request's input is the
   * container's stdin when `stdin` is asked and the container has one (-i); its end closes that stdin when the
   * container says StdinOnce (`run -i`), as the docker CLI's half-close does (the CLI half-closes at once when it
   * attaches no stdin, so a half-close never means the client has gone).
   */
  attach(ref: string, options: { stream: boolean; logs: boolean; stdin: boolean; stdout: boolean; stderr: boolean }, input: ReadableStream<Uint8Array> | undefined, signal?: AbortSignal): Response {
    const record = this.deps.containers.get(ref);
    const id = record.id;
    const tty = record.config.Tty;
    const before = options.logs ? this.deps.logs.read(id, { stdout: options.stdout, stderr: options.stderr }).map((e) => encodeLogEntry(e, { tty, timestamps: false })) : [];
    const body = options.stream
      ? attachBody({ tty, stdout: options.stdout, stderr: options.stderr, before }, (l) => this.#attached.listen(id, l))
      : new ReadableStream<Uint8Array>({ start: (c) => (before.forEach((b) => c.enqueue(b)), c.close()) });
    if (input) {
      if (options.stdin && options.stream && record.config.OpenStdin) void this.#pumpStdin(id, record.config.StdinOnce === true, input, signal);
      // nothing reads it: drained so the transport is never held up by it
      else void pumpInput(input, async () => {}, signal);
    }
    this.#event(record, 'attach');
    return new Response(body, { status: 200, headers: { 'Content-Type': tty ? RAW_STREAM : MULTIPLEXED_STREAM } });
  }

  /** An attached client's stdin into the container's (its next run's, when it has not started yet). */
  async #pumpStdin(id: string, once: boolean, input: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<void> {
    let gone = false;
    const end = await pumpInput(input, async (chunk) => {
      if (gone) return;
      const proc = await this.#attached.stdin(id, { wait: true });
      if (!proc?.write) return void (gone = true);
      await proc.write(chunk).catch(() => (gone = true));
    }, signal);
    if (end !== 'eof' || !once || gone) return;
    const proc = await this.#attached.stdin(id, { wait: true });
    await proc?.closeStdin?.().catch(() => undefined);
  }

  /** drydock extension for `docker run -it` / `start -ai`: the argv the CLI runs on the learner's terminal. */
  async interactive(ref: string): Promise<string[]> {
    const record = this.deps.containers.get(ref);
    if (running(record)) throw new EngineError('CONFLICT', `container ${record.id} is already running`);
    const rt = await this.#prepare(record);
    const argv = rt.interactive(record.id);
    await this.#networkStarted(rt, record, 0);
    this.#onTerminal.add(record.id);
    await this.deps.containers.setRestartState(record.id, { restartCount: 0, manuallyStopped: false });
    await this.deps.containers.markStarted(record.id, 0);
    const exited = rt.wait(record.id);
    this.#exits.set(record.id, this.#afterExit(record.id, exited));
    // The CLI spawns the argv on the learner's terminal after this returns: State.Pid follows once PID 1 is there.
    let ended = false;
    void exited.finally(() => (ended = true)).catch(() => undefined);
    void findPidOne(this.#guest as GuestExec, rt.trace(record.id).cgroup, { ended: () => ended, timeoutMs: 120_000 })
      .then((pid) => (pid && !ended ? this.deps.containers.setPid(record.id, pid) : undefined))
      .catch(() => undefined);
    return argv;
  }

  /** How the CLI's interactive process ended. */
  async interactiveEnded(ref: string, end: GuestExitStatus): Promise<void> {
    const record = this.deps.containers.get(ref);
    await this.runtime().exited(record.id, end);
    await this.#exits.get(record.id);
  }

  async #waitExit(id: string, timeoutMs: number): Promise<boolean> {
    const done = this.#exits.get(id);
    if (!done) return true;
    return Promise.race([done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const record = this.deps.containers.get(ref);
    if (!running(record)) throw new EngineError('CONFLICT', `cannot kill container: ${ref}: container ${record.id} is not running`);
    const n = signalOf(signal);
    this.#event(record, 'kill', { signal: String(n) });
    if (n === 9 || n === signalOf(record.config.StopSignal ?? 'SIGTERM')) {
      if (await this.#stopForGood(record)) return;
    } else if (record.state.status === 'restarting') return;
    if (record.state.status === 'paused' && n === 9) await this.runtime().unpause(record.id).catch(() => undefined);
    await this.runtime().kill(record.id, n);
    this.#syncPid(record.id);
    if (n === 9) await this.#waitExit(record.id, 30_000);
  }

  /** For `rm -f`: SIGKILL and wait until the exit is recorded (or the runtime no longer knows it). */
  async killAndWait(record: ContainerRecord): Promise<void> {
    if (await this.#stopForGood(record)) return;
    if (!this.#known(record.id)) {
      await this.deps.containers.markExited(record.id, { exitCode: 137 });
      return;
    }
    // The runtime's delete kills the whole cgroup at once (cgroup.kill): no PID 1 lookup, forks included. The exit it
    // causes must not start the exit's own release (#release) beside it: two deletes at once left the bundle's
    // tmpfs mounted (one was still in it when the other unmounted).
    const deleting = this.runtime().delete(record.id);
    this.#track(record.id, deleting.catch(() => undefined));
    await deleting;
    await this.#waitExit(record.id, 2_000);
    if (running(this.deps.containers.get(record.id))) await this.deps.containers.markExited(record.id, { exitCode: 137 });
    this.deps.logs.close(record.id);
  }

  /** `docker stop`: the stop signal, then SIGKILL after the timeout. False when it was not running. */
  async stop(ref: string, timeoutSeconds?: number, signal?: string): Promise<boolean> {
    const record = this.deps.containers.get(ref);
    if (!running(record)) return false;
    const t = timeoutSeconds ?? record.config.StopTimeout ?? 10;
    const sig = signal ?? record.config.StopSignal ?? 'SIGTERM';
    if (await this.#stopForGood(record)) return true;
    if (record.state.status === 'paused') await this.unpause(ref);
    if (!this.#known(record.id)) {
      await this.deps.containers.markExited(record.id, { exitCode: 137 });
      return true;
    }
    // -t 0: the stop signal could not be handled anyway; SIGKILL at once (no wait for PID 1 to be found)
    if (t !== 0) {
      this.#event(record, 'kill', { signal: String(signalOf(sig)) });
      await this.runtime().kill(record.id, signalOf(sig)).catch(() => undefined);
    }
    if ((t > 0 && (await this.#waitExit(record.id, t * 1000))) || (t < 0 && (await this.#waitExit(record.id, 24 * 3600_000)))) {
      this.#event(record, 'stop');
      return true;
    }
    // never report a stop that did not happen (moby's "tried to kill container, but did not receive an exit event")
    const cannot = (why: string) => new EngineError('CONFLICT', `cannot stop container: ${ref}: ${why}`, { details: { origin: 'daemon' } });
    // (a kill that fails because the process has just exited is no failure: its exit is on its way)
    this.#event(record, 'kill', { signal: '9' });
    const failure = await this.runtime().kill(record.id, 9).then(() => null, (e: unknown) => e as Error);
    if (!(await this.#waitExit(record.id, failure ? 2_000 : 30_000))) {
      throw cannot(failure ? `tried to kill container, but the kill failed: ${failure.message}` : 'tried to kill container, but did not receive an exit event');
    }
    this.#event(record, 'stop');
    return true;
  }

  /** `docker restart`: stop (if running) then start, logged as dockerd logs it after both */
  async restart(ref: string, timeoutSeconds?: number): Promise<void> {
    await this.stop(ref, timeoutSeconds);
    await this.start(ref);
    this.#event(this.deps.containers.get(ref), 'restart');
  }

  #event(record: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    if (this.deps.events) logContainerEvent(this.deps.events, record, action, extra);
  }

  async pause(ref: string): Promise<void> {
    const record = this.deps.containers.get(ref);
    if (record.state.status === 'paused') throw new EngineError('CONFLICT', `container ${record.id} is already paused`);
    if (!running(record)) throw new EngineError('CONFLICT', `container ${record.id} is not running`);
    await this.runtime().pause(record.id);
    await this.deps.containers.markPaused(record.id);
  }

  async unpause(ref: string): Promise<void> {
    const record = this.deps.containers.get(ref);
    if (record.state.status !== 'paused') throw new EngineError('CONFLICT', `container ${record.id} is not paused`);
    await this.runtime().unpause(record.id);
    await this.deps.containers.markUnpaused(record.id);
  }

  /** `docker top`: `ps -ef`-like rows of the processes in the container's cgroup. */
  async top(ref: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    const record = this.deps.containers.get(ref);
    if (!running(record)) throw new EngineError('CONFLICT', `container ${record.id} is not running`);
    const cg = this.runtime().trace(record.id).cgroup;
    const script =
      // The runtime's wrapper shell (it forked PID 1 after unshare) is in the cgroup but not in the container's
      // PID namespace: its NSpid has one entry. Docker's top shows only the container's processes.
      `for p in $(cat ${cg}/cgroup.procs); do [ -r /proc/$p/stat ] || continue; ` +
      `set -- $(grep '^NSpid:' /proc/$p/status); [ $# -gt 2 ] || continue; ` +
      `u=$(awk '/^Uid:/{print $2}' /proc/$p/status); pp=$(awk '/^PPid:/{print $2}' /proc/$p/status); ` +
      `c=$(tr '\\0' ' ' < /proc/$p/cmdline); echo "$u|$p|$pp|$c"; done`;
    const out = await (this.#guest as GuestExec).exec(['sh', '-c', script], { timeoutMs: 60_000 });
    const rows = decoder.decode(out.stdout).trim().split('\n').filter(Boolean).map((l) => {
      const [uid = '', pid = '', ppid = '', cmd = ''] = l.split('|');
      return [uid === '0' ? 'root' : uid, pid, ppid, '0', '-', '?', '00:00:00', cmd.trim()];
    });
    // in pid order, as dockerd's `ps -ef` prints them (cgroup.procs lists them in the order they joined)
    rows.sort((a, b) => Number(a[1]) - Number(b[1]));
    return { Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: rows };
  }

  /**
   * `docker diff`: the container's upper dir read in the guest (it lives there until `docker rm` or a reboot). The
   * full reading forks a stat per entry, so it is redone only when a one-process listing of the upper dir differs
   * from the one taken before the last reading (the Inspect panel asks every few hundred ms).
   */
  async changes(ref: string): Promise<Change[]> {
    const record = this.deps.containers.get(ref);
    const guest = this.deps.guest();
    if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so the container\'s changes cannot be read now');
    await this.#released(record.id);
    const listing = await this.#upperListing(record, guest);
    const seen = this.#upperSeen.get(record.id);
    if (seen?.changes && seen.listing === listing) return seen.changes;
    const r = await guest.exec(['sh', '-c', changesScript(record.overlay.upperDir, record.overlay.lowerDirs)], { timeoutMs: 120_000 });
    const changes = withoutInitPaths(parseChanges(decoder.decode(r.stdout)));
    // Listed before the reading: a write in between makes the next listing differ, so it is read again then.
    this.#upperSeen.set(record.id, { listing, changes });
    return changes;
  }

  /**
   * SizeRw: the bytes in the container's upper dir (`?size=1` on inspect), from a listing taken now: a remembered one
   * would miss a write made since (an `inspect --size` right after a `docker exec` that wrote).
   */
  async sizeRw(ref: string): Promise<number> {
    const record = this.deps.containers.get(ref);
    const guest = this.deps.guest();
    if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so the container\'s size cannot be read now');
    await this.#released(record.id);
    return sizeFromListing(await this.#upperListing(record, guest));
  }

  /** One `ls` of the upper dir (empty when it is gone); remembered for sizeRw, keeping the diff read at the same listing. */
  async #upperListing(record: ContainerRecord, guest: GuestExec): Promise<string> {
    const r = await guest.exec(upperListingArgv(record.overlay.upperDir), { timeoutMs: 30_000 });
    const listing = r.exitCode === 0 ? decoder.decode(r.stdout) : '';
    const seen = this.#upperSeen.get(record.id);
    if (this.deps.containers.find(record.id)) this.#upperSeen.set(record.id, { listing, ...(seen?.listing === listing && seen.changes ? { changes: seen.changes } : {}) });
    else this.#upperSeen.delete(record.id);
    return listing;
  }

  /** One stats sample of a running container; undefined when it is not running (dockerd's all-zero document). */
  async #statsSample(record: ContainerRecord): Promise<StatsSample | undefined> {
    if (!['running', 'paused'].includes(record.state.status) || !this.#known(record.id)) return undefined;
    const cgroup = this.runtime().trace(record.id).cgroup;
    return sampleStats(this.#guest as GuestExec, cgroup, { pid: record.state.pid, ownNetwork: record.hostConfig.NetworkMode !== 'host' }).catch(() => undefined);
  }

  /**
   * `GET /containers/{id}/stats`. As dockerd: `stream` (the default) sends a document a second with the one before
   * as precpu_stats; `stream=false` waits for a second sample so CPU % has a delta; `one-shot` is one sample alone.
   */
  async stats(ref: string, options: { stream: boolean; oneShot: boolean }, signal?: AbortSignal): Promise<Response> {
    const record = this.deps.containers.get(ref);
    const doc = (cur: StatsSample | undefined, pre?: StatsSample) => statsJson(record.id, this.deps.containers.find(record.id)?.name ?? record.name, cur, pre);
    const sample = () => this.#statsSample(this.deps.containers.find(record.id) ?? record);
    const pause = (ms: number) => new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      signal?.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
    });
    if (!options.stream) {
      const first = await sample();
      if (options.oneShot || !first) return jsonResponse(doc(first));
      await pause(STATS_INTERVAL_MS);
      const second = await sample();
      return jsonResponse(second ? doc(second, first) : doc(undefined));
    }
    const encoder = new TextEncoder();
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        void (async () => {
          let pre: StatsSample | undefined;
          while (!cancelled && !signal?.aborted) {
            const cur = await sample();
            if (cancelled) return;
            c.enqueue(encoder.encode(`${JSON.stringify(doc(cur, pre))}\n`));
            // a container that is not running has nothing more to say
            if (!cur) break;
            pre = cur;
            await pause(STATS_INTERVAL_MS);
          }
          if (!cancelled) c.close();
        })().catch((e: unknown) => c.error(e));
      },
      cancel: () => {
        cancelled = true;
      },
    });
    return new Response(body, { headers: { 'Content-Type': 'application/json' } });
  }

  /**
   * drydock extension for the CLI's own small files (`--env-file`): the docker CLI reads them on its host, which
   * for drydock's CLI is the guest. Read through the agent's serial line, so capped at GUEST_FILE_LIMIT.
   */
  async guestFile(path: string): Promise<Response> {
    const guest = this.deps.guest();
    if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so its files cannot be read now');
    if (!path.startsWith('/')) throw new EngineError('INVALID_ARGUMENT', `not an absolute path: ${path}`);
    const direct = await this.deps.shareFile?.(path);
    if (direct === null) throw new EngineError('NOT_FOUND', `open ${path}: no such file or directory`);
    if (direct !== undefined) {
      if (direct.length > GUEST_FILE_LIMIT) throw new EngineError('INVALID_ARGUMENT', `${path}: larger than ${GUEST_FILE_LIMIT / 1024} KiB`);
      return new Response(direct as Uint8Array<ArrayBuffer>, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } });
    }
    const r = await guest.exec(['sh', '-c', '[ -f "$1" ] || exit 3; [ -r "$1" ] || exit 4; exec head -c $2 "$1"', 'guest-file', path, String(GUEST_FILE_LIMIT + 1)], { timeoutMs: 30_000 });
    if (r.exitCode === 3) throw new EngineError('NOT_FOUND', `open ${path}: no such file or directory`);
    if (r.exitCode !== 0) throw new EngineError('INVALID_ARGUMENT', `open ${path}: permission denied`);
    if (r.stdout.length > GUEST_FILE_LIMIT) throw new EngineError('INVALID_ARGUMENT', `${path}: larger than ${GUEST_FILE_LIMIT / 1024} KiB`);
    return new Response(r.stdout as Uint8Array<ArrayBuffer>, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } });
  }

  /**
   * `docker cp` (drydock extension route, both ends in the guest): a running container's files are reached through
   * its PID 1's root (volumes included), a stopped one's through its overlay (mounted for the copy if need be).
   */
  async copy(ref: string, body: CopyBody): Promise<{ Size: number }> {
    const record = this.deps.containers.get(ref);
    const guest = this.deps.guest();
    if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so files cannot be copied now');
    // a stopped container's overlay is mounted for the copy: not while its exit's unmount is still under way
    await this.#released(record.id);
    let root: string;
    let prologue = '';
    if ((record.state.status === 'running' || record.state.status === 'paused') && this.#known(record.id)) {
      root = `/proc/${await this.runtime().findPid(record.id)}/root`;
      this.#syncPid(record.id);
    } else {
      const o = record.overlay;
      const q = quoteWord;
      const lowers = overlayLowerDirs(o, record.bundle);
      root = o.mergedDir;
      // Mounted only for the copy (and unmounted on exit): the runtime's create mounts it again at start. The
      // container's storage tmpfs first (a created container's bundle has none yet): it stays, as after a stop.
      prologue =
        (await this.runtime().storageScript({ id: record.id, bundle: record.bundle, rootfs: o })) +
        `if ! grep -q ${q(` ${o.mergedDir} `)} /proc/mounts; then mkdir -p ${q(o.upperDir)} ${q(o.workDir)} ${q(o.mergedDir)} ${lowers.map(q).join(' ')} && ` +
        `mount -t overlay overlay -o ${q(`lowerdir=${lowers.join(':')},upperdir=${o.upperDir},workdir=${o.workDir}`)} ${q(o.mergedDir)} || exit 20; ` +
        `trap ${q(`umount ${q(o.mergedDir)}`)} EXIT; fi\n`;
    }
    const inContainer = `${root}${containerPath(body.ContainerPath) === '/' ? '' : containerPath(body.ContainerPath)}`;
    const guestPath = containerPath(body.GuestPath);
    const toContainer = body.ToContainer === true;
    const typedSrc = toContainer ? body.GuestPath : body.ContainerPath;
    const typedDst = toContainer ? body.ContainerPath : body.GuestPath;
    const script = copyScript({
      src: toContainer ? guestPath : inContainer,
      dst: toContainer ? inContainer : guestPath,
      archive: toContainer && body.Archive === true,
      followLink: body.FollowLink === true,
      contentsOnly: /\/\.$/.test(typedSrc),
      dstIsDir: typedDst.endsWith('/'),
    });
    const r = await guest.exec(['sh', '-c', prologue + script], { timeoutMs: 10 * 60_000 });
    if (r.exitCode === 20) throw new EngineError('EXEC_FAILED', `mounting the file system of container ${record.id} failed: ${decoder.decode(r.stderr).trim()}`);
    if (r.exitCode !== 0) {
      const side = toContainer ? { dst: record.name } : { src: record.name };
      const e = copyError(r.exitCode, { src: typedSrc, dst: typedDst }, side);
      if (e.code === 'EXEC_FAILED') throw new EngineError('EXEC_FAILED', `${e.message}: ${decoder.decode(r.stderr).trim()}`);
      throw e;
    }
    return { Size: Number(decoder.decode(r.stdout).trim().split('\n').pop() || 0) * 1024 };
  }

  createExec(ref: string, body: { Cmd?: string[] | null; Tty?: boolean; AttachStdin?: boolean; Env?: string[] | null; User?: string; WorkingDir?: string }): string {
    const record = this.deps.containers.get(ref);
    if (record.state.status === 'paused') throw new EngineError('CONFLICT', `Container ${record.id} is paused, unpause the container before exec`);
    if (!running(record)) throw new EngineError('CONFLICT', `Container ${record.id} is not running`);
    if (!body.Cmd || body.Cmd.length === 0) throw new EngineError('INVALID_ARGUMENT', 'No exec command specified');
    const id = crypto.randomUUID().replace(/-/g, '') + crypto.randomUUID().replace(/-/g, '');
    this.#execs.set(id, {
      id, container: record.id, cmd: body.Cmd, tty: body.Tty ?? false, stdin: body.AttachStdin === true, running: false, exitCode: null,
      ...(body.Env ? { env: body.Env } : {}), ...(body.User ? { user: body.User } : {}), ...(body.WorkingDir ? { workingDir: body.WorkingDir } : {}),
    });
    return id;
  }

  #exec(id: string): ExecInstance {
    const e = this.#execs.get(id);
    if (!e) throw new EngineError('NOT_FOUND', `No such exec instance: ${id}`);
    return e;
  }

  /**
   * `-u USER[:GROUP]` resolved as moby's exec does (getUser against the container's own /etc/passwd and /etc/group,
   * read through PID 1's root), keeping the container's `--group-add` groups; without -u, the container's user.
   */
  async #execOptions(e: ExecInstance): Promise<Parameters<ContainerRuntime['execArgv']>[2]> {
    const record = this.deps.containers.get(e.container);
    const env = [...(record.config.Env ?? []), ...(e.env ?? [])];
    let user: SpecUser | undefined;
    if (e.user) {
      const etc = await this.#containerEtc(record);
      try {
        user = specUser(resolveUser(e.user, etc.passwd, etc.group), record.hostConfig.GroupAdd, etc.group);
      } catch (error) {
        throw new EngineError('INVALID_ARGUMENT', (error as Error).message, { details: { origin: 'daemon' } });
      }
    }
    return { env, ...(e.workingDir ? { cwd: e.workingDir } : {}), ...(user ? { user } : {}), tty: e.tty };
  }

  /** /etc/passwd and /etc/group as the running container sees them (READ_FILE through PID 1's root), else the image's. */
  async #containerEtc(record: ContainerRecord): Promise<{ passwd?: string; group?: string }> {
    const read = this.#guest?.readFile?.bind(this.#guest);
    if (!read) return this.#imageEtc(record);
    const root = `/proc/${await this.runtime().findPid(record.id)}/root`;
    const text = (file: string) => read(`${root}${file}`).then((b) => decoder.decode(b), () => undefined);
    const [passwd, group] = await Promise.all([text('/etc/passwd'), text('/etc/group')]);
    return { ...(passwd !== undefined ? { passwd } : {}), ...(group !== undefined ? { group } : {}) };
  }

  /**
   * `POST /exec/{id}/start` (dockerd's ContainerExecStart): the body streams the process's output as it comes (raw
   * with a tty, stdcopy frames without) and ends when it exits, ExitCode recorded by then (the docker CLI reads it
   * from `/exec/{id}/json` once the stream ends). A hijacked request's input is its stdin when it was created with
   * AttachStdin; the client's half-close is EOF. `detach`: started, nothing streamed.
   */
  async startExec(id: string, options: { detach?: boolean; consoleSize?: readonly number[] | null } = {}, input?: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<Response> {
    const e = this.#exec(id);
    if (e.running) throw new EngineError('CONFLICT', `Error: Exec command ${id} is already running`);
    if (e.exitCode !== null) throw new EngineError('CONFLICT', `Error: Exec command ${id} has already run`);
    const argv = await this.runtime().execArgv(e.container, e.cmd, await this.#execOptions(e));
    this.#syncPid(e.container);
    const withStdin = e.stdin && input !== undefined && !options.detach;
    const hub = new AttachHub();
    const proc = (this.#guest as GuestExec).spawn(argv, {
      onStdout: (b) => hub.output(id, 'stdout', b),
      onStderr: (b) => hub.output(id, 'stderr', b),
      ...(withStdin ? { stdin: true } : {}),
      ...(e.tty ? { tty: true } : {}),
    });
    e.running = true;
    if (e.tty) {
      e.terminal = proc;
      // ExecStartOptions.ConsoleSize: the client's terminal, so the pty starts with it (the agent keeps it until the pty comes)
      const [h = 0, w = 0] = options.consoleSize ?? [];
      if (h > 0 && w > 0) void resizeTerminal(proc, h, w).catch(() => undefined);
    }
    const body = attachBody({ tty: e.tty, stdout: true, stderr: true }, (l) => hub.listen(id, l));
    void proc.exit
      .then((s) => exitStatusOf(s), () => 126)
      .then((code) => {
        e.exitCode = code;
        e.running = false;
        delete e.terminal;
        hub.end(id);
      })
      .catch(() => undefined);
    if (withStdin) {
      void pumpInput(input, (chunk) => (proc.write as (d: Uint8Array) => Promise<void>)(chunk).catch(() => undefined), signal).then((end) => {
        if (end === 'eof') void proc.closeStdin?.().catch(() => undefined);
      });
    } else if (input) void pumpInput(input, async () => {}, signal);
    if (options.detach) {
      await body.cancel();
      return new Response(null, { status: 200 });
    }
    return new Response(body, { status: 200, headers: { 'Content-Type': e.tty ? RAW_STREAM : MULTIPLEXED_STREAM } });
  }

  /**
   * `POST /containers/{id}/resize`: a client's terminal size for the container's pty (TIOCSWINSZ on its master in
   * the agent: SIGWINCH in the container). Without a pty of its own (no Tty, or -it on the learner's terminal, which
   * the kernel resizes with the console) the size is checked and nothing changes, as dockerd answers 200 there too.
   * A size of 0 changes nothing (the docker CLI never sends one).
   */
  async resize(ref: string, h: number, w: number): Promise<Response> {
    const record = this.deps.containers.get(ref);
    checkSize(h, w);
    if (!running(record)) throw new EngineError('CONFLICT', `Container ${record.id} is not running`);
    await resizeTerminal(this.#terminals.get(record.id), h, w);
    return new Response(null, { status: 200 });
  }

  /** `POST /exec/{id}/resize`, as `resize`. */
  async resizeExec(id: string, h: number, w: number): Promise<Response> {
    const e = this.#exec(id);
    checkSize(h, w);
    await resizeTerminal(e.terminal, h, w);
    return new Response(null, { status: 200 });
  }

  /** drydock extension for `docker exec -it`: the argv the CLI runs on the learner's terminal. */
  async execArgv(id: string): Promise<string[]> {
    const e = this.#exec(id);
    const argv = await this.runtime().execArgv(e.container, e.cmd, await this.#execOptions(e));
    e.running = true;
    this.#syncPid(e.container);
    return argv;
  }

  execEnded(id: string, end: GuestExitStatus): void {
    const e = this.#exec(id);
    e.running = false;
    e.exitCode = exitStatusOf(end);
  }

  execJson(id: string): Record<string, unknown> {
    const e = this.#exec(id);
    return { ID: e.id, Running: e.running, ExitCode: e.exitCode, ContainerID: e.container, ProcessConfig: { tty: e.tty, entrypoint: e.cmd[0], arguments: e.cmd.slice(1) } };
  }
}

function base64Bytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** TIOCSWINSZ through the agent; a process that has just ended has no terminal to resize (dockerd ignores that too). */
async function resizeTerminal(proc: GuestProcess | undefined, h: number, w: number): Promise<void> {
  if (!proc?.resize || h === 0 || w === 0) return;
  await proc.resize(Math.min(h, 0xffff), Math.min(w, 0xffff)).catch((e: unknown) => {
    if (!(e instanceof EngineError) || e.code !== 'EXEC_FAILED') throw e;
  });
}

function checkSize(h: number, w: number): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0) throw new EngineError('INVALID_ARGUMENT', 'invalid terminal size');
}

/** args[0] candidates runc's lookup looks at, so one guest round trip answers them all. */
function candidates(arg0: string, env: readonly string[], cwd: string): string[] {
  if (arg0.includes('/')) return [arg0.startsWith('/') ? arg0 : `${cwd.replace(/\/$/, '')}/${arg0}`].map((p) => p.replace(/\/\.\//g, '/'));
  const path = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return path.split(':').map((dir) => `${(dir === '' ? cwd : dir).replace(/\/$/, '')}/${arg0}`);
}




const endOf = (body: { ExitCode?: number; Signal?: number }): GuestExitStatus =>
  body.Signal ? { exitCode: 128 + body.Signal, signal: body.Signal } : { exitCode: body.ExitCode ?? 0 };

/** Routes for the process side; undefined for anything else. */
export function createContainerProcessApi(p: ContainerProcesses): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const url = new URL(request.url);
    const q = url.searchParams;
    const path = apiPath(url);
    const method = request.method.toUpperCase();
    const c = /^\/containers\/([^/]+)\/([a-z-]+)$/.exec(path);
    if (c) {
      const ref = decodePathSegment(c[1] as string);
      const action = c[2];
      if (method === 'POST' && action === 'start') return (await p.start(ref)) ? noContent() : notModified();
      if (method === 'POST' && action === 'stop') {
        const t = q.get('t') ?? q.get('timeout');
        return (await p.stop(ref, t !== null ? Number(t) : undefined, q.get('signal') ?? undefined)) ? noContent() : notModified();
      }
      if (method === 'POST' && action === 'restart') {
        const t = q.get('t');
        await p.restart(ref, t !== null ? Number(t) : undefined);
        return noContent();
      }
      if (method === 'POST' && action === 'kill') {
        await p.kill(ref, q.get('signal') || 'SIGKILL');
        return noContent();
      }
      if (method === 'POST' && action === 'pause') return p.pause(ref).then(noContent);
      if (method === 'POST' && action === 'unpause') return p.unpause(ref).then(noContent);
      if (method === 'GET' && action === 'top') return jsonResponse(await p.top(ref));
      if (method === 'GET' && action === 'changes') return jsonResponse(await p.changes(ref));
      if (method === 'GET' && action === 'stats') {
        const stream = q.get('stream');
        return p.stats(ref, { stream: stream === null || boolValue(stream), oneShot: boolValue(q.get('one-shot')) }, request.signal);
      }
      if (method === 'POST' && action === 'exec') {
        const body = (await readJsonBody(request, execOptions, { emptyOk: true })) ?? {};
        return jsonResponse({ Id: p.createExec(ref, body) }, 201);
      }
      if (method === 'POST' && action === 'attach') {
        return p.attach(ref, { stream: boolValue(q.get('stream')), logs: boolValue(q.get('logs')), stdin: boolValue(q.get('stdin')), stdout: boolValue(q.get('stdout')), stderr: boolValue(q.get('stderr')) }, hijackedInput(request), request.signal);
      }
      if (method === 'POST' && action === 'resize') return p.resize(ref, Number(q.get('h')), Number(q.get('w')));
      if (method === 'POST' && action === 'drydock-cp') return jsonResponse(await p.copy(ref, (await readJsonBody(request, drydockCopyBody)) as CopyBody));
      if (method === 'POST' && action === 'drydock-stdin') {
        // drydock extension: the attached client's stdin, a chunk per request (Docker hijacks the attach connection)
        const body = (await readJsonBody(request, drydockStdinChunk, { emptyOk: true })) ?? {};
        await p.writeStdin(ref, body.Data ? base64Bytes(body.Data) : new Uint8Array(), body.Eof === true);
        return noContent();
      }
      if (method === 'POST' && action === 'drydock-interactive') return jsonResponse({ Argv: await p.interactive(ref) });
      if (method === 'POST' && action === 'drydock-exited') {
        await p.interactiveEnded(ref, endOf((await readJsonBody(request, drydockExitStatus)) ?? {}));
        return noContent();
      }
    }
    if (method === 'GET' && path === '/drydock/guest-file') return p.guestFile(q.get('path') ?? '');
    const e = /^\/exec\/([^/]+)\/([a-z-]+)$/.exec(path);
    if (e) {
      const id = decodePathSegment(e[1] as string);
      const action = e[2];
      if (method === 'POST' && action === 'start') {
        const body = (await readJsonBody(request, execStartOptions, { emptyOk: true })) ?? {};
        return p.startExec(id, { detach: body.Detach === true, consoleSize: body.ConsoleSize ?? null }, hijackedInput(request), request.signal);
      }
      if (method === 'POST' && action === 'resize') return p.resizeExec(id, Number(q.get('h')), Number(q.get('w')));
      if (method === 'GET' && action === 'json') return jsonResponse(p.execJson(id));
      if (method === 'POST' && action === 'drydock-argv') return jsonResponse({ Argv: await p.execArgv(id) });
      if (method === 'POST' && action === 'drydock-exited') {
        p.execEnded(id, endOf((await readJsonBody(request, drydockExitStatus)) ?? {}));
        return noContent();
      }
    }
    return undefined;
  };
}
