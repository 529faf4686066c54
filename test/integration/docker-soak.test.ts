// The soak: 200 × `docker run --rm busybox true` typed in the real guest leave no mount, cgroup, file on
// tmpfs or the 9p share, process, agent fd, guest memory or engine record behind; then shorter rounds for
// `run -d` + `exec` + `rm -f`, `--memory` and the other ends a container can have. A failure names what
// leaked (the lines that differ).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { median } from '../../bench/figures.ts';
import { PUBLIC_DIR, startEngineInGuest, type EngineInGuest } from '../../emulator/node-backends/engine-in-guest.ts';
import { describeChange, engineLeaks, guestLeaks, readGuestState, waitForDyingCgroups, type GuestState, type LeakTolerance } from '../../emulator/node-backends/guest-leak-probe.ts';
import { timedInGuest } from '../../emulator/node-backends/guest-timed.ts';

const built = existsSync(resolve(PUBLIC_DIR, 'registry/v2/busybox'));
/** DRYDOCK_SOAK_RUNS=n for a shorter (or longer) local soak; the issue asks for 200. */
const RUNS = Number(process.env.DRYDOCK_SOAK_RUNS ?? 200);
/**
 * DRYDOCK_SOAK_NET_RUNS=n likewise for the network round; the networking issue asks for 100. CI runs 20: 20 took
 * 154 s on 2026-12-07 though their median cycle was 1.2 s (the cycles with an exec's lookup by name ran long, not
 * yet explained), and 100 would not fit CI's time.
 */
const NET_RUNS = Number(process.env.DRYDOCK_SOAK_NET_RUNS ?? 20);

/**
 * Readings after `sync; drop_caches`. Measured (Node, shared 2-core host): two readings with 0 runs between
 * differ by 0 kB MemAvailable and <= 44 kB Slab; after 200 runs MemAvailable was 300-450 kB lower, but the
 * samples every 50 runs stayed within 50 kB of each other (224472, 224496, 224516, 224472 kB): it is spent
 * in the first runs, not per run. 2 MB is ~4x that, and 10 kB per run of the 200: a page per container shows.
 */
const TOLERANCE: LeakTolerance = { memAvailableKb: 2048, slabKb: 512, shmemKb: 256, fileHandles: 4, dyingCgroups: 0 };

