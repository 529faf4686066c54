// Per-container logs like Docker's json-file driver: stdout/stderr cut into lines with a timestamp each,
// `--tail N`, `-t`, `--since`/`--until`, and `-f` through a subscription that returns a disposer.
import { SaveQueue, type JsonStorage } from './json-storage.ts';
import { rfc3339NanoFixed } from '../units/time-format.ts';

export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  stream: LogStream;
  /** epoch ms */
  time: number;
  /** one line with its `\n` (the last one of a container may lack it) */
  line: string;
}

export interface LogReadOptions {
  stdout?: boolean;
  stderr?: boolean;
  /** last N lines; undefined or negative = all */
  tail?: number;
  /** epoch ms bounds */
  since?: number;
  until?: number;
}

export interface LogFollower {
  entry(entry: LogEntry): void;
  /** the container stopped (or was removed): a follow ends */
  end(): void;
}

interface ContainerLog {
  entries: LogEntry[];
  partial: Record<LogStream, string>;
  followers: Set<LogFollower>;
  bytes: number;
}

/** Oldest lines are dropped past this many bytes per container, so a chatty container cannot fill the tab. */
export const DEFAULT_LOG_LIMIT = 1024 * 1024;

export class LogStore {
  readonly #logs = new Map<string, ContainerLog>();
  readonly #decoders = new Map<string, TextDecoder>();
  readonly #now: () => number;
  readonly #limit: number;
  readonly #queue: SaveQueue | undefined;

  constructor(options: { now?: () => number; limitBytes?: number; storage?: JsonStorage } = {}) {
    this.#now = options.now ?? Date.now;
    this.#limit = options.limitBytes ?? DEFAULT_LOG_LIMIT;
    this.#queue = options.storage ? new SaveQueue(options.storage) : undefined;
  }

  /**
   * Logs kept across reloads: saved when a container's output ends (close), on remove and on flush, not per
   * line, so a chatty container costs no storage writes while it runs.
   */
  static async open(storage: JsonStorage, options: { now?: () => number; limitBytes?: number } = {}): Promise<LogStore> {
    const store = new LogStore({ ...options, storage });
    const text = await storage.load();
    if (text) store.restore(JSON.parse(text) as Record<string, LogEntry[]>);
    return store;
  }

  /** Saves what is logged so far (no-op without storage). */
  flush(): Promise<void> {
    return this.#queue ? this.#queue.save(JSON.stringify(this.toJSON())) : Promise.resolve();
  }

  #log(id: string): ContainerLog {
    let log = this.#logs.get(id);
    if (!log) {
      log = { entries: [], partial: { stdout: '', stderr: '' }, followers: new Set(), bytes: 0 };
      this.#logs.set(id, log);
    }
    return log;
  }

  /** Adds output; complete lines become entries at once, a trailing partial line waits for its end. */
  append(id: string, stream: LogStream, data: Uint8Array | string): void {
    const log = this.#log(id);
    let text: string;
    if (typeof data === 'string') text = data;
    else {
      const key = `${id}/${stream}`;
      let decoder = this.#decoders.get(key);
      if (!decoder) this.#decoders.set(key, (decoder = new TextDecoder()));
      text = decoder.decode(data, { stream: true });
    }
    const all = log.partial[stream] + text;
    const lines = all.split('\n');
    log.partial[stream] = lines.pop() as string;
    for (const line of lines) this.#add(log, { stream, time: this.#now(), line: `${line}\n` });
  }

  /** The container's output ended: flush partial lines and end follows. */
  close(id: string): void {
    const log = this.#logs.get(id);
    if (!log) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (log.partial[stream]) this.#add(log, { stream, time: this.#now(), line: log.partial[stream] });
      log.partial[stream] = '';
      this.#decoders.delete(`${id}/${stream}`);
    }
    for (const f of log.followers) f.end();
    log.followers.clear();
    void this.flush().catch(() => undefined);
  }

  read(id: string, options: LogReadOptions = {}): LogEntry[] {
    const log = this.#logs.get(id);
    if (!log) return [];
    const wanted = (e: LogEntry) =>
      ((e.stream === 'stdout' && (options.stdout ?? true)) || (e.stream === 'stderr' && (options.stderr ?? true))) &&
      (options.since === undefined || e.time >= options.since) &&
      (options.until === undefined || e.time <= options.until);
    const entries = log.entries.filter(wanted);
    if (options.tail !== undefined && options.tail >= 0) return options.tail === 0 ? [] : entries.slice(-options.tail);
    return entries;
  }

  /**
   * `docker logs -f`: the lines `read` would give, then new ones as they come, until the container stops.
   * Returns a disposer. `running` false: the container already stopped, so the follow ends after the backlog.
   */
  follow(id: string, follower: LogFollower, options: LogReadOptions & { running: boolean }): () => void {
    for (const e of this.read(id, options)) follower.entry(e);
    if (!options.running) {
      follower.end();
      return () => {};
    }
    const log = this.#log(id);
    const filtered: LogFollower = {
      entry: (e) => {
        if ((e.stream === 'stdout' && (options.stdout ?? true)) || (e.stream === 'stderr' && (options.stderr ?? true))) follower.entry(e);
      },
      end: () => follower.end(),
    };
    log.followers.add(filtered);
    return () => log.followers.delete(filtered);
  }

  remove(id: string): void {
    const log = this.#logs.get(id);
    if (log) for (const f of log.followers) f.end();
    this.#logs.delete(id);
    void this.flush().catch(() => undefined);
  }

  /** The persisted form (lines only; partial lines are flushed by close). */
  toJSON(): Record<string, LogEntry[]> {
    return Object.fromEntries([...this.#logs].map(([id, log]) => [id, log.entries]));
  }

  restore(saved: Record<string, LogEntry[]>): void {
    for (const [id, entries] of Object.entries(saved)) {
      const log = this.#log(id);
      for (const e of entries) this.#add(log, e);
    }
  }

  #add(log: ContainerLog, entry: LogEntry): void {
    log.entries.push(entry);
    log.bytes += entry.line.length;
    while (log.bytes > this.#limit && log.entries.length > 1) log.bytes -= (log.entries.shift() as LogEntry).line.length;
    for (const f of log.followers) f.entry(entry);
  }
}

/** A log line as `docker logs` prints it, with `-t` Docker's RFC3339Nano timestamp and a space first. */
export function formatLogLine(entry: LogEntry, timestamps: boolean): string {
  return timestamps ? `${rfc3339NanoFixed(entry.time)} ${entry.line}` : entry.line;
}
