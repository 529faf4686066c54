// The container runtime on the real guest: isolation, exec, limits (pids, memory, CPU), capabilities, uid,
// read-only root, pause, kill, and a soak that must leave no mounts, cgroups or tmpfs files behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeSpec } from '../../emulator/engine/containers/runtime-spec.ts';
import { warmUpRuntime } from '../../emulator/engine/runtime/warm-up.ts';
import { busyboxSpec, decode, newLayout, registryBuilt, runToEnd, startRuntimeFixture, type RuntimeFixture } from './runtime-fixture.ts';

describe.skipIf(!registryBuilt)('container runtime on the real kernel', () => {
  let f: RuntimeFixture;
  const sh = async (script: string, timeoutMs = 60_000) => {
    const r = await f.machine.agent.exec(['sh', '-c', script], { timeoutMs });
    expect(r.exitCode, `${script}: ${decode(r.stderr)}`).toBe(0);
    return decode(r.stdout);
  };
  const run = (spec: RuntimeSpec) => runToEnd(f.runtime, spec, newLayout(f.lowerDirs));
  /** Start a long-running container; returns its id. */
  const startDetached = async (spec: RuntimeSpec) => {
    const layout = newLayout(f.lowerDirs);
    await f.runtime.create(spec, layout);
    await f.runtime.start(layout.id);
    return layout.id;
  };
  const roundTrip = async () => {
    const t = performance.now();
    await f.machine.agent.exec(['true'], { timeoutMs: 60_000 });
    return performance.now() - t;
  };
  const leftovers = () => sh('grep -c . /proc/mounts; ls /sys/fs/cgroup/drydock | grep -v "^cgroup\\.\\|^cpu\\|^memory\\|^pids\\|^io\\." | wc -l; ls /run/drydock/containers 2>/dev/null | wc -l; df -k /run | tail -1');

  beforeAll(async () => {
    f = await startRuntimeFixture();
  }, 180_000);
  afterAll(async () => {
    await f?.close();
  });

  it('runs a command as PID 1 of its own PID namespace, with its own hostname and mounts', async () => {
    const ps = await run(busyboxSpec(['ps', '-o', 'pid,comm']));
    expect(ps.exitCode).toBe(0);
    expect(ps.log.trim().split('\n').slice(1).map((l) => l.trim())).toEqual(['1 ps']);
    const r = await run(busyboxSpec(['sh', '-c', 'hostname; cat /proc/mounts'], { hostname: 'box1' }));
    expect(r.exitCode).toBe(0);
    const [hostname, ...mounts] = r.log.trim().split('\n');
    expect(hostname).toBe('box1');
    expect(mounts[0]).toMatch(/^overlay \/ overlay /);
    const points = mounts.map((m) => m.split(' ')[1]);
    expect(points).not.toContain('/mnt/host');
    expect(mounts.filter((m) => /^(host9p|devtmpfs) /.test(m) && !/^devtmpfs \/proc\//.test(m))).toEqual([]);
    console.log(`[runtime] run --rm busybox ps: ${ps.ms.toFixed(0)} ms`);
  });

  it('measures run --rm true, its disk cost, and leaves nothing behind', async () => {
    const before = await leftovers();
    const layout = newLayout(f.lowerDirs);
    const times: number[] = [];
    const t0 = performance.now();
    await f.runtime.create(busyboxSpec(['true']), layout);
    times.push(performance.now() - t0);
    await f.runtime.start(layout.id).catch(() => undefined);
    const end = await f.runtime.wait(layout.id);
    times.push(performance.now() - t0);
    expect(end.exitCode).toBe(0);
    const upper = await sh(`du -sk ${layout.rootfs.upperDir} | cut -f1; find ${layout.rootfs.upperDir} | wc -l`);
    const t1 = performance.now();
    await f.runtime.delete(layout.id);
    times.push(performance.now() - t1);
    console.log(`[runtime] create ${times[0]!.toFixed(0)} ms, +start+wait ${times[1]!.toFixed(0)} ms, delete ${times[2]!.toFixed(0)} ms; upper dir: ${upper.trim().replace('\n', ' KiB, entries: ')}`);
    expect(Number(upper.split('\n')[0])).toBeLessThan(1024);
    expect(await leftovers()).toBe(before);
  });

  it('warm-up: throw-away containers over the guest\'s own root run to their end and leave nothing behind', async () => {
    // the first one stops the warm-up after it (and writes the once-per-boot BPF programs on /run, if no test did)
    let asked = 0;
    expect(await warmUpRuntime(f.runtime, { runs: 3, stop: () => asked++ > 0 })).toBe(1);
    const before = await leftovers();
    const errors: string[] = [];
    const t0 = performance.now();
    const ran = await warmUpRuntime(f.runtime, { runs: 2, onError: (e) => errors.push((e as Error).message) });
    console.log(`[runtime] warm-up: 2 containers in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(errors).toEqual([]);
    expect(ran).toBe(2);
    expect(await leftovers()).toBe(before);
    expect(await sh('ls /run/drydock | grep -c warm-up || true')).toBe('0\n');
  });

  it('-it: the argv the docker shim would spawn runs the container on the caller\'s stdio', async () => {
    const layout = newLayout(f.lowerDirs);
    await f.runtime.create(busyboxSpec(['sh']), layout);
    const argv = f.runtime.interactive(layout.id);
    const r = await f.machine.agent.exec(argv, { stdin: 'echo hi from $(hostname) as $$\nexit 3\n', timeoutMs: 60_000 });
    await f.runtime.exited(layout.id, r);
    expect(decode(r.stdout)).toBe('hi from c0ffee as 1\n');
    expect(await f.runtime.state(layout.id)).toMatchObject({ status: 'exited', exitCode: 3, oomKilled: false });
    const files = await sh(`ls ${layout.bundle}`);
    expect(files.split('\n')).toEqual(expect.arrayContaining(['config.json', 'init.sh', 'trace.sh', 'upper', 'work', 'merged']));
    await f.runtime.delete(layout.id);
  });

  it('exec joins a running container: same PID namespace, hostname, root and user', async () => {
    const id = await startDetached(busyboxSpec(['sleep', '1000'], { hostname: 'sleeper' }));
    try {
      const samples: number[] = [];
      let out = '';
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        const r = await f.runtime.exec(id, ['sh', '-c', 'hostname; ps -o pid,comm; id -u; cat /proc/self/mountinfo | head -1']);
        samples.push(performance.now() - t);
        expect(r.exitCode, decode(r.stderr)).toBe(0);
        out = decode(r.stdout);
      }
      const lines = out.trim().split('\n');
      expect(lines[0]).toBe('sleeper');
      expect(lines).toContainEqual(expect.stringMatching(/^\s*1 sleep$/));
      expect(lines).toContain('0');
      expect(lines.at(-1)).toMatch(/ \/ \/ .* overlay /);
      const asUser = await f.runtime.exec(id, ['id', '-u'], { user: { uid: 1000, gid: 1000 } });
      expect(decode(asUser.stdout).trim()).toBe('1000');
      console.log(`[runtime] exec latency: ${samples.map((s) => s.toFixed(0)).join(', ')} ms`);
    } finally {
      await f.runtime.delete(id);
    }
  });

  it('pause freezes the cgroup, unpause thaws it; kill SIGKILL ends PID 1 with 137', async () => {
    const id = await startDetached(busyboxSpec(['sleep', '1000']));
    const cg = f.runtime.trace(id).cgroup;
    await f.runtime.pause(id);
    expect((await f.runtime.state(id)).status).toBe('paused');
    expect(await sh(`grep frozen ${cg}/cgroup.events`)).toBe('frozen 1\n');
    await f.runtime.unpause(id);
    expect(await sh(`grep frozen ${cg}/cgroup.events`)).toBe('frozen 0\n');
    expect((await f.runtime.state(id)).status).toBe('running');
    await f.runtime.kill(id, 'SIGKILL');
    const end = await f.runtime.wait(id);
    expect(end.exitCode).toBe(137);
    expect(await f.runtime.state(id)).toMatchObject({ status: 'exited', exitCode: 137, oomKilled: false });
    await f.runtime.delete(id);
  });

  it('pids.max 50 contains a fork bomb while the agent answers; delete cleans it up', async () => {
    const before = await leftovers();
    const baseline = await roundTrip();
    // Not `:(){ :|:& };:` verbatim: in busybox ash `:` is a special builtin, found before any function of
    // that name, so that line forks nothing. PID 1 execs sleep so that the bomb's refused forks cannot end it.
    const id = await startDetached(busyboxSpec(['sh', '-c', '(bomb() { bomb | bomb & }; bomb) & exec sleep 1000'], { pids: 50 }));
    const cg = f.runtime.trace(id).cgroup;
    // pids.events counts forks refused at pids.max.
    await sh(`until grep -q 'max [1-9]' ${cg}/pids.events; do sleep 0.2; done`, 300_000);
    const during = [await roundTrip(), await roundTrip(), await roundTrip()];
    const pids = await sh(`cat ${cg}/pids.current; grep max ${cg}/pids.events`);
    console.log(`[runtime] fork bomb: pids.current/events ${pids.replace(/\n/g, ' ')}; agent round trip ${baseline.toFixed(0)} ms before, ${during.map((d) => d.toFixed(0)).join(', ')} ms during`);
    expect(Number(pids.split('\n')[0])).toBeLessThanOrEqual(50);
    expect(Number(/max (\d+)/.exec(pids)![1])).toBeGreaterThan(0);
    const t = performance.now();
    await f.runtime.delete(id);
    console.log(`[runtime] fork bomb delete: ${(performance.now() - t).toFixed(0)} ms`);
    expect(await leftovers()).toBe(before);
  }, 400_000);

  it('memory.max 32M OOM-kills a process allocating 64 MB: exit 137, oom_kill counted, the VM lives', { timeout: 400_000 }, async () => {
    const r = await run(busyboxSpec(['sh', '-c', 'head -c 64m /dev/zero | tail -n 1 >/dev/null'], { memory: 32 * 1024 * 1024 }));
    expect(r).toMatchObject({ exitCode: 137, oomKilled: true });
    const ok = await run(busyboxSpec(['sh', '-c', 'head -c 16m /dev/zero | tail -n 1 | wc -c'], { memory: 32 * 1024 * 1024 }));
    expect(ok).toMatchObject({ exitCode: 0, oomKilled: false });
    expect(await sh('echo alive')).toBe('alive\n');
  });

  it('--cap-drop NET_RAW makes ping fail with a permission error; the default set allows it', async () => {
    const allowed = await run(busyboxSpec(['ping', '-c1', '127.0.0.1']));
    expect(allowed.exitCode, allowed.log).toBe(0);
    const dropped = await run(busyboxSpec(['ping', '-c1', '127.0.0.1'], { capDrop: ['CAP_NET_RAW'] }));
    expect(dropped.exitCode).not.toBe(0);
    expect(dropped.log).toMatch(/permission denied|Operation not permitted/i);
  });

  it('uid 1000 cannot write a root-owned file; a read-only root refuses writes', async () => {
    const user = await run(busyboxSpec(['sh', '-c', 'id -u; echo x >> /etc/passwd'], { uid: 1000 }));
    expect(user.exitCode).not.toBe(0);
    expect(user.log).toMatch(/^1000\n.*Permission denied/s);
    const ro = await run(busyboxSpec(['touch', '/x'], { readonly: true }));
    expect(ro.exitCode).not.toBe(0);
    expect(ro.log).toMatch(/Read-only file system/);
    const tmp = await run(busyboxSpec(['sh', '-c', 'echo ok > /dev/shm/x && cat /dev/shm/x'], { readonly: true }));
    expect(tmp.log.trim()).toBe('ok');
  });

  it('a busy loop does not starve the agent (containers get a lower cpu.weight)', async () => {
    const baseline = [await roundTrip(), await roundTrip(), await roundTrip()];
    const id = await startDetached(busyboxSpec(['sh', '-c', 'while :; do :; done']));
    try {
      const during = [await roundTrip(), await roundTrip(), await roundTrip(), await roundTrip(), await roundTrip()];
      const exec = performance.now();
      await f.runtime.exec(id, ['true']);
      console.log(`[runtime] agent round trip ${baseline.map((d) => d.toFixed(0)).join(', ')} ms idle; ${during.map((d) => d.toFixed(0)).join(', ')} ms with a busy container; exec into it ${(performance.now() - exec).toFixed(0)} ms`);
      const median = [...during].sort((a, b) => a - b)[2]!;
      expect(median).toBeLessThan(Math.max(...baseline) * 4 + 300);
    } finally {
      await f.runtime.delete(id);
    }
  });

  it('soak: 50 create/start/delete cycles leak no mounts, cgroups or tmpfs files', async () => {
    const before = await leftovers();
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const r = await run(busyboxSpec(['true']));
      expect(r.exitCode).toBe(0);
      times.push(r.ms);
    }
    const after = await leftovers();
    times.sort((a, b) => a - b);
    console.log(`[runtime] 50 x run --rm true: median ${times[25]!.toFixed(0)} ms, min ${times[0]!.toFixed(0)}, max ${times[49]!.toFixed(0)}\n  before: ${before.replace(/\n/g, ' | ')}\n  after:  ${after.replace(/\n/g, ' | ')}`);
    expect(after).toBe(before);
  }, 600_000);
});
