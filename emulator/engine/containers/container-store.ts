// The engine's containers: records keyed by 64-hex ID, names, lookup by ID, name or unique prefix, state
// transitions with Docker's refusals, and persistence as JSON (after a reload what ran shows as exited).
import { EngineError } from '../errors.ts';
import type { ContainerConfig, HostConfig } from '../api/types/container.ts';
import { initialState, removalRefusal, transitions, type ContainerState } from './container-state.ts';
import { generateId, matchPrefix } from './ids.ts';
import { SaveQueue, type JsonStorage } from './json-storage.ts';
import { randomName } from './names.ts';
import type { ContainerNetworkState } from '../network/endpoint-settings.ts';
import type { ResolvedMount } from './spec.ts';
import type { HealthState } from './health.ts';

/** overlayfs directories of a container's root file system (GraphDriver.Data in inspect). */
export interface OverlayDirs {
  /** topmost first, as overlayfs's lowerdir option lists them */
  lowerDirs: string[];
  upperDir: string;
  workDir: string;
  mergedDir: string;
}

export interface ContainerRecord {
  id: string;
  /** without Docker's leading `/` */
  name: string;
  /** epoch ms */
  created: number;
  /** `sha256:<hex>` of the image config */
  imageId: string;
  /** the image as the user named it (`busybox`), what `docker ps` shows */
  imageName: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  mounts: ResolvedMount[];
  state: ContainerState;
  restartCount: number;
  /** `docker stop`/`kill` ended it (moby's HasBeenManuallyStopped): `unless-stopped` leaves it down after a boot */
  manuallyStopped?: boolean;
  overlay: OverlayDirs;
  /** guest directory holding config.json, hostname, hosts, resolv.conf */
  bundle: string;
  /** endpoints, published ports, legacy links (network/container-networking.ts); absent in records from before networks */
  network?: ContainerNetworkState;
}

export type NewContainer = Omit<ContainerRecord, 'id' | 'name' | 'created' | 'state' | 'restartCount'> & { id?: string; name?: string };

export interface ContainerStoreOptions {
  now?: () => number;
  random?: () => number;
  /** new container IDs (tests pin them; the default is 64 random hex digits) */
  generateId?: () => string;
  /**
   * The guest these records describe still runs (a checkpoint restored with them): running ones stay running until
   * the engine has looked in the guest (the daemon (daemon/restore.ts) adopts each, or records it as lost).
   */
  guestKept?: boolean;
}

export class ContainerStore {
  readonly #records = new Map<string, ContainerRecord>();
  readonly #queue: SaveQueue;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #generateId: () => string;
  readonly #listeners = new Set<(record: ContainerRecord, event: string) => void>();

  private constructor(storage: JsonStorage, options: ContainerStoreOptions) {
    this.#queue = new SaveQueue(storage);
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#generateId = options.generateId ?? (() => generateId());
  }

  /**
   * Loads the saved containers. The VM behind them is new after a reload, so running ones become exited
   * (255, like after a power loss) and `--rm` ones that were still running are gone.
   */
  static async open(storage: JsonStorage, options: ContainerStoreOptions = {}): Promise<ContainerStore> {
    const store = new ContainerStore(storage, options);
    const text = await storage.load();
    if (!text) return store;
    if (options.guestKept) {
      for (const r of (JSON.parse(text) as { containers: ContainerRecord[] }).containers) store.#records.set(r.id, r);
      return store;
    }
    const now = store.#now();
    let changed = false;
    for (const r of (JSON.parse(text) as { containers: ContainerRecord[] }).containers) {
      const wasRunning = r.state.status === 'running' || r.state.status === 'paused' || r.state.status === 'restarting';
      if (wasRunning && r.hostConfig.AutoRemove) {
        changed = true;
        continue;
      }
      const state = transitions.afterReboot(r.state, now);
      if (state !== r.state) changed = true;
      store.#records.set(r.id, { ...r, state });
    }
    if (changed) await store.#save();
    return store;
  }

