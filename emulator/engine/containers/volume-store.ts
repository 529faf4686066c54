// Named and anonymous volumes (`docker volume create|ls|inspect|rm|prune`, `-v name:/path`): records with
// Docker's JSON shape, a guest directory each, refusal to remove a volume a container uses; persisted as JSON.
import { EngineError } from '../errors.ts';
import { generateId } from './ids.ts';
import { SaveQueue, type JsonStorage } from './json-storage.ts';
import { rfc3339Seconds } from '../units/time-format.ts';

/** Engine API volume (`/volumes/{name}`). */
export interface VolumeJSON {
  CreatedAt: string;
  Driver: 'local';
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
}

interface VolumeRecord {
  name: string;
  created: number;
  labels: Record<string, string>;
  anonymous: boolean;
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Guest directory of a volume (Docker: /var/lib/docker/volumes/<name>): its data, and what rm deletes. */
function volumeDir(name: string): string {
  return `/var/lib/drydock/volumes/${name}`;
}

/** Guest directory of a volume's data (Docker: /var/lib/docker/volumes/<name>/_data). */
export function volumeMountpoint(name: string): string {
  return `${volumeDir(name)}/_data`;
}

export interface VolumeStoreOptions {
  now?: () => number;
  /** container IDs using a volume (rm refuses while any) */
  usedBy?: (name: string) => string[];
  /** deletes a removed volume's guest directory; failures are not the remove's */
  removeData?: (dir: string) => Promise<void>;
}

export class VolumeStore {
  readonly #records = new Map<string, VolumeRecord>();
  readonly #queue: SaveQueue;
  readonly #now: () => number;
  usedBy: (name: string) => string[];
  readonly #removeData: (dir: string) => Promise<void>;

  private constructor(storage: JsonStorage, options: VolumeStoreOptions) {
    this.#queue = new SaveQueue(storage);
    this.#now = options.now ?? Date.now;
    this.usedBy = options.usedBy ?? (() => []);
    this.#removeData = options.removeData ?? (async () => undefined);
  }

  static async open(storage: JsonStorage, options: VolumeStoreOptions = {}): Promise<VolumeStore> {
    const store = new VolumeStore(storage, options);
    const text = await storage.load();
    if (text) for (const r of (JSON.parse(text) as { volumes: VolumeRecord[] }).volumes) store.#records.set(r.name, r);
    return store;
  }

  /** Creates a volume, or returns the existing one of that name (Docker's create is idempotent). */
  async create(options: { name?: string; labels?: Record<string, string> } = {}): Promise<VolumeJSON> {
    const anonymous = options.name === undefined || options.name === '';
    const name = anonymous ? generateId() : (options.name as string);
    if (!VOLUME_NAME.test(name)) {
      throw new EngineError('INVALID_ARGUMENT', `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    }
    const existing = this.#records.get(name);
    if (existing) return this.#json(existing);
    const record: VolumeRecord = { name, created: this.#now(), labels: { ...(options.labels ?? {}) }, anonymous };
    this.#records.set(name, record);
    await this.#save();
    return this.#json(record);
  }

  has(name: string): boolean {
    return this.#records.has(name);
  }

  isAnonymous(name: string): boolean {
    return this.#records.get(name)?.anonymous ?? false;
  }

  inspect(name: string): VolumeJSON {
    const r = this.#records.get(name);
    if (!r) throw new EngineError('NOT_FOUND', `get ${name}: no such volume`);
    return this.#json(r);
  }

  /** Sorted by name, as `docker volume ls` prints them. */
  list(filters: { dangling?: boolean; name?: string } = {}): VolumeJSON[] {
    return [...this.#records.values()]
      .filter((r) => filters.dangling === undefined || (this.usedBy(r.name).length === 0) === filters.dangling)
      .filter((r) => filters.name === undefined || r.name.includes(filters.name))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((r) => this.#json(r));
  }

  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    const r = this.#records.get(name);
    if (!r) {
      if (options.force) return;
      throw new EngineError('NOT_FOUND', `get ${name}: no such volume`);
    }
    const users = this.usedBy(name);
    if (users.length > 0) throw new EngineError('CONFLICT', `remove ${name}: volume is in use - [${users.join(', ')}]`);
    this.#records.delete(name);
    await this.#save();
    await this.#removeData(volumeDir(name)).catch(() => undefined);
  }

  /** `docker volume prune`: anonymous volumes no container uses (`-a`: named ones too). */
  async prune(options: { all?: boolean } = {}): Promise<string[]> {
    const removed = [...this.#records.values()].filter((r) => (options.all || r.anonymous) && this.usedBy(r.name).length === 0).map((r) => r.name);
    for (const name of removed) this.#records.delete(name);
    if (removed.length > 0) await this.#save();
    for (const name of removed) await this.#removeData(volumeDir(name)).catch(() => undefined);
    return removed;
  }

  #json(r: VolumeRecord): VolumeJSON {
    return {
      CreatedAt: rfc3339Seconds(r.created),
      Driver: 'local',
      Labels: Object.keys(r.labels).length > 0 ? { ...r.labels } : null,
      Mountpoint: volumeMountpoint(r.name),
      Name: r.name,
      Options: null,
      Scope: 'local',
    };
  }

  #save(): Promise<void> {
    return this.#queue.save(JSON.stringify({ volumes: [...this.#records.values()] }));
  }
}
