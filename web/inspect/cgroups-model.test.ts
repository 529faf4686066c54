import { describe, expect, it } from 'vitest';
import { cgroupSample, type CgroupSample } from '../../emulator/engine/api/cgroups-api.ts';
import { appendSample, CGROUP_HISTORY, cgroupsModel } from './cgroups-model.ts';

const ID = 'c'.repeat(64);

/** The kernel's files of a container under `--memory 8m --cpus 0.5 --pids-limit 20`, as READ_FILE returns them. */
function files(o: { uptime: string; current: number; oomKill: number; usage: number; throttled: number; pids: number }): string[] {
  return [
    `${o.current}\n`,
    '8388608\n',
    '8388608\n',
    `low 0\nhigh 0\nmax 41\noom ${o.oomKill}\noom_kill ${o.oomKill}\noom_group_kill 0\n`,
    `${o.pids}\n`,
    '20\n',
    `usage_usec ${o.usage}\nuser_usec ${o.usage - 10}\nsystem_usec 10\nnr_periods 9\nnr_throttled ${o.throttled}\nthrottled_usec 4000\n`,
    '50000 100000\n',
    `${o.uptime} 10.00\n`,
  ];
}

const at = (uptime: string, o: Partial<Parameters<typeof files>[0]> = {}): CgroupSample =>
  cgroupSample(ID, 'hog', files({ uptime, current: 1_000_000, oomKill: 0, usage: 100_000, throttled: 0, pids: 2, ...o }));

describe('cgroupSample (GET /drydock/cgroups/{id})', () => {
  it('keeps the kernel\'s figures as they are, `max` as null', () => {
    const s = at('12.50');
    expect(s.cgroup).toBe(`/sys/fs/cgroup/drydock/${ID}`);
    expect(s.uptimeUsec).toBe(12_500_000);
    expect(s.memory).toEqual({ current: 1_000_000, max: 8_388_608, peak: 8_388_608, events: { low: 0, high: 0, max: 41, oom: 0, oom_kill: 0, oom_group_kill: 0 } });
    expect(s.pids).toEqual({ current: 2, max: 20 });
    expect(s.cpu.max).toEqual({ quotaUsec: 50_000, periodUsec: 100_000 });
    const unlimited = files({ uptime: '1', current: 5, oomKill: 0, usage: 1, throttled: 0, pids: 1 });
    unlimited[1] = 'max\n';
    unlimited[5] = 'max\n';
    unlimited[7] = 'max 100000\n';
    const u = cgroupSample(ID, 'hog', unlimited);
    expect([u.memory.max, u.pids.max, u.cpu.max.quotaUsec]).toEqual([null, null, null]);
  });

  it('reads a missing file (the cgroup went while it was read) as NaN, not 0', () => {
    expect(cgroupSample(ID, 'hog', ['', '', '', '', '', '', '', '', '1 1']).memory.current).toBeNaN();
  });
});

describe('cgroupsModel', () => {
  it('charts memory and PIDs per reading, CPU as the share of one CPU between readings', () => {
    const m = cgroupsModel([at('10.00'), at('11.00', { usage: 600_000, current: 4_000_000, pids: 3 })])!;
    expect(m.points).toEqual([
      { t: 0, memory: 1_000_000, pids: 2, cpuPercent: null },
      { t: 1, memory: 4_000_000, pids: 3, cpuPercent: 50 },
    ]);
    expect([m.memoryMax, m.pidsMax, m.cpuLimitPercent]).toEqual([8_388_608, 20, 50]);
  });

  it('marks an OOM kill and throttled periods where their counters grew, and those counted before it looked', () => {
    const m = cgroupsModel([
      at('10.00', { throttled: 4 }),
      at('11.00', { throttled: 4 }),
      at('12.00', { oomKill: 1, throttled: 7, current: 8_380_000 }),
    ])!;
    expect(m.events).toEqual([
      { kind: 'throttled', t: 0, count: 4, before: true },
      { kind: 'oom_kill', t: 2, count: 1, before: false },
      { kind: 'throttled', t: 2, count: 3, before: false },
    ]);
    expect([m.oomKills, m.throttledPeriods, m.throttledUsec]).toEqual([1, 7, 4000]);
  });

  it('keeps a minute of one container\'s readings; another container starts over', () => {
    let samples: CgroupSample[] = [];
    for (let i = 0; i < CGROUP_HISTORY + 5; i++) samples = appendSample(samples, at(`${10 + i}.00`));
    expect(samples).toHaveLength(CGROUP_HISTORY);
    expect(samples[0]!.uptimeUsec).toBe(15_000_000);
    const other = cgroupSample('d'.repeat(64), 'web', files({ uptime: '99', current: 1, oomKill: 0, usage: 1, throttled: 0, pids: 1 }));
    expect(appendSample(samples, other)).toEqual([other]);
    expect(cgroupsModel([])).toBeNull();
  });
});
