// `docker stats` (moby's daemon/stats.go): samples of a running container's cgroup (container-stats.ts), as stats
// documents streamed a second apart or given once (the route frames them as JSON lines).
import type { ContainerRecord } from '../containers/container-store.ts';
import type { DaemonState } from './daemon-state.ts';
import { sampleStats, statsJson, STATS_INTERVAL_MS, type StatsSample } from './container-stats.ts';

/** One stats sample of a running container; undefined when it is not running (dockerd's all-zero document). */
async function statsSample(d: DaemonState, record: ContainerRecord): Promise<StatsSample | undefined> {
  if (!['running', 'paused'].includes(record.state.status) || !d.known(record.id)) return undefined;
  const cgroup = d.runtime().trace(record.id).cgroup;
  // a sample that fails is a container that stopped while it was read (its cgroup gone): dockerd's collector
  // answers the all-zero document for it too
  return sampleStats(d.guest, cgroup, { pid: record.state.pid, ownNetwork: record.hostConfig.NetworkMode !== 'host' }).catch(() => undefined);
}

/** A stats document (moby's StatsResponse), as `statsJson` makes it. */
export type StatsDocument = ReturnType<typeof statsJson>;

function documents(d: DaemonState, ref: string, signal?: AbortSignal) {
  const record = d.deps.containers.get(ref);
  return {
    doc: (cur: StatsSample | undefined, pre?: StatsSample) => statsJson(record.id, d.deps.containers.find(record.id)?.name ?? record.name, cur, pre),
    sample: () => statsSample(d, d.deps.containers.find(record.id) ?? record),
    pause: (ms: number) => new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      signal?.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
    }),
  };
}

/**
 * `GET /containers/{id}/stats?stream=false`. As dockerd: it waits for a second sample so CPU % has a delta;
 * `oneShot` is one sample alone.
 */
export async function stats(d: DaemonState, ref: string, options: { oneShot: boolean }, signal?: AbortSignal): Promise<StatsDocument> {
  const { doc, sample, pause } = documents(d, ref, signal);
  const first = await sample();
  if (options.oneShot || !first) return doc(first);
  await pause(STATS_INTERVAL_MS);
  const second = await sample();
  return second ? doc(second, first) : doc(undefined);
}

/**
 * `GET /containers/{id}/stats` streamed (the default): a document a second with the one before as precpu_stats,
 * until the container stops running (one all-zero document) or the client goes.
 */
export function statsStream(d: DaemonState, ref: string, signal?: AbortSignal): ReadableStream<StatsDocument> {
  const { doc, sample, pause } = documents(d, ref, signal);
  let cancelled = false;
  return new ReadableStream<StatsDocument>({
    start: (c) => {
      void (async () => {
        let pre: StatsSample | undefined;
        while (!cancelled && !signal?.aborted) {
          const cur = await sample();
          if (cancelled) return;
          c.enqueue(doc(cur, pre));
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
}
