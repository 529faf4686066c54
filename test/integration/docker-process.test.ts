// A container's process as the guest sees it: State.Pid is PID 1 of the container's PID namespace from the moment
// `docker run -d` returns, and killing that pid from the guest's shell ends the container as Docker's would.
import { describe, expect, it } from 'vitest';
import { imagesBuilt, useEngineGuest } from './engine-guest.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!imagesBuilt('busybox'))('a container\'s process typed in the guest', () => {
  const guest = useEngineGuest({ pull: ['busybox'] });
  const { docker, sh } = guest;

  /** polls `docker ps -a` until the container's status matches (the exit is recorded after the guest reports it) */
  const statusOf = async (name: string, want: RegExp, timeoutMs = 120_000) => {
    const t0 = Date.now();
    let last = '';
    while (Date.now() - t0 < timeoutMs) {
      last = (await docker(`ps -a --filter name=^${name}$ --format '{{.Status}}'`)).out.trim();
      if (want.test(last)) return last;
      await sleep(200);
    }
    return last;
  };

  it('State.Pid is PID 1 of the container as soon as run -d returns; kill -9 of it from the guest ends the container (137)', { timeout: 300_000 }, async () => {
    // one guest shell line, as the learner types it: no time for a lookup between run and inspect
    const r = await sh(`docker run -d --name web busybox sleep 1000 >/dev/null && p=$(docker inspect -f '{{.State.Pid}}' web) && echo $p && grep NSpid /proc/$p/status`);
    expect(r.status, r.err).toBe(0);
    const [pid, nspid] = r.out.trim().split('\n');
    expect(Number(pid)).toBeGreaterThan(1);
    // the host pid, then 1: PID 1 of the container's own PID namespace
    expect(nspid).toMatch(new RegExp(`^NSpid:\\s+${pid}\\s+1$`));
    const top = (await docker('top web')).out.split('\n')[1] ?? '';
    expect(top).toMatch(new RegExp(`^root\\s+${pid}\\s`));
    expect((await docker('ps --format "{{.Names}}"')).out).toBe('web\n');

    expect((await sh(`kill -9 $(docker inspect -f '{{.State.Pid}}' web)`)).status).toBe(0);
    expect(await statusOf('web', /^Exited/)).toMatch(/^Exited \(137\) /);
    expect((await docker('inspect -f "{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}}" web')).out).toBe('exited 137 0\n');
    expect((await docker('ps -q')).out).toBe('');

    // a container on the learner's terminal (-it): State.Pid follows once the terminal has started it
    let screen = '';
    const onMessage = (data: Uint8Array | string) => (screen += typeof data === 'string' ? data : new TextDecoder().decode(data));
    guest.machine.console.on('message', onMessage);
    try {
      guest.machine.console.postMessage('docker run -it --rm --name tty1 busybox sh\n');
      for (const t0 = Date.now(); !/^\/ # /m.test(screen) && Date.now() - t0 < 120_000; ) await sleep(100);
      let ns = '';
      for (const t0 = Date.now(); !/^NSpid:\s+\d+\s+1\n$/.test(ns) && Date.now() - t0 < 60_000; await sleep(200)) {
        ns = (await sh(`p=$(docker inspect -f '{{.State.Pid}}' tty1) && [ "$p" != 0 ] && grep NSpid /proc/$p/status`)).out;
      }
      expect(ns).toMatch(/^NSpid:\s+\d+\s+1\n$/);
      guest.machine.console.postMessage('exit\n');
    } finally {
      guest.machine.console.off('message', onMessage);
    }

    // docker start: the same from the first moment
    const again = await sh(`docker start web >/dev/null && p=$(docker inspect -f '{{.State.Pid}}' web) && grep NSpid /proc/$p/status`);
    expect(again.out, again.err).toMatch(/^NSpid:\s+\d+\s+1\n$/);
    expect((await docker('rm -f web')).status).toBe(0);
  });

  it('GET /drydock/processes: the container\'s PID 1 with its host PID, NSpid, own namespaces but user, Docker\'s capabilities', { timeout: 300_000 }, async () => {
    const r = await sh(`docker run -d --name pv busybox sleep 1000 >/dev/null && docker inspect -f '{{.State.Pid}}' pv`);
    expect(r.status, r.err).toBe(0);
    const pid = Number(r.out.trim());
    type Row = { pid: number; command: string; nsPids: number[]; namespaces: Record<string, number>; capEff: string[]; container: { name: string } | null };
    const took: number[] = [];
    let rows: Row[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const answer = await guest.machine.emulator.engineRequest('GET', '/drydock/processes');
      took.push(Math.round(performance.now() - t0));
      expect(answer.status, answer.body).toBe(200);
      rows = (JSON.parse(answer.body) as { processes: Row[] }).processes;
    }
    console.log(`[timing] GET /drydock/processes: ${took.join(', ')} ms (${rows.length} processes)`);
    const init = rows.find((p) => p.pid === 1);
    const sleeping = rows.find((p) => p.pid === pid);
    expect(init?.container).toBeNull();
    expect(sleeping).toMatchObject({ command: 'sleep 1000', nsPids: [pid, 1], container: { name: 'pv' } });
    for (const kind of ['pid', 'mnt', 'net', 'uts', 'ipc', 'cgroup']) expect(sleeping?.namespaces[kind], kind).not.toBe(init?.namespaces[kind]);
    expect(sleeping?.namespaces.user).toBe(init?.namespaces.user);
    expect(sleeping?.capEff).toContain('CAP_NET_BIND_SERVICE');
    expect(sleeping?.capEff).not.toContain('CAP_SYS_ADMIN');
    expect(init?.capEff).toContain('CAP_SYS_ADMIN');
    expect((await docker('rm -f pv')).status).toBe(0);
  });

  it('stats --no-stream: a busy container\'s CPU %, its --memory limit, PIDs without the runtime\'s wrapper', { timeout: 300_000 }, async () => {
    const run = await docker(`run -d --name busy --memory 32m busybox sh -c 'while :; do :; done'`);
    expect(run.status, run.err).toBe(0);
    // the loop, not the runtime's set-up before it (run -d returns once PID 1 exists, before it execs the command)
    for (let t0 = Date.now(); Date.now() - t0 < 120_000 && !/while/.test((await docker('top busy')).out); ) await sleep(300);
    const s = await docker('stats --no-stream --format "{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}|{{.NetIO}}|{{.BlockIO}}|{{.PIDs}}" busy');
    expect(s.status, s.err).toBe(0);
    const [name, cpu, mem, memPerc, net, block, pids] = s.out.trim().split('|');
    console.warn(`[stats] ${s.out.trim()} (${s.ms} ms)`);
    expect(name).toBe('busy');
    expect(cpu).toMatch(/^\d+\.\d\d%$/);
    expect(parseFloat(cpu ?? '')).toBeGreaterThan(0);
    expect(mem).toMatch(/^\d+(\.\d+)?(B|KiB|MiB) \/ 32MiB$/);
    expect(memPerc).toMatch(/^\d+\.\d\d%$/);
    expect([net, block, pids]).toEqual(['0B / 0B', '0B / 0B', '1']);
    // the default table, every running container
    const table = await docker('stats --no-stream');
    expect(table.out).toMatch(/^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS\n[0-9a-f]{12}\s+busy\s+\d+\.\d\d%\s+\S+ \/ 32MiB\s/);
    // streaming: the screen redrawn with fresh figures until the command is ended (here by timeout's SIGTERM)
    const live = await sh('timeout 5 docker stats busy');
    const frames = live.out.split('\x1b[2J\x1b[H').filter(Boolean);
    expect(frames.length, live.out).toBeGreaterThan(1);
    expect(frames.at(-1)).toMatch(/^CONTAINER ID\s+NAME\s+CPU %.*\n[0-9a-f]{12}\s+busy\s+\d+\.\d\d%\s+\S+ \/ 32MiB\s/);
    expect((await docker('rm -f busy')).status).toBe(0);
  });

  it('GET /drydock/cgroups/{id} after an OOM kill: the kernel\'s figures and oom_kill; GET /drydock/bridges: the veth the kernel has', { timeout: 300_000 }, async () => {
    // the shell survives dd's OOM kill, so the cgroup (and what the kernel counted in it) stays to be read
    const run = await docker(`run -d --name hog8 --memory 8m busybox sh -c 'dd if=/dev/zero of=/dev/null bs=16M count=1; sleep 1000'`);
    expect(run.status, run.err).toBe(0);
    const id = run.out.trim();
    const dir = `/sys/fs/cgroup/drydock/${id}`;
    const killed = await sh(`for i in $(seq 60); do grep -q '^oom_kill 1' ${dir}/memory.events && exit 0; sleep 1; done; exit 1`);
    expect(killed.status, (await sh(`cat ${dir}/memory.events`)).out).toBe(0);
    const files = ['memory.current', 'memory.max', 'memory.peak', 'memory.events', 'pids.current', 'pids.max', 'cpu.max'];
    const kernel = async () => {
      const out = (await sh(files.map((f) => `echo "== ${f}"; cat ${dir}/${f}`).join('; '))).out;
      return Object.fromEntries(out.split(/^== /m).filter(Boolean).map((part) => [part.slice(0, part.indexOf('\n')), part.slice(part.indexOf('\n') + 1).trim()]));
    };
    const before = await kernel();
    const t0 = performance.now();
    const answer = await guest.machine.emulator.engineRequest('GET', '/drydock/cgroups/hog8');
    const ms = Math.round(performance.now() - t0);
    const after = await kernel();
    expect(answer.status, answer.body).toBe(200);
    const c = JSON.parse(answer.body) as { memory: { current: number; max: number | null; peak: number | null; events: Record<string, number> }; pids: { current: number; max: number | null }; cpu: { max: { quotaUsec: number | null } }; uptimeUsec: number };
    console.log(`[timing] GET /drydock/cgroups/hog8: ${ms} ms; memory ${c.memory.current} of ${c.memory.max}, peak ${c.memory.peak}, events ${JSON.stringify(c.memory.events)}`);
    expect(c.memory.max).toBe(8 * 1024 * 1024);
    expect(before['memory.max']).toBe('8388608');
    // read between two readings of the kernel's file: within them (the sleeping shell's memory holds still)
    const current = [Number(before['memory.current']), Number(after['memory.current'])];
    expect(c.memory.current).toBeGreaterThanOrEqual(Math.min(...current));
    expect(c.memory.current).toBeLessThanOrEqual(Math.max(...current));
    expect(c.memory.peak).toBe(Number(after['memory.peak']));
    const events = Object.fromEntries((after['memory.events'] ?? '').split('\n').map((l) => l.split(' ')).map(([k, v]) => [k, Number(v)]));
    expect(c.memory.events).toEqual(events);
    expect(c.memory.events['oom_kill']).toBe(1);
    expect(c.pids).toEqual({ current: Number(after['pids.current']), max: null });
    expect(after['pids.max']).toBe('max');
    expect(c.cpu.max.quotaUsec).toBeNull();

    // the veth the engine names is in the guest's kernel: on docker0, the peer of the container's eth0
    const bridges = JSON.parse((await guest.machine.emulator.engineRequest('GET', '/drydock/bridges')).body) as { bridges: { bridge: string; veths: { container: { name: string }; ifName: string; hostIfName: string }[] }[] };
    const docker0 = bridges.bridges.find((b) => b.bridge === 'docker0');
    const veth = docker0?.veths.find((v) => v.container.name === 'hog8');
    expect(veth?.ifName).toBe('eth0');
    const link = await sh(`readlink /sys/class/net/${veth?.hostIfName}/master; cat /sys/class/net/${veth?.hostIfName}/ifindex`);
    const [master, ifindex] = link.out.trim().split('\n');
    expect(master).toMatch(/\/docker0$/);
    expect((await docker('exec hog8 cat /sys/class/net/eth0/iflink')).out.trim()).toBe(ifindex);

    expect((await docker('rm -f hog8')).status).toBe(0);
    const gone = await guest.machine.emulator.engineRequest('GET', '/drydock/cgroups/hog8');
    expect(gone.status).toBe(404);
  });

  it('--sig-proxy: ^C on the terminal goes to a container attached without a tty; --sig-proxy=false detaches', { timeout: 300_000 }, async () => {
    let screen = '';
    const port = guest.machine.console;
    const onMessage = (data: Uint8Array | string) => (screen += typeof data === 'string' ? data : new TextDecoder().decode(data));
    port.on('message', onMessage);
    const waitFor = async (re: RegExp, ms = 120_000) => {
      for (const t0 = Date.now(); !re.test(screen); await sleep(100)) {
        if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re} on the console:\n${screen.slice(-2000)}`);
      }
    };
    try {
      // `re""ady` so the echo of the typed line does not match
      port.postMessage(`docker run --name sig busybox sh -c 'trap "echo got-INT; exit 7" INT; echo re""ady; while :; do sleep 1; done'; echo status=$?\n`);
      await waitFor(/\nready\r?\n/);
      const pid = (await docker("inspect -f '{{.State.Pid}}' sig")).out.trim();
      const ignored = (BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)/m.exec((await sh(`cat /proc/${pid}/status`)).out)?.[1] ?? '0'}`) & 2n) !== 0n;
      port.postMessage('\x03');
      if (!ignored) {
        // Docker's behaviour: the container's trap runs, and its exit status is the CLI's
        await waitFor(/got-INT\r?\n(\^C)?status=7\r?\n/);
      } else {
        // The guest agent starts containers with SIGINT ignored (it runs in the background of the guest's init), so
        // the forwarded ^C cannot run the trap: the CLI sees that and lets go (130) instead of holding the terminal.
        console.warn('[sig-proxy] the container\'s PID 1 ignores SIGINT (inherited from the guest agent): the trap cannot run');
        await waitFor(/status=130\r?\n/);
        expect((await docker("ps --format '{{.Names}}'")).out).toBe('sig\n');
      }
      screen = '';
      port.postMessage(`docker run --sig-proxy=false --name nosig busybox sh -c 'echo re""ady; sleep 1000'\n`);
      await waitFor(/\nready\r?\n/);
      port.postMessage('\x03');
      port.postMessage('echo back=$?\n');
      await waitFor(/back=130/);
      expect((await docker("ps --format '{{.Names}}'")).out).toMatch(/^nosig$/m);
    } finally {
      port.off('message', onMessage);
      await docker('rm -f sig nosig');
    }
  });
});
