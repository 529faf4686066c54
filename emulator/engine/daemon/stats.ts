// `docker stats` (moby's daemon/stats.go): samples of a running container's cgroup (container-stats.ts), streamed a
// second apart or given once.
import type { ContainerRecord } from '../containers/container-store.ts';
import { jsonResponse } from '../api/http-errors.ts';
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

/**
 * `GET /containers/{id}/stats`. As dockerd: `stream` (the default) sends a document a second with the one before
 * as precpu_stats; `stream=false` waits for a second sample so CPU % has a delta; `one-shot` is one sample alone.
 */
export async function stats(d: DaemonState, ref: string, options: { stream: boolean; oneShot: boolean }, signal?: AbortSignal): Promise<Response> {
  const record = d.deps.containers.get(ref);
  const doc = (cur: StatsSample | undefined, pre?: StatsSample) => statsJson(record.id, d.deps.containers.find(record.id)?.name ?? record.name, cur, pre);
  const sample = () => statsSample(d, d.deps.containers.find(record.id) ?? record);
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
