// drydock extension, read-only: `GET /drydock/cgroups/{id}`, one running container's cgroup v2 files as the kernel
// wrote them (the Inspect panel's "cgroups" view). Docker's stats API lacks what the view is about: `memory.events`
// (oom_kill) is not in it at all, an unlimited `memory.max` reads as the host's memory, `cpu.max` is not there, and
// `pids.current` leaves out the runtime's waiting process that `pids.max` counts. Read with READ_FILE (no guest process).
import { apiPath } from './route-request.ts';
import { decodePathSegment } from './path-segment.ts';
import type { ContainerStore } from '../containers/container-store.ts';
import { keyValues, readGuestFiles } from '../daemon/container-stats.ts';
import { EngineError } from '../errors.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { cgroupPath } from '../runtime/lower.ts';
import { jsonResponse } from './http-errors.ts';

export interface CgroupsApiDeps {
  containers: ContainerStore;
  guest: () => Pick<GuestExec, 'exec' | 'readFile'> | undefined;
}

/** One reading of a container's cgroup; every figure is the kernel's file, `max` as null. */
export interface CgroupSample {
  id: string;
  name: string;
  /** the cgroup's directory in the guest */
  cgroup: string;
  /** the guest's /proc/uptime in µs when read: the clock cpu.stat's usage_usec runs on (CPU use = Δusage / Δuptime) */
  uptimeUsec: number;
  memory: { current: number; max: number | null; peak: number | null; events: Record<string, number> };
  pids: { current: number; max: number | null };
  cpu: { stat: Record<string, number>; max: { quotaUsec: number | null; periodUsec: number } };
}

const FILES = ['memory.current', 'memory.max', 'memory.peak', 'memory.events', 'pids.current', 'pids.max', 'cpu.stat', 'cpu.max'] as const;

/** A cgroup file holding one number; NaN when it was not there (the cgroup went meanwhile). */
function count(text: string): number {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : Number.NaN;
}

/** A limit: a number or `max` (null). */
const limit = (text: string): number | null => (text.trim() === 'max' ? null : count(text));

/** The files' texts (in FILES order, then /proc/uptime) as a sample. */
export function cgroupSample(id: string, name: string, texts: string[]): CgroupSample {
  const [current = '', max = '', peak = '', events = '', pids = '', pidsMax = '', cpuStat = '', cpuMax = '', uptime = ''] = texts;
  const [quota = 'max', period = '100000'] = cpuMax.trim().split(/\s+/);
  return {
    id,
    name,
    cgroup: cgroupPath(id),
    uptimeUsec: Math.round((Number(uptime.trim().split(/\s+/)[0]) || 0) * 1e6),
    memory: { current: count(current), max: limit(max), peak: peak.trim() ? limit(peak) : null, events: keyValues(events) },
    pids: { current: count(pids), max: limit(pidsMax) },
    cpu: { stat: keyValues(cpuStat), max: { quotaUsec: quota === 'max' ? null : Number(quota), periodUsec: Number(period) } },
  };
}

export function createCgroupsApi(deps: CgroupsApiDeps): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const m = /^\/drydock\/cgroups\/([^/]+)$/.exec(apiPath(new URL(request.url)));
    if (!m || request.method.toUpperCase() !== 'GET') return undefined;
    const record = deps.containers.get(decodePathSegment(m[1] as string));
    if (!['running', 'paused'].includes(record.state.status)) throw new EngineError('CONFLICT', `container ${record.name} is not running, so it has no cgroup`);
    const guest = deps.guest();
    if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so its cgroups cannot be read now');
    const dir = cgroupPath(record.id);
    const texts = await readGuestFiles(guest, [...FILES.map((f) => `${dir}/${f}`), '/proc/uptime']);
    const sample = cgroupSample(record.id, record.name, texts);
    // a file that could not be read is a cgroup removed while it was read: the container stopped
    if (Number.isNaN(sample.memory.current)) throw new EngineError('CONFLICT', `container ${record.name} is not running, so it has no cgroup`);
    return jsonResponse(sample);
  };
}
