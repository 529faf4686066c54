// `GET /containers/{id}/stats`: a container's cgroup v2 files (cpu.stat, memory.*, pids.*) and its network
// namespace's /proc/<pid>/net/dev read in the guest, in the Engine API's stats shape, with precpu_stats from an
// earlier sample as dockerd's collector (one a second) gives it.
import type { GuestExec } from '../runtime/guest-exec.ts';

const decoder = new TextDecoder();
/** dockerd's stats collector interval: `stream=false` waits for a second sample so CPU % has a delta */
export const STATS_INTERVAL_MS = 1000;

export interface StatsSample {
  /** when it was read, ISO 8601 */
  read: string;
  cpu: Record<string, number>;
  /** the whole machine's CPU time (all CPUs, idle included) in ns, from /proc/stat: dockerd's system_cpu_usage */
  systemNs: number;
  onlineCpus: number;
  memoryCurrent: number;
  /** memory.max, or the machine's memory when it is `max` (dockerd reports the host's then) */
  memoryLimit: number;
  memoryStat: Record<string, number>;
  pids: number;
  pidsLimit?: number;
  networks: Record<string, { rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number; tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number }>;
}

/** `key value` lines (cpu.stat, memory.stat) as numbers. */
export function keyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/**
 * The machine's CPU time in ns (every CPU, idle included: dockerd's system_cpu_usage) as uptime × CPUs. dockerd sums
 * /proc/stat's jiffies instead, but the emulated guest loses timer ticks under load (measured: 1.2 s of jiffies in
 * 3.5 s of uptime), while cpu.stat's usage_usec and /proc/uptime both follow the clocksource (tsc).
 */
export function systemCpu(uptime: string, procStat: string): { systemNs: number; onlineCpus: number } {
  const onlineCpus = Math.max(1, procStat.split('\n').filter((l) => /^cpu\d+\s/.test(l)).length);
  const seconds = Number(uptime.trim().split(/\s+/)[0]) || 0;
  return { systemNs: Math.round(seconds * 1e9) * onlineCpus, onlineCpus };
}

/** /proc/<pid>/net/dev: the interfaces of that process's network namespace, loopback left out as dockerd's are. */
export function netDev(text: string): StatsSample['networks'] {
  const out: StatsSample['networks'] = {};
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = (m[2] ?? '').trim().split(/\s+/).map(Number);
    out[m[1] as string] = { rx_bytes: f[0] ?? 0, rx_packets: f[1] ?? 0, rx_errors: f[2] ?? 0, rx_dropped: f[3] ?? 0, tx_bytes: f[8] ?? 0, tx_packets: f[9] ?? 0, tx_errors: f[10] ?? 0, tx_dropped: f[11] ?? 0 };
  }
  return out;
}

/**
 * The texts of guest files, in order ('' for one that cannot be read), all at once: with READ_FILE when the agent has
 * it (no guest process), else one `cat` script.
 */
export async function readGuestFiles(guest: Pick<GuestExec, 'exec' | 'readFile'>, files: string[]): Promise<string[]> {
  const read = guest.readFile?.bind(guest);
  if (read) return Promise.all(files.map((f) => read(f).then((b) => decoder.decode(b), () => '')));
  const r = await guest.exec(['sh', '-c', files.map((f) => `cat ${f} 2>/dev/null; echo @@`).join('; ')], { timeoutMs: 10_000 });
  return decoder.decode(r.stdout).split('@@\n');
}

/**
 * One sample of a running container. Every file is read with READ_FILE when the agent has it (no guest process,
 * nothing added to the CPU figures being measured); `pid` (PID 1) is for the network namespace, when it has one.
 */
export async function sampleStats(guest: GuestExec, cgroup: string, options: { pid?: number; ownNetwork: boolean }): Promise<StatsSample> {
  const files = [`${cgroup}/cpu.stat`, `${cgroup}/memory.current`, `${cgroup}/memory.max`, `${cgroup}/memory.stat`, `${cgroup}/pids.current`, `${cgroup}/pids.max`, '/proc/uptime', '/proc/stat', '/proc/meminfo'];
  if (options.pid && options.ownNetwork) files.push(`/proc/${options.pid}/net/dev`);
  const texts = await readGuestFiles(guest, files);
  const [cpuStat = '', current = '', max = '', memStat = '', pids = '', pidsMax = '', uptime = '', procStat = '', meminfo = '', net = ''] = texts;
  const memTotal = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0) * 1024;
  const { systemNs, onlineCpus } = systemCpu(uptime, procStat);
  return {
    read: new Date().toISOString(),
    cpu: keyValues(cpuStat),
    systemNs,
    onlineCpus,
    memoryCurrent: Number(current.trim()) || 0,
    memoryLimit: /^\d+$/.test(max.trim()) ? Number(max.trim()) : memTotal,
    memoryStat: keyValues(memStat),
    // the runtime's wrapper waits for PID 1 inside the cgroup (dockerd's shim is outside): not the container's
    pids: Math.max(0, (Number(pids.trim()) || 0) - 1),
    ...(/^\d+$/.test(pidsMax.trim()) ? { pidsLimit: Number(pidsMax.trim()) } : {}),
    networks: netDev(net),
  };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function cpuStats(s: StatsSample | undefined): Record<string, unknown> {
  if (!s) return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
  const c = s.cpu;
  return {
    // cgroup v2 counts microseconds; the API's unit is nanoseconds
    cpu_usage: { total_usage: (c['usage_usec'] ?? 0) * 1000, usage_in_kernelmode: (c['system_usec'] ?? 0) * 1000, usage_in_usermode: (c['user_usec'] ?? 0) * 1000 },
    system_cpu_usage: s.systemNs,
    online_cpus: s.onlineCpus,
    throttling_data: { periods: c['nr_periods'] ?? 0, throttled_periods: c['nr_throttled'] ?? 0, throttled_time: (c['throttled_usec'] ?? 0) * 1000 },
  };
}

/** The Engine API's stats document for `cur` (undefined: the container is not running, all zero like dockerd's). */
export function statsJson(id: string, name: string, cur: StatsSample | undefined, pre?: StatsSample): Record<string, unknown> {
  const out: Record<string, unknown> = {
    read: cur?.read ?? ZERO_TIME,
    preread: pre?.read ?? ZERO_TIME,
    pids_stats: cur ? { current: cur.pids, ...(cur.pidsLimit !== undefined ? { limit: cur.pidsLimit } : {}) } : {},
    blkio_stats: { io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(cur),
    precpu_stats: cpuStats(pre),
    memory_stats: cur ? { usage: cur.memoryCurrent, stats: cur.memoryStat, limit: cur.memoryLimit } : {},
    name: `/${name}`,
    id,
  };
  if (cur && Object.keys(cur.networks).length) out.networks = cur.networks;
  return out;
}
