// `docker stats` rows from Engine API stats documents, computed as the docker CLI does (stats_helpers.go): CPU % from
// the delta to precpu_stats, memory without the inactive page cache, network and block I/O summed.
import { bytesSize, humanSize } from '../units/human.ts';

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface StatsDocument {
  id: string;
  name: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats?: { current?: number };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
}

export const STATS_TABLE = '{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
export const STATS_HEADERS = { ID: 'CONTAINER ID', Container: 'CONTAINER', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS' };

/** The container's share of the machine's CPU time between two samples, times the CPUs: 100 % is one CPU busy. */
export function cpuPercent(s: StatsDocument): number {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus || s.cpu_stats?.cpu_usage?.percpu_usage?.length || 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
}

/** memory.current minus the inactive file cache (cgroup v2's `inactive_file`), as the CLI shows it. */
export function memoryUsage(s: StatsDocument): number {
  const usage = s.memory_stats?.usage ?? 0;
  const inactive = s.memory_stats?.stats?.['total_inactive_file'] ?? s.memory_stats?.stats?.['inactive_file'];
  return inactive !== undefined && inactive < usage ? usage - inactive : usage;
}

function blockIo(s: StatsDocument): [number, number] {
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') read += e.value;
    else if (op === 'write') write += e.value;
  }
  return [read, write];
}

/** A row with the fields the CLI's `--format` knows: ID, Container, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs. */
export function statsRow(s: StatsDocument, options: { container: string; noTrunc?: boolean }): Record<string, string> {
  const mem = memoryUsage(s);
  const limit = s.memory_stats?.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  const [read, write] = blockIo(s);
  return {
    ID: options.noTrunc ? s.id : s.id.slice(0, 12),
    Container: options.container,
    Name: s.name.replace(/^\//, ''),
    CPUPerc: `${cpuPercent(s).toFixed(2)}%`,
    MemUsage: `${bytesSize(mem)} / ${bytesSize(limit)}`,
    MemPerc: `${(limit ? (mem / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${humanSize(rx)} / ${humanSize(tx)}`,
    BlockIO: `${humanSize(read)} / ${humanSize(write)}`,
    PIDs: String(s.pids_stats?.current ?? 0),
  };
}

/** The row of a container whose stats could not be read (the CLI's IsInvalid): dashes. */
export function invalidStatsRow(id: string, name: string, container: string): Record<string, string> {
  return { ID: id.slice(0, 12), Container: container, Name: name.replace(/^\//, ''), CPUPerc: '--', MemUsage: '-- / --', MemPerc: '--', NetIO: '--', BlockIO: '--', PIDs: '--' };
}