  /** Newest first, like `docker ps`. */
  list(): ContainerRecord[] {
    // newest first; within one millisecond the later insertion (the sort is stable) — Docker's nanosecond times never tie
    return [...this.#records.values()].reverse().sort((a, b) => b.created - a.created);
  }

  /**
   * moby's GetContainer: a full ID, then a name (with or without `/`), then a unique ID prefix.
   * Throws `No such container: x` or `multiple IDs found with provided prefix: x`.
   */
  get(ref: string): ContainerRecord {
    const found = this.find(ref);
    if (!found) throw new EngineError('NOT_FOUND', `No such container: ${ref}`);
    return found;
  }

  find(ref: string): ContainerRecord | undefined {
    if (ref === '') return undefined;
    const exact = this.#records.get(ref);
    if (exact) return exact;
    const name = ref.replace(/^\//, '');
    for (const r of this.#records.values()) if (r.name === name) return r;
    const match = matchPrefix(this.#records.keys(), ref.toLowerCase());
    if (match.kind === 'many') throw new EngineError('INVALID_ARGUMENT', `multiple IDs found with provided prefix: ${ref}`);
    return match.kind === 'one' ? this.#records.get(match.id) : undefined;
  }

  /** Refuses a taken name with Docker's exact message. */
  checkName(name: string): void {
    const holder = this.#byName(name);
    if (holder) {
      throw new EngineError(
        'CONFLICT',
        `Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        { details: { id: holder.id } },
      );
    }
  }

  /** A fresh 64-hex ID not in use. */
  newId(): string {
    for (;;) {
      const id = this.#generateId();
      if (!this.#records.has(id)) return id;
    }
  }

  async create(input: NewContainer): Promise<ContainerRecord> {
    const id = input.id ?? this.newId();
    let name = input.name;
    if (name !== undefined) this.checkName(name);
    else name = this.#generateName(id);
    const record: ContainerRecord = { ...input, id, name, created: this.#now(), state: initialState(), restartCount: 0 };
    this.#records.set(id, record);
    await this.#commit(record, 'create');
    return record;
  }

  async rename(ref: string, newName: string): Promise<void> {
    const r = this.get(ref);
    const name = newName.replace(/^\//, '');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
      throw new EngineError('INVALID_ARGUMENT', `Invalid container name (${newName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    }
    if (name === r.name) throw new EngineError('INVALID_ARGUMENT', 'Renaming a container with the same name as its current name');
    this.checkName(name);
    r.name = name;
    await this.#commit(r, 'rename');
  }

  async markStarted(id: string, pid: number): Promise<ContainerRecord> {
    return this.#transition(id, 'start', (s) => transitions.start(s, id, pid, this.#now()));
  }

  async markExited(id: string, result: { exitCode: number; oomKilled?: boolean; error?: string }): Promise<ContainerRecord> {
    return this.#transition(id, 'die', (s) => transitions.exit(s, id, result, this.#now()));
  }

  /** Not a `die`: the container never ran, so dockerd's waiters for its exit are not woken (`start-failed`). */
  async markStartFailed(id: string, result: { exitCode: number; error: string }): Promise<ContainerRecord> {
    return this.#transition(id, 'start-failed', (s) => transitions.failStart(s, result, this.#now()));
  }

  async markPaused(id: string): Promise<ContainerRecord> {
    return this.#transition(id, 'pause', (s) => transitions.pause(s, id));
  }

  async markUnpaused(id: string): Promise<ContainerRecord> {
    return this.#transition(id, 'unpause', (s) => transitions.unpause(s, id));
  }

  async markRestarting(id: string, exitCode: number): Promise<ContainerRecord> {
    const r = await this.#transition(id, 'restart', (s) => transitions.restarting(s, id, exitCode, this.#now()));
    r.restartCount++;
    await this.#save();
    return r;
  }

  /** State.Pid once the runtime knows PID 1's host pid (the process started first is the runtime's wrapper). */
  async setPid(id: string, pid: number): Promise<void> {
    const r = this.get(id);
    if (r.state.status !== 'running' && r.state.status !== 'paused') return;
    r.state = { ...r.state, pid };
    await this.#save();
  }

  /**
   * State.Health, set by the health monitor (daemon/health-monitor.ts) in place, so the next `docker ps` sees it; a
   * change of status is an event as dockerd names it (`health_status: healthy`).
   */
  async setHealth(id: string, health: HealthState): Promise<void> {
    const r = this.get(id);
    const before = r.state.health?.status;
    r.state = { ...r.state, health };
    if (before !== health.status) await this.#commit(r, `health_status: ${health.status}`);
    else await this.#save();
  }

  /** The container's networking (endpoints, ports, sandbox): set by the network model at create, start, stop, connect. */
  async setNetwork(id: string, network: ContainerNetworkState): Promise<void> {
    const r = this.get(id);
    r.network = network;
    await this.#save();
  }

  /** `--network container:X` takes X's host name at start, as dockerd's initializeNetworking does. */
  async setHostname(id: string, hostname: string): Promise<void> {
    const r = this.get(id);
    r.config = { ...r.config, Hostname: hostname };
    await this.#save();
  }

  /** The restart policy's bookkeeping: RestartCount (0 again on a manual start) and the manual-stop flag. */
  async setRestartState(id: string, patch: { restartCount?: number; manuallyStopped?: boolean }): Promise<void> {
    const r = this.get(id);
    if (patch.restartCount !== undefined) r.restartCount = patch.restartCount;
    if (patch.manuallyStopped !== undefined) r.manuallyStopped = patch.manuallyStopped;
    await this.#save();
  }

  async markDead(id: string, error: string): Promise<ContainerRecord> {
    return this.#transition(id, 'dead', (s) => transitions.dead(s, error));
  }

  /** `docker rm`: without force a running or paused container is refused (the engine kills first with -f). */
  checkRemovable(ref: string, force: boolean): ContainerRecord {
    const r = this.get(ref);
    if (!force) {
      const refusal = removalRefusal(r.state, r.id);
      if (refusal) throw new EngineError('CONFLICT', refusal);
    }
    return r;
  }

  async remove(ref: string, options: { force?: boolean } = {}): Promise<ContainerRecord> {
    const r = this.checkRemovable(ref, options.force ?? false);
    this.#records.delete(r.id);
    await this.#commit(r, 'destroy');
    return r;
  }

  /** IDs of containers made from an image (rmi refuses while any, unless -f). */
  usingImage(imageId: string): string[] {
    return this.list().filter((r) => r.imageId === imageId).map((r) => r.id);
  }

  /** IDs of containers that mount a volume. */
  usingVolume(name: string): string[] {
    return this.list().filter((r) => r.mounts.some((m) => m.type === 'volume' && m.name === name)).map((r) => r.id);
  }

  /** Changes as Docker names its events (`create`, `start`, `die`, `destroy`, ...). Returns a disposer. */
  subscribe(listener: (record: ContainerRecord, event: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #byName(name: string): ContainerRecord | undefined {
    const bare = name.replace(/^\//, '');
    for (const r of this.#records.values()) if (r.name === bare) return r;
    return undefined;
  }

  #generateName(id: string): string {
    for (let i = 0; i < 6; i++) {
      const name = randomName(i, this.#random);
      if (!this.#byName(name)) return name;
    }
    return id.slice(0, 12);
  }

  async #transition(id: string, event: string, change: (s: ContainerState) => ContainerState): Promise<ContainerRecord> {
    const r = this.get(id);
    r.state = change(r.state);
    await this.#commit(r, event);
    return r;
  }

  async #commit(record: ContainerRecord, event: string): Promise<void> {
    await this.#save();
    for (const l of this.#listeners) l(record, event);
  }

  #save(): Promise<void> {
    return this.#queue.save(JSON.stringify({ containers: [...this.#records.values()] }));
  }
}
