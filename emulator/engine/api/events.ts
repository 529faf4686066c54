// The daemon's event stream (`GET /events`, `docker events`) as moby's daemon/events keeps it: the last 256 events in
// memory for `since`, live ones to every subscriber, matched as daemon/events/filter.go matches them, written as the
// API before 1.52 writes them (the legacy `status`/`id`/`from` beside Type/Action/Actor).
import { apiPath } from './route-request.ts';
import type { ContainerRecord } from '../containers/container-store.ts';
import { EngineError } from '../errors.ts';
import { labelsMatch, parseFilters } from './image-filters.ts';
import { familiarString, parseNormalizedNamed } from '../registry/reference.ts';

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon';

export interface EventMessage {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  /** nanoseconds since the epoch: past 2^53, so a bigint, written as a JSON number */
  timeNano: bigint;
}

/** moby's eventsLimit */
const KEPT = 256;

export class EventLog {
  readonly #events: EventMessage[] = [];
  readonly #listeners = new Set<(m: EventMessage) => void>();
  readonly #now: () => number;
  #lastNano = 0n;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  log(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): void {
    const ms = this.#now();
    // milliseconds are all the clock gives: later events in the same one get the next nanosecond, so order and
    // `since` stay exact
    let nano = BigInt(Math.floor(ms)) * 1_000_000n;
    if (nano <= this.#lastNano) nano = this.#lastNano + 1n;
    this.#lastNano = nano;
    const m: EventMessage = { Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local', time: Number(nano / 1_000_000_000n), timeNano: nano };
    if (this.#events.length === KEPT) this.#events.shift();
    this.#events.push(m);
    for (const l of this.#listeners) l(m);
  }

  /** Kept events in [since, until] (nanoseconds; until 0 = no end), oldest first. */
  kept(since: bigint, until: bigint): EventMessage[] {
    return this.#events.filter((m) => m.timeNano >= since && (until === 0n || m.timeNano <= until));
  }

  subscribe(listener: (m: EventMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** One event as the API writes it, legacy fields included for containers and images (backFillLegacy). */
export function eventJson(m: EventMessage): string {
  const legacy = m.Type === 'container' ? { status: m.Action, id: m.Actor.ID, from: m.Actor.Attributes.image ?? '' } : m.Type === 'image' ? { status: m.Action, id: m.Actor.ID } : {};
  const text = JSON.stringify({ ...legacy, Type: m.Type, Action: m.Action, Actor: m.Actor, scope: m.scope, time: m.time, timeNano: 0 });
  return text.replace(/"timeNano":0}$/, `"timeNano":${m.timeNano}}`);
}

/** daemon/events/filter.go's Include. */
export function eventMatches(m: EventMessage, filters: Map<string, string[]>): boolean {
  const values = (key: string) => filters.get(key) ?? [];
  const exact = (key: string, value: string) => values(key).length === 0 || values(key).includes(value);
  const fuzzy = (key: string, value: string) => values(key).length === 0 || values(key).some((v) => value === v || value.startsWith(v));
  const byName = (type: EventType) => fuzzy(type, m.Actor.ID) || fuzzy(type, m.Actor.Attributes.name ?? '');
  // `event=health_status` (and exec_create, exec_start) takes every action it begins
  const eventOk = values('event').some((v) => v === 'health_status' || v === 'exec_create' || v === 'exec_start') ? fuzzy('event', m.Action) : exact('event', m.Action);
  const imageName = m.Actor.Attributes[m.Type === 'image' ? 'name' : 'image'] ?? '';
  const imageOk = values('image').length === 0 || [m.Actor.ID, imageName, stripTag(m.Actor.ID), stripTag(imageName)].some((v) => values('image').includes(v));
  const labelsOk = labelsMatch(values('label'), m.Actor.Attributes);
  return eventOk && exact('type', m.Type) && exact('scope', m.scope) && byName('daemon') && byName('container') && byName('volume') && byName('network') && imageOk && labelsOk;
}

function stripTag(image: string): string {
  try {
    const ref = parseNormalizedNamed(image);
    return familiarString({ domain: ref.domain, path: ref.path });
  } catch {
    return image;
  }
}

/** timestamp.ParseUnixTimestamp: `seconds[.nanoseconds]`, empty = none (0). */
function unixNanos(name: string, value: string | null): bigint {
  if (value === null || value === '') return 0n;
  const m = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (!m) throw new EngineError('INVALID_ARGUMENT', `invalid value for '${name}': strconv.ParseInt: parsing "${value}": invalid syntax`);
  return BigInt(m[1] as string) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}

/** `GET /events` as system_routes.go's getEvents answers it; undefined for any other route. */
export function createEventsApi(events: EventLog, now: () => number = Date.now): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const url = new URL(request.url);
    const path = apiPath(url);
    if (path !== '/events' || request.method.toUpperCase() !== 'GET') return undefined;
    const q = url.searchParams;
    const since = unixNanos('since', q.get('since'));
    const until = unixNanos('until', q.get('until'));
    if (until !== 0n && until < since) throw new EngineError('INVALID_ARGUMENT', `\`since\` time (${q.get('since')}) cannot be after \`until\` time (${q.get('until')})`);
    const filters = parseFilters(q.get('filters'));
    const nowNano = BigInt(Math.floor(now())) * 1_000_000n;
    // without since or until nothing kept is sent (only what happens from now on)
    const past = since === 0n && until === 0n ? [] : events.kept(since, until).filter((m) => eventMatches(m, filters));
    const onlyPast = until !== 0n && until < nowNano;
    const encoder = new TextEncoder();
    let dispose = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const m of past) c.enqueue(encoder.encode(`${eventJson(m)}\n`));
        if (onlyPast) return c.close();
        const end = () => {
          dispose();
          if (timer !== undefined) clearTimeout(timer);
          try {
            c.close();
          } catch {
            // already closed by the client going away
          }
        };
        dispose = events.subscribe((m) => {
          if (until !== 0n && m.timeNano > until) return end();
          if (eventMatches(m, filters)) c.enqueue(encoder.encode(`${eventJson(m)}\n`));
        });
        if (until !== 0n) timer = setTimeout(end, Number((until - nowNano) / 1_000_000n));
        request.signal.addEventListener('abort', end, { once: true });
      },
      cancel() {
        dispose();
        if (timer !== undefined) clearTimeout(timer);
      },
    });
    return new Response(body, { headers: { 'Content-Type': 'application/json' } });
  };
}

