// The cgroups view's model: successive readings of one container's cgroup (`GET /drydock/cgroups/{id}`) as series
// for the charts (memory vs memory.max, PIDs vs pids.max, CPU use vs cpu.max) and events (an OOM kill, CPU periods
// throttled), taken from the growth of the kernel's counters (memory.events `oom_kill`, cpu.stat `nr_throttled`).
import type { CgroupSample } from '../../emulator/engine/api/cgroups-api.ts';

/** How many readings the charts keep: a minute at the panel's one-second pace. */
export const CGROUP_HISTORY = 60;

export interface CgroupPoint {
  /** seconds since the first reading kept (guest uptime) */
  t: number;
  memory: number;
  pids: number;
  /** % of one CPU since the reading before; null for the first */
  cpuPercent: number | null;
}

export interface CgroupEvent {
  t: number;
  kind: 'oom_kill' | 'throttled';
  /** how much the counter grew: kills, or throttled periods */
  count: number;
  /** counted before the first reading (before the panel looked) */
  before: boolean;
}

export interface CgroupsModel {
  container: { id: string; name: string };
  cgroup: string;
  points: CgroupPoint[];
  events: CgroupEvent[];
  memoryMax: number | null;
  memoryPeak: number | null;
  pidsMax: number | null;
  /** cpu.max as % of one CPU, null for `max` */
  cpuLimitPercent: number | null;
  /** the latest reading's counters */
  oomKills: number;
  throttledPeriods: number;
  throttledUsec: number;
}

/** Readings of one container, oldest first, at most CGROUP_HISTORY: a new one appended (another container starts over). */
export function appendSample(samples: readonly CgroupSample[], next: CgroupSample): CgroupSample[] {
  const same = samples.filter((s) => s.id === next.id);
  return [...same, next].slice(-CGROUP_HISTORY);
}

export function cgroupsModel(samples: readonly CgroupSample[]): CgroupsModel | null {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last) return null;
  const oomKill = (s: CgroupSample) => s.memory.events['oom_kill'] ?? 0;
  const throttled = (s: CgroupSample) => s.cpu.stat['nr_throttled'] ?? 0;
  const at = (s: CgroupSample) => (s.uptimeUsec - first.uptimeUsec) / 1e6;
  const points: CgroupPoint[] = [];
  const events: CgroupEvent[] = [];
  const grew = (kind: CgroupEvent['kind'], t: number, count: number, before: boolean) => count > 0 && events.push({ kind, t, count, before });
  grew('oom_kill', 0, oomKill(first), true);
  grew('throttled', 0, throttled(first), true);
  samples.forEach((s, i) => {
    const prev = samples[i - 1];
    const span = prev ? s.uptimeUsec - prev.uptimeUsec : 0;
    const used = prev ? (s.cpu.stat['usage_usec'] ?? 0) - (prev.cpu.stat['usage_usec'] ?? 0) : 0;
    points.push({ t: at(s), memory: s.memory.current, pids: s.pids.current, cpuPercent: prev && span > 0 ? Math.max(0, (100 * used) / span) : null });
    if (prev) {
      grew('oom_kill', at(s), oomKill(s) - oomKill(prev), false);
      grew('throttled', at(s), throttled(s) - throttled(prev), false);
    }
  });
  const { quotaUsec, periodUsec } = last.cpu.max;
  return {
    container: { id: last.id, name: last.name },
    cgroup: last.cgroup,
    points,
    events,
    memoryMax: last.memory.max,
    memoryPeak: last.memory.peak,
    pidsMax: last.pids.max,
    cpuLimitPercent: quotaUsec === null || !periodUsec ? null : (100 * quotaUsec) / periodUsec,
    oomKills: oomKill(last),
    throttledPeriods: throttled(last),
    throttledUsec: last.cpu.stat['throttled_usec'] ?? 0,
  };
}