describe.skipIf(!built)(`soak: docker run --rm busybox true × ${RUNS} and other container paths leak nothing`, () => {
  let machine: EngineInGuest;
  const created = new Set<string>();
  const execs = new Set<string>();
  let unsubscribe: (() => void) | undefined;
  const host = () => {
    const h = machine.host();
    if (!h) throw new Error('the engine is not attached');
    return h;
  };
  const read = () => readGuestState(machine.emulator);
  const heapMb = () => {
    (globalThis as { gc?: () => void }).gc?.();
    return Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
  };

  /** `--rm` returns before the guest side is deleted: wait until no bundle, cgroup or record is left (or 120 s). */
  const settle = async (): Promise<number> => {
    const t = performance.now();
    const script = 'ls /var/lib/drydock/containers; [ -d /sys/fs/cgroup/drydock ] && find /sys/fs/cgroup/drydock -mindepth 1 -type d';
    while (performance.now() - t < 120_000) {
      const r = await machine.emulator.exec(['sh', '-c', script], { timeoutMs: 60_000 });
      if (new TextDecoder().decode(r.stdout).trim() === '' && host().containers.list().length === 0) break;
      await new Promise((done) => setTimeout(done, 250));
    }
    return Math.round(performance.now() - t);
  };

  /** MemAvailable and Slab after dropping caches, for the trend over a soak (a --rm delete may still be running). */
  const memorySample = async () => {
    const r = await machine.emulator.exec(['sh', '-c', "sync; echo 3 > /proc/sys/vm/drop_caches; grep -E '^(MemAvailable|Slab):' /proc/meminfo"], { timeoutMs: 60_000 });
    return new TextDecoder().decode(r.stdout).replace(/\s+/g, ' ').trim();
  };

  /** Runs `script` `n` times in the guest, timed there; stops at the first exit other than `status`. */
  const soak = async (n: number, script: (i: number) => string, label: string, status = 0) => {
    const guestMs: number[] = [];
    const nodeMs: number[] = [];
    const failures: string[] = [];
    for (let i = 0; i < n && failures.length === 0; i++) {
      const t = performance.now();
      const r = await timedInGuest(machine.emulator, script(i), { timeoutMs: 180_000 });
      nodeMs.push(performance.now() - t);
      guestMs.push(r.ms);
      if (r.exitCode !== status) failures.push(`run ${i + 1} of ${n} (${script(i)}) exited ${r.exitCode}, not ${status}: ${r.stderr.trim() || r.stdout.trim()}`);
      if ((i + 1) % 50 === 0 || i + 1 === n) {
        const last = guestMs.slice(-50);
        console.warn(`[soak] ${label}: ${i + 1}/${n}, median of the last ${last.length}: ${median(last)} ms in the guest, ${Math.round(median(nodeMs.slice(-50)))} ms from Node; ${await memorySample()}`);
      }
    }
    return { guestMs, failures };
  };

  const compare = async (before: GuestState, label: string, ids: Iterable<string>) => {
    const settleMs = await settle();
    // the kernel frees removed cgroups asynchronously: waited for (bounded) before the reading that counts them
    const dying = await waitForDyingCgroups(machine.emulator, before.dyingCgroups);
    const after = await read();
    if (after.dyingCgroups > dying) console.warn(`[soak] ${label}: dying cgroups ${dying} after the wait, ${after.dyingCgroups} at the reading`);
    console.warn(`[soak] ${label}: settled ${settleMs} ms after the last run; ${describeChange(before, after)}; Node heap ${heapMb()} MB`);
    return { after, leaks: [...guestLeaks(before, after, TOLERANCE), ...(await engineLeaks(host(), ids))] };
  };

  beforeAll(async () => {
    machine = await startEngineInGuest({ onLog: (line) => console.warn(`[emulator] ${line}`) });
    const pull = await machine.docker('pull -q busybox');
    expect(pull.status, pull.err).toBe(0);
    unsubscribe = host().containers.subscribe((record, event) => {
      if (event === 'create') created.add(record.id);
    });
    // Observed, not replaced: the CLI prints no exec IDs, and the leak check asks the engine about each one.
    const processes = host().processes;
    const createExec = processes.createExec.bind(processes);
    processes.createExec = (ref, body) => {
      const id = createExec(ref, body);
      execs.add(id);
      return id;
    };
    // The first container makes what every later one shares (the /dev skeleton, the drydock/ cgroup).
    const first = await machine.docker('run --rm busybox true');
    expect(first.status, first.err).toBe(0);
    await settle();
  }, 300_000);
  afterAll(async () => {
    unsubscribe?.();
    await machine?.stop();
  });

  let baseline: GuestState;

  it('two readings with no run between agree within the tolerances (the noise they allow for)', async () => {
    expect((await machine.docker('ps -aq')).out).toBe('');
    // the first containers' cgroups may still be on their way out: a baseline with one of them in it would let a
    // later round leak one unseen (bounded: one the kernel never frees stays in the baseline)
    await waitForDyingCgroups(machine.emulator, 0);
    baseline = await read();
    const again = await read();
    console.warn(`[soak] 0 runs: ${describeChange(baseline, again)}`);
    expect(guestLeaks(baseline, again, TOLERANCE)).toEqual([]);
  });

  it(`${RUNS} × docker run --rm busybox true: each exits 0, and nothing is left`, { timeout: 45 * 60_000 }, async () => {
    const heapBefore = heapMb();
    created.clear();
    const { guestMs, failures } = await soak(RUNS, () => 'docker run --rm busybox true', 'run --rm true');
    console.warn(`[soak] run --rm true: median ${median(guestMs)} ms in the guest over ${guestMs.length} runs (min ${Math.min(...guestMs)}, max ${Math.max(...guestMs)}); Node heap before ${heapBefore} MB`);
    const { after, leaks } = await compare(baseline, 'run --rm true', created);
    // The next round compares with this reading, so it reports only what it left itself.
    baseline = after;
    expect(created.size).toBe(RUNS);
    expect((await machine.docker('ps -aq')).out).toBe('');
    expect([...failures, ...leaks]).toEqual([]);
  });

  it('20 × run -d sleep 100, exec, rm -f: nothing is left', { timeout: 20 * 60_000 }, async () => {
    created.clear();
    execs.clear();
    const { failures } = await soak(20, () => 'id=$(docker run -d busybox sleep 100) && docker exec "$id" true && docker rm -f "$id" >/dev/null', 'run -d + exec + rm -f');
    const { after, leaks } = await compare(baseline, 'run -d + exec + rm -f', created);
    baseline = after;
    expect(created.size).toBe(20);
    expect(execs.size).toBe(20);
    expect([...failures, ...leaks]).toEqual([]);
  });

  it('the exec instances of those removed containers are gone (dockerd answers 404 for them)', async () => {
    expect(execs.size).toBeGreaterThan(0);
    expect(await engineLeaks(host(), [], execs)).toEqual([]);
  });

  it('20 × run --rm --memory 8m true: nothing is left', { timeout: 20 * 60_000 }, async () => {
    created.clear();
    const { failures } = await soak(20, () => 'docker run --rm --memory 8m busybox true', 'run --rm --memory 8m');
    const { after, leaks } = await compare(baseline, 'run --rm --memory 8m', created);
    baseline = after;
    expect(created.size).toBe(20);
    expect([...failures, ...leaks]).toEqual([]);
  });

  // The network's own things: a user network's bridge and rules, each container's veth, DNS record, DNAT rule,
  // docker-proxy and conntrack entries, made and used (by name inside, by port from the guest) and removed.
  it(`${NET_RUNS} × a server on a user network with a published port, reached by name and by port, rm -f: nothing is left`, { timeout: 30 * 60_000 }, async () => {
    created.clear();
    execs.clear();
    const made = await machine.docker('network create soak');
    expect(made.status, made.err).toBe(0);
    // httpd answers once it listens: poll for it (bounded), then every path must answer at once
    // every run makes the DNS record; every tenth also looks its alias up from inside (an exec costs a second here)
    const cycle = (i: number) =>
      [
        'c=$(docker run -d --network soak --network-alias web -p 8090:80 busybox httpd -f -p 80 -h /etc)',
        '{ for t in $(seq 100); do wget -qO /dev/null http://127.0.0.1:8090/hostname 2>/dev/null && break; sleep 0.1; done; true; }',
        'wget -qO /dev/null http://127.0.0.1:8090/hostname',
        'wget -qO /dev/null http://192.168.86.100:8090/hostname',
        ...(i % 10 === 0 ? ['docker exec "$c" wget -qO /dev/null http://web/hostname'] : []),
        'docker rm -f "$c" >/dev/null',
      ].join(' && ');
    const { guestMs, failures } = await soak(NET_RUNS, cycle, 'user network + -p');
    console.warn(`[soak] user network + -p: median ${median(guestMs)} ms per cycle in the guest over ${guestMs.length}`);
    const removed = await machine.docker('network rm soak');
    expect(removed.status, removed.err).toBe(0);
    const { after, leaks } = await compare(baseline, 'user network + -p', created);
    baseline = after;
    expect([...failures, ...leaks]).toEqual([]);
    expect(created.size).toBe(NET_RUNS);
  });

  // Each path's own end: a failed start, a non-zero exit, wait + rm, create + rm, stop, kill, a bind mount, a
  // read-only root. Not here yet: named and anonymous volumes (their _data directory is never made in the guest,
  // so `-v name:/path` cannot start), and a child left running when PID 1 exits (the test below).
  const paths: [script: string, status: number][] = [
    ['docker run --rm busybox /nonexistent 2>/dev/null', 127],
    ['docker run --rm busybox sh -c "exit 3"', 3],
    ['c=$(docker run -d busybox true) && docker wait "$c" >/dev/null && docker rm "$c" >/dev/null', 0],
    ['c=$(docker create busybox true) && docker rm "$c" >/dev/null', 0],
    ['c=$(docker run -d busybox sleep 1000) && docker stop -t 1 "$c" >/dev/null && docker rm "$c" >/dev/null', 0],
    ['c=$(docker run -d busybox sleep 1000) && docker kill "$c" >/dev/null && docker rm "$c" >/dev/null', 0],
    ['docker run --rm -v /etc:/x:ro busybox true', 0],
    ['docker run --rm --read-only busybox true', 0],
  ];

  it(`3 × each of ${paths.length} other paths (failed start, exit codes, create, stop, kill, binds, read-only): nothing is left`, { timeout: 20 * 60_000 }, async () => {
    created.clear();
    const failures: string[] = [];
    for (const [script, status] of paths) failures.push(...(await soak(3, () => script, script.slice(0, 60), status)).failures);
    const { leaks } = await compare(baseline, 'other paths', created);
    expect(created.size).toBe(3 * paths.length);
    expect([...failures, ...leaks]).toEqual([]);
  });

  // Known hang, 1 run in 2 to 11 (before and after drydock-init): PID 1 exits, its orphan gets the namespace's
  // SIGKILL but stays in state X (dead) in the container's cgroup, PID 1 never finishes exiting, and the
  // runtime's waiter (drydock-init, or the old wrapper sh) sits in wait4 on it: `docker run` never returns and
  // the container stays Up. It shows without the engine too: overlay with its lowerdir on the 9p share, then
  // `unshare --pid --mount --fork`, chroot into the overlay, `sh -c "sleep 1000 & exit 0"` (not with a tmpfs
  // lowerdir, nor chrooted straight into the 9p layer: 0 of 20 each). Unskip when that is fixed.
  it.skip('10 × run --rm with a child left running when PID 1 exits: each returns, nothing is left', { timeout: 10 * 60_000 }, async () => {
    created.clear();
    const { failures } = await soak(10, () => 'docker run --rm busybox sh -c "sleep 1000 & exit 0"', 'orphan child');
    const { leaks } = await compare(baseline, 'orphan child', created);
    expect([...failures, ...leaks]).toEqual([]);
  });
});
