// `GET /containers/json` selection the way moby's daemon/list.go does it: running only unless `all` (or a
// status/exited filter), filters ANDed across keys and ORed within one (labels: all of them), Docker's invalid-filter
// messages.
import { labelsMatch } from '../api/image-filters.ts';
import { EngineError } from '../errors.ts';
import { CONTAINER_STATUSES, type ContainerStatus } from './container-state.ts';
import type { ContainerRecord, ContainerStore } from './container-store.ts';

const KEYS = ['ancestor', 'before', 'exited', 'health', 'id', 'label', 'name', 'since', 'status', 'volume', 'network'];
// api/types/container/health.go: `none` is a container without a health check
const HEALTH_VALUES = ['none', 'starting', 'healthy', 'unhealthy'];

export interface ListOptions {
  all?: boolean;
  /** the last N created, any state (`docker ps -n N`) */
  limit?: number;
  filters?: Map<string, string[]>;
  /** an image reference -> image ID (`ancestor=busybox`), from the image store */
  resolveImage?: (ref: string) => string | undefined;
}

function regexMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern).test(text);
  } catch {
    return text.includes(pattern);
  }
}

export function listContainers(store: ContainerStore, options: ListOptions = {}): ContainerRecord[] {
  const filters = options.filters ?? new Map<string, string[]>();
  for (const key of filters.keys()) if (!KEYS.includes(key)) throw new EngineError('INVALID_ARGUMENT', `invalid filter '${key}'`);
  const statuses = filters.get('status') ?? [];
  for (const s of statuses) if (!CONTAINER_STATUSES.includes(s as ContainerStatus)) throw new EngineError('INVALID_ARGUMENT', `invalid filter 'status=${s}'`);
  const exited = (filters.get('exited') ?? []).map((v) => {
    if (!/^-?\d+$/.test(v)) throw new EngineError('INVALID_ARGUMENT', `invalid filter 'exited=${v}'`);
    return Number(v);
  });
  for (const h of filters.get('health') ?? []) {
    if (!HEALTH_VALUES.includes(h)) throw new EngineError('INVALID_ARGUMENT', `invalid filter 'health=${h}': invalid value for health (${h}): must be one of ${HEALTH_VALUES.join(', ')}`);
  }
  const before = filters.get('before')?.[0];
  const since = filters.get('since')?.[0];
  const beforeTime = before !== undefined ? store.get(before).created : undefined;
  const sinceTime = since !== undefined ? store.get(since).created : undefined;

  const all = options.all || statuses.length > 0 || exited.length > 0 || (options.limit ?? 0) > 0;
  const any = (key: string, test: (value: string) => boolean) => {
    const values = filters.get(key);
    return !values || values.length === 0 || values.some(test);
  };

  let out = store.list().filter((r) => {
    const s = r.state.status;
    const running = s === 'running' || s === 'paused' || s === 'restarting';
    if (!running && !all && beforeTime === undefined && sinceTime === undefined) return false;
    if (statuses.length > 0 && !statuses.includes(s)) return false;
    if (exited.length > 0 && (s !== 'exited' || !exited.includes(r.state.exitCode))) return false;
    if (beforeTime !== undefined && r.created >= beforeTime) return false;
    if (sinceTime !== undefined && r.created <= sinceTime) return false;
    if (!any('id', (v) => regexMatch(v, r.id))) return false;
    if (!any('name', (v) => regexMatch(v, `/${r.name}`) || regexMatch(v, r.name))) return false;
    // MatchKVList: every label filter must hold (unlike the other keys, whose values are alternatives)
    if (!labelsMatch(filters.get('label') ?? [], r.config.Labels ?? {})) return false;
    if (!any('volume', (v) => r.mounts.some((m) => m.name === v || m.destination === v || m.source === v))) return false;
    // daemon/list.go: a network the container is attached to, by name or NetworkID prefix
    if (!any('network', (v) => (r.network?.endpoints ?? [{ network: r.hostConfig.NetworkMode, settings: { NetworkID: '' } }]).some((e) => e.network === v || (e.settings.NetworkID !== '' && e.settings.NetworkID.startsWith(v))))) return false;
    if (!any('health', (v) => v === (r.state.health?.status ?? 'none'))) return false;
    if (!any('ancestor', (v) => ancestorMatch(v, r, options.resolveImage))) return false;
    return true;
  });
  if (options.limit && options.limit > 0) out = out.slice(0, options.limit);
  return out;
}

function ancestorMatch(value: string, r: ContainerRecord, resolve?: (ref: string) => string | undefined): boolean {
  const bare = (ref: string) => ref.replace(/^docker\.io\//, '').replace(/^library\//, '').replace(/:latest$/, '');
  if (bare(value) === bare(r.imageName)) return true;
  const hex = r.imageId.replace(/^sha256:/, '');
  const v = value.replace(/^sha256:/, '');
  if (v.length >= 4 && /^[0-9a-f]+$/.test(v) && hex.startsWith(v)) return true;
  return resolve?.(value) === r.imageId;
}
