import { describe, expect, it } from 'vitest';
import { keyValues, netDev, statsJson, systemCpu, type StatsSample } from '../daemon/container-stats.ts';
import { cpuPercent, memoryUsage, statsRow, type StatsDocument } from './stats-format.ts';

const sample = (usageUsec: number, ticks: number, extra: Partial<StatsSample> = {}): StatsSample => ({
  read: '2026-11-25T20:00:00.000Z',
  cpu: { usage_usec: usageUsec, user_usec: usageUsec, system_usec: 0 },
  systemNs: (ticks * 1e9) / 100,
  onlineCpus: 1,
  memoryCurrent: 2_000_000,
  memoryLimit: 32 * 1024 * 1024,
  memoryStat: { inactive_file: 400_000 },
  pids: 1,
  pidsLimit: 50,
  networks: {},
  ...extra,
});

describe('docker stats figures', () => {
  it('parses cgroup and /proc files', () => {
    expect(keyValues('usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n')).toEqual({ usage_usec: 1500, user_usec: 1000, system_usec: 500 });
    expect(systemCpu('75.48 2.14\n', 'cpu  10 0 20 70 0 0 0 0 0 0\ncpu0 10 0 20 70 0 0 0 0 0 0\nintr 5\n')).toEqual({ systemNs: 75.48e9, onlineCpus: 1 });
    const dev = 'Inter-|   Receive\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets\n    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0\n  eth0:    1500      10    0    0    0     0          0         0      700       5    0    0    0     0       0          0\n';
    expect(netDev(dev)).toEqual({ eth0: { rx_bytes: 1500, rx_packets: 10, rx_errors: 0, rx_dropped: 0, tx_bytes: 700, tx_packets: 5, tx_errors: 0, tx_dropped: 0 } });
  });

  it('CPU % is the container\'s share of the machine\'s time between two samples, times its CPUs', () => {
    // 0.5 s of CPU in 1 s (100 ticks) on one CPU: 50 %
    const doc = statsJson('a'.repeat(64), 'web', sample(1_500_000, 1100), sample(1_000_000, 1000)) as unknown as StatsDocument;
    expect(cpuPercent(doc)).toBeCloseTo(50);
    expect(memoryUsage(doc)).toBe(1_600_000);
    expect(statsRow(doc, { container: 'web' })).toEqual({
      ID: 'aaaaaaaaaaaa',
      Container: 'web',
      Name: 'web',
      CPUPerc: '50.00%',
      MemUsage: '1.526MiB / 32MiB',
      MemPerc: '4.77%',
      NetIO: '0B / 0B',
      BlockIO: '0B / 0B',
      PIDs: '1',
    });
  });

  it('a container that is not running is all zero, as dockerd sends it', () => {
    const doc = statsJson('b'.repeat(64), 'gone', undefined) as unknown as StatsDocument;
    expect(statsRow(doc, { container: 'gone', noTrunc: true })).toMatchObject({ ID: 'b'.repeat(64), CPUPerc: '0.00%', MemUsage: '0B / 0B', MemPerc: '0.00%', NetIO: '0B / 0B', PIDs: '0' });
  });
});