/** The attributes LogContainerEventWithAttributes adds: the container's labels, `image` as the user named it, `name`. */
export function logContainerEvent(events: EventLog, record: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
  events.log('container', action, record.id, { ...extra, ...(record.config.Labels ?? {}), image: record.config.Image || record.imageName, name: record.name });
}

/**
 * The container store's changes as dockerd logs them. The store's `restart` is a policy restart's exit (dockerd
 * logs `die`, then `start` when it runs again); a start that fails is a `die` too. `kill` and `stop` come from the
 * process side, which sends the signals.
 */
export function containerStoreEvents(events: EventLog, containers: { subscribe(l: (r: ContainerRecord, event: string) => void): () => void }): () => void {
  return containers.subscribe((r, event) => {
    if (event === 'die' || event === 'restart' || event === 'start-failed') {
      const seconds = r.state.startedAt && r.state.finishedAt ? Math.max(0, Math.floor((r.state.finishedAt - r.state.startedAt) / 1000)) : 0;
      logContainerEvent(events, r, 'die', { exitCode: String(r.state.exitCode), execDuration: String(seconds) });
    } else if (['create', 'start', 'destroy', 'rename', 'pause', 'unpause'].includes(event) || event.startsWith('health_status: ')) {
      logContainerEvent(events, r, event);
    }
  });
}
