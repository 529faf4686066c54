// Containers through `docker` typed in the real guest, with the engine composed as the browser worker composes it
// (engine-host.ts via the emulator service): run --rm, run -d + ps + logs + stop + rm, exit codes, limits.
import { describe, expect, it } from 'vitest';
import { imagesBuilt, useEngineGuest } from './engine-guest.ts';

/** How often `typed` shows on `screen` without ash's prompt right before it (its own echo or a redraw has one). */
function unprompted(screen: string, typed: string): number {
  return screen.split(typed).slice(0, -1).filter((before) => !/# (?:\x1b\[(?:6n|J))*$/.test(before)).length;
}

describe.skipIf(!imagesBuilt('busybox'))('docker containers typed in the guest', () => {
  const guest = useEngineGuest({ pull: ['busybox'] });
  const { docker } = guest;

  it('run --rm busybox echo hello: output, exit status, nothing left', { timeout: 240_000 }, async () => {
    const r = await docker('run --rm busybox echo hello');
    expect(r, r.err).toMatchObject({ status: 0, out: 'hello\n', err: '' });
    expect(await docker('run --rm busybox sh -c "echo out; echo err >&2; exit 3"')).toMatchObject({ status: 3, out: 'out\n', err: 'err\n' });
    expect((await docker('ps -aq')).out).toBe('');
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await docker('run --rm busybox true');
      expect(t.status, t.err).toBe(0);
      times.push(t.ms);
    }
    console.warn(`[timing] docker run --rm busybox true in the guest (Node): ${times.join(', ')} ms`);
  });

  it('run -d, ps, logs, stop, rm', { timeout: 180_000 }, async () => {
    const run = await docker('run -d --name web busybox sh -c "echo started; while true; do echo tick; sleep 1; done"');
    expect(run.status, run.err).toBe(0);
    expect(run.out).toMatch(/^[0-9a-f]{64}\n$/);
    const ps = await docker('ps');
    expect(ps.out).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n[0-9a-f]{12}\s+busybox\s+"sh -c 'echo started…"\s+.+ ago\s+Up .+\s+web\n$/);
    expect((await docker('ps -q')).out).toBe(`${run.out.slice(0, 12)}\n`);
    expect((await docker('ps --format "{{.Names}} {{.State}}"')).out).toBe('web running\n');
    // The container's init (mounts, masked paths) takes seconds in the emulated CPU before its first line.
    let logs = await docker('logs web');
    for (let i = 0; i < 60 && !/tick\n/.test(logs.out); i++) {
      await new Promise((r) => setTimeout(r, 500));
      logs = await docker('logs web');
    }
    expect(logs.out).toMatch(/^started\ntick\n/);
    expect((await docker('logs --tail 1 web')).out).toBe('tick\n');
    expect((await docker('inspect --format "{{.State.Status}} {{.Name}}" web')).out).toBe('running /web\n');
    const rmRunning = await docker('rm web');
    expect(rmRunning.status).toBe(1);
    expect(rmRunning.err).toMatch(/^Error response from daemon: .*(running|stop)/i);
    const stop = await docker('stop -t 1 web');
    expect(stop, stop.err).toMatchObject({ status: 0, out: 'web\n' });
    expect((await docker('ps -a --format "{{.Status}}"')).out).toMatch(/^Exited \(137\) /);
    expect(await docker('rm web')).toMatchObject({ status: 0, out: 'web\n' });
    expect((await docker('ps -aq')).out).toBe('');
  });

  it('command not found -> 127, name conflict refused', { timeout: 120_000 }, async () => {
    const before = (await docker('ps -aq')).out;
    const missing = await docker('run --rm busybox nope-not-here');
    expect(missing.status).toBe(127);
    expect(missing.err).toMatch(/^docker: Error response from daemon: failed to create task for container: .*exec: "nope-not-here": executable file not found in \$PATH: unknown/);
    expect((await docker('ps -aq')).out).toBe(before);

    expect((await docker('create --name dup busybox true')).status).toBe(0);
    const again = await docker('create --name dup busybox true');
    // docker 28's `create` returns the daemon's error as is: exit 1 (`run` reports 125)
    expect(again.status).toBe(1);
    expect(again.err).toMatch(/^Error response from daemon: Conflict\. The container name "\/dup" is already in use by container "[0-9a-f]{64}"/);
    const start = await docker('start dup');
    expect(start).toMatchObject({ status: 0, out: 'dup\n' });
    expect(await docker('wait dup')).toMatchObject({ status: 0, out: '0\n' });
    const prune = await docker('container prune -f');
    expect(prune.status, prune.err).toBe(0);
    expect(prune.out).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n/);
  });

  it('--memory 32m: a 64 MB allocation is OOM-killed, 137 and OOMKilled', async () => {
    // dd's 64 MB buffer is touched as /dev/zero fills it: charged to the container's memory cgroup
    const r = await docker('run --name oom --memory 32m busybox dd if=/dev/zero of=/dev/null bs=64M count=1', 180_000);
    expect(r.status, r.err).toBe(137);
    expect((await docker('inspect --format "{{.State.OOMKilled}} {{.State.ExitCode}}" oom')).out).toBe('true 137\n');
    expect((await docker('rm oom')).status).toBe(0);
  }, 240_000);

  it('exec, top, stats, pause/unpause; rmi of an image in use is refused', { timeout: 180_000 }, async () => {
    const run = await docker('run -d --name svc busybox sleep 1000');
    expect(run.status, run.err).toBe(0);
    const exec = await docker('exec svc sh -c "echo in \\$(hostname); echo oops >&2; exit 3"');
    expect(exec).toMatchObject({ status: 3, out: `in ${run.out.slice(0, 12)}\n`, err: 'oops\n' });
    const top = await docker('top svc');
    expect(top.status, top.err).toBe(0);
    expect(top.out).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n(.*\n)*root\s+\d+\s+\d+\s+.*sleep 1000\n/);
    const stats = await docker('stats --no-stream --format "{{.Name}} {{.PIDs}}" svc');
    expect(stats.out).toMatch(/^svc [12]\n$/); // PID 1 and the runtime's waiting shell
    expect(await docker('pause svc')).toMatchObject({ status: 0, out: 'svc\n' });
    expect((await docker('ps --format "{{.Status}}"')).out).toMatch(/^Up .+ \(Paused\)\n$/);
    expect(await docker('unpause svc')).toMatchObject({ status: 0, out: 'svc\n' });
    const rmi = await docker('rmi busybox');
    expect(rmi.status).toBe(1);
    expect(rmi.err).toMatch(/^Error response from daemon: conflict: unable to remove repository reference "busybox" \(must force\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}\n$/);
    expect(await docker('kill svc')).toMatchObject({ status: 0, out: 'svc\n' });
    expect((await docker('inspect --format "{{.State.Status}} {{.State.ExitCode}}" svc')).out).toBe('exited 137\n');
    expect(await docker('rm -f svc')).toMatchObject({ status: 0, out: 'svc\n' });
  });

  it('run -it busybox sh owns the learner\'s terminal; its exit status is the container\'s', { timeout: 180_000 }, async () => {
    let screen = '';
    const port = guest.machine.console;
    port.on('message', (data: Uint8Array | string) => (screen += typeof data === 'string' ? data : new TextDecoder().decode(data)));
    const waitFor = async (re: RegExp, ms = 90_000) => {
      const t0 = Date.now();
      while (!re.test(screen)) {
        if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re} on the console:\n${screen.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    port.postMessage('docker run -it --rm --name tty1 busybox sh\n');
    await waitFor(/^\/ # /m);
    port.postMessage('echo inside-$((6*7)) $$\n');
    await waitFor(/^inside-42 1\r?$/m);
    port.postMessage('exit 5\n');
    port.postMessage('echo status=$?\n');
    await waitFor(/^status=5\r?$/m);
    expect((await docker('ps -aq --filter name=tty1')).out).toBe('');
    port.removeAllListeners('message');
  });

  it('-t gets a pty of the container\'s devpts; run -dit, then attach on the console: echoed once, ^P^Q detaches', { timeout: 180_000 }, async () => {
    expect(await docker('run -t --rm busybox tty')).toMatchObject({ status: 0, out: '/dev/pts/0\r\n' });
    expect((await docker('run -dit --name bg busybox sh')).status).toBe(0);
    let screen = '';
    const port = guest.machine.console;
    port.on('message', (data: Uint8Array | string) => (screen += typeof data === 'string' ? data : new TextDecoder().decode(data)));
    const waitFor = async (re: RegExp, ms = 60_000) => {
      for (const t0 = Date.now(); !re.test(screen); await new Promise((r) => setTimeout(r, 100))) {
        if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re} on the console:\n${screen.slice(-2000)}`);
      }
    };
    /** the console's line settings, read beside it */
    const consoleMode = async () => (await guest.sh('stty -F /dev/ttyS0 -a')).out;
    const atPrompt = await consoleMode();
    port.postMessage('docker attach bg\n');
    // the shim's terminal goes raw (SHIM_RAW: -isig, which ash's own line editing keeps) before the container's output
    // comes, so a line typed once its prompt shows is echoed by the container's pty alone
    for (let mode = atPrompt, t0 = Date.now(); mode === atPrompt || !/-isig/.test(mode); await new Promise((r) => setTimeout(r, 200)), mode = await consoleMode()) {
      expect(Date.now() - t0, 'the console goes raw while attached').toBeLessThan(60_000);
    }
    screen = '';
    port.postMessage('\r');
    // a new prompt after that Enter (ash asks where the cursor is after its prompt, ESC[6n; nobody answers here),
    // or its redraw (\r# ESC[J) when the attach's resize lands after it
    await waitFor(/\/ # (?:\x1b\[(?:6n|J))*$/);
    port.postMessage('echo inside-$((6*7)); tty\r');
    await waitFor(/inside-42\r\n\/dev\/pts\/0\r\n.*# (?:\x1b\[(?:6n|J))*$/s);
    // echoed by the container's pty alone: a console still in cooked mode would show the line once more, without a
    // prompt before it (ash redraws a line after a SIGWINCH, the attach's resize, prompt first)
    expect(unprompted(screen, 'echo inside-$((6*7))'), JSON.stringify(screen)).toBe(0);
    port.postMessage('\x10\x11');
    // typed once docker has gone: a shim still reading its stdin would take it
    for (const t0 = Date.now(); (await guest.sh('pidof docker')).out.trim() !== ''; await new Promise((r) => setTimeout(r, 200))) {
      expect(Date.now() - t0, 'docker attach ends at ctrl-p ctrl-q').toBeLessThan(30_000);
    }
    port.postMessage('echo status=$?\n');
    await waitFor(/^status=0\r?$/m);
    // the shim put the console back as it was
    expect(await consoleMode()).toBe(atPrompt);
    expect((await docker('inspect --format "{{.State.Status}}" bg')).out).toBe('running\n');
    expect((await docker('rm -f bg')).status).toBe(0);
    port.removeAllListeners('message');
  });

  it('--pids-limit 50 contains a fork bomb; the agent stays responsive; rm -f cleans it up', { timeout: 180_000 }, async () => {
    const run = await docker(`run -d --name bomb --pids-limit 50 busybox sh -c 'f(){ f|f& }; f; sleep 1000'`);
    expect(run.status, run.err).toBe(0);
    const id = run.out.trim();
    const cgroup = `/sys/fs/cgroup/drydock/${id}`;
    // PID 1 stays (sleep): when it exits, the kernel ends the whole PID namespace and the bomb with it.
    // pids.events counts the forks the limit refused: proof the bomb hit the wall (it then dies out in ash).
    let refused = 0;
    for (let i = 0; i < 120 && refused === 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const r = await guest.machine.emulator.exec(['cat', `${cgroup}/pids.events`], { timeoutMs: 30_000 });
      refused = Number(/^max (\d+)/m.exec(new TextDecoder().decode(r.stdout))?.[1] ?? 0);
    }
    expect(refused).toBeGreaterThan(0);
    const t0 = performance.now();
    expect((await guest.machine.emulator.exec(['true'], { timeoutMs: 30_000 })).exitCode).toBe(0);
    console.warn(`[timing] agent round trip during the fork bomb: ${Math.round(performance.now() - t0)} ms`);
    expect(await docker('rm -f bomb')).toMatchObject({ status: 0, out: 'bomb\n' });
    expect((await guest.machine.emulator.exec(['test', '-e', cgroup], { timeoutMs: 30_000 })).exitCode).toBe(1);
  });

  it('volumes: create, ls, inspect, rm', async () => {
    expect(await docker('volume create data')).toMatchObject({ status: 0, out: 'data\n' });
    expect((await docker('volume ls')).out).toMatch(/^DRIVER\s+VOLUME NAME\nlocal\s+data\n$/);
    expect((await docker('volume inspect --format "{{.Name}} {{.Driver}}" data')).out).toBe('data local\n');
    expect(await docker('volume rm data')).toMatchObject({ status: 0, out: 'data\n' });
  });

  it('-v: a named volume outlives its container, :ro refuses writes, a missing bind source is made, rm removes the data', { timeout: 240_000 }, async () => {
    const write = await docker('run --rm -v notes:/data busybox sh -c "echo kept > /data/note"');
    expect(write, write.err).toMatchObject({ status: 0 });
    expect(await docker('run --rm -v notes:/data:ro busybox cat /data/note')).toMatchObject({ status: 0, out: 'kept\n' });
    expect((await docker('run --rm -v notes:/data:ro busybox touch /data/x')).err).toMatch(/Read-only file system/);
    const bind = await docker('run --rm -v /tmp/made-by-v:/x busybox touch /x/file');
    expect(bind, bind.err).toMatchObject({ status: 0 });
    expect((await guest.sh('ls /tmp/made-by-v')).out).toBe('file\n');
    const anon = await docker('run -v /scratch --name anon busybox touch /scratch/y');
    expect(anon, anon.err).toMatchObject({ status: 0 });
    expect(await docker('rm -v anon')).toMatchObject({ status: 0 });
    expect(await docker('volume rm notes')).toMatchObject({ status: 0, out: 'notes\n' });
    // a new volume is filled from the image's content at its mount point (Docker's copy-up); not with nocopy,
    // and not again once it has content (the learner's change stays)
    const etc = await docker('run --rm -v etc:/etc busybox sh -c "ls /etc | grep -c passwd; echo changed > /etc/motd"');
    expect(etc, etc.err).toMatchObject({ status: 0, out: '1\n' });
    expect(await docker('run --rm -v etc:/etc busybox sh -c "grep -c ^root: /etc/passwd; cat /etc/motd"')).toMatchObject({ status: 0, out: '1\nchanged\n' });
    expect(await docker('run --rm -v bare:/etc:nocopy busybox sh -c "ls /etc | grep -c passwd; true"')).toMatchObject({ status: 0, out: '0\n' });
    expect(await docker('volume rm etc bare')).toMatchObject({ status: 0, out: 'etc\nbare\n' });
    // nothing left in the guest: named and anonymous volumes' data went with them
    expect((await guest.sh('ls -A /var/lib/drydock/volumes 2>/dev/null')).out).toBe('');
  });

  /** polls `docker inspect --format FORMAT name` until it prints want (a bound, no retries of the thing itself) */
  async function inspectUntil(name: string, format: string, want: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let out = '';
    while (Date.now() < deadline) {
      out = (await docker(`inspect --format '${format}' ${name}`)).out;
      if (want.test(out)) return out;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${name}: ${format} is ${JSON.stringify(out)}, never ${want}`);
  }

  it('run flags: --tmpfs, --shm-size, --ulimit, --pid/--uts host, --ipc shareable and container:, too many words', { timeout: 180_000 }, async () => {
    const mounts = await docker(`run --rm --tmpfs /run:size=1m --shm-size 8m --ulimit nofile=64:128 busybox sh -c 'grep -E " /run | /dev/shm " /proc/mounts; ulimit -n; ulimit -Hn'`);
    expect(mounts.status, mounts.err).toBe(0);
    expect(mounts.out).toMatch(/^tmpfs \/run tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k 0 0$/m);
    expect(mounts.out).toMatch(/^shm \/dev\/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=8192k 0 0$/m);
    expect(mounts.out).toMatch(/^64\n128\n$/m);
    // the guest's PID 1 is its init, whose command line only the guest's PID namespace shows
    const host = await docker(`run --rm --pid host --uts host --ipc none busybox sh -c 'tr "\\0" " " < /proc/1/cmdline; echo; hostname; grep -c " /dev/shm " /proc/mounts'`);
    expect(host.out).toBe(`${(await guest.sh('tr "\\0" " " < /proc/1/cmdline; echo; hostname')).out}0\n`);
    expect((await docker(`run -d --name donor --ipc shareable busybox sh -c 'echo shared > /dev/shm/x; exec sleep 60'`)).status).toBe(0);
    await inspectUntil('donor', '{{.State.Pid}} {{.HostConfig.IpcMode}} {{.HostConfig.ShmSize}}', /^[1-9]\d* shareable 67108864\n$/);
    const joined = await docker(`run --rm --ipc container:donor --pid container:donor busybox sh -c 'cat /dev/shm/x; ps -o comm | grep -c sleep'`);
    expect(joined).toMatchObject({ status: 0, out: 'shared\n1\n' });
    expect((await docker('run -d --name private busybox sleep 60')).status).toBe(0);
    const refused = await docker('run --rm --ipc container:private busybox true');
    expect(refused.status).toBe(125);
    expect(refused.err).toContain('non-shareable IPC (hint: use IpcMode:shareable for the donor container)');
    expect((await docker('rm -f donor private')).status).toBe(0);
    // the donor's /dev/shm tmpfs goes with its guest side, which rm clears after forgetting the record
    const shmLeft = async () => (await guest.sh('grep -c "/containers/[0-9a-f]*/shm " /proc/mounts')).out;
    const until = Date.now() + 15_000;
    while (Date.now() < until && (await shmLeft()) !== '0\n') await new Promise((r) => setTimeout(r, 250));
    expect(await shmLeft()).toBe('0\n');
    const words = await docker(`run --rm busybox echo ${Array.from({ length: 4200 }, () => 'w').join(' ')}`);
    expect(words.status).toBe(125);
    expect(words.err).toContain('4201 arguments: drydock\'s runtime (drydock-init) starts a process with at most 4085 of them together');
    expect((await docker('ps -aq')).out).toBe('');
  });

  it('--init reaps an orphan zombie and forwards SIGINT to a command with the default action; without it the zombie stays', { timeout: 180_000 }, async () => {
    const orphan = `sh -c '(sleep 0.2 &); exec sleep 60'`;
    expect((await docker(`run -d --name bare busybox ${orphan}`)).status).toBe(0);
    expect((await docker(`run -d --name tini --init busybox ${orphan}`)).status).toBe(0);
    const zombies = `sh -c 'grep -l "^State:.Z" /proc/[0-9]*/status | wc -l'`;
    const deadline = Date.now() + 30_000;
    let bare = '';
    while (Date.now() < deadline && bare !== '1\n') bare = (await docker(`exec bare ${zombies}`)).out;
    expect(bare).toBe('1\n');
    expect((await docker(`exec tini ${zombies}`)).out).toBe('0\n');
    expect((await docker(`exec tini sh -c 'tr "\\0" " " < /proc/1/cmdline | cut -d" " -f1-3'`)).out).toBe('/dev/init/docker-init -- sh\n');
    // a shell's background command would ignore INT; docker-init's child keeps sleep's default action (death)
    expect((await docker('kill -s INT tini')).status).toBe(0);
    expect((await docker('wait tini')).out).toBe('130\n');
    expect((await docker(`inspect --format '{{.State.ExitCode}} {{.HostConfig.Init}}' tini`)).out).toBe('130 true\n');
    expect((await docker('rm -f bare tini')).status).toBe(0);
  });

  it('a failing health check turns unhealthy after its retries, then healthy; probes stop with the container', { timeout: 180_000 }, async () => {
    const run = await docker(`run -d --name hc --health-cmd 'cat /tmp/ok' --health-interval 1s --health-retries 3 busybox sleep 120`);
    expect(run.status, run.err).toBe(0);
    expect((await docker(`ps --format '{{.Status}}' -f name=hc`)).out).toMatch(/^Up .* \(health: starting\)\n$/);
    await inspectUntil('hc', '{{.State.Health.Status}} {{.State.Health.FailingStreak}}', /^unhealthy 3\n$/);
    expect((await docker(`ps --format '{{.Status}}' -f name=hc`)).out).toMatch(/^Up .* \(unhealthy\)\n$/);
    const log = JSON.parse((await docker(`inspect --format '{{json .State.Health.Log}}' hc`)).out) as { ExitCode: number; Output: string }[];
    expect(log.length).toBeGreaterThanOrEqual(3);
    expect(log.length).toBeLessThanOrEqual(5);
    expect(log[0]).toMatchObject({ ExitCode: 1, Output: "cat: can't open '/tmp/ok': No such file or directory\n" });
    expect((await docker('exec hc sh -c "echo fine > /tmp/ok"')).status).toBe(0);
    await inspectUntil('hc', '{{.State.Health.Status}} {{.State.Health.FailingStreak}}', /^healthy 0\n$/);
    // a probe that outlives its timeout is killed before the next one starts: never two at once (PID 1 is a sleep too)
    expect((await docker(`run -d --name slow --health-cmd 'sleep 30' --health-interval 1s --health-timeout 1s --health-retries 2 busybox sleep 120`)).status).toBe(0);
    await inspectUntil('slow', '{{.State.Health.Status}} {{.State.Health.FailingStreak}}', /^unhealthy [2-9]\n$/);
    expect(JSON.parse((await docker(`inspect --format '{{json .State.Health.Log}}' slow`)).out)[0]).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (1s)' });
    expect(Number((await docker(`exec slow sh -c 'pgrep -x sleep | wc -l'`)).out)).toBeLessThanOrEqual(2);
    expect((await docker('rm -f slow')).status).toBe(0);
    expect((await docker('stop -t 1 hc')).status).toBe(0);
    expect((await docker(`inspect --format '{{.State.Health.Status}}' hc`)).out).toBe('unhealthy\n');
    expect(guest.machine.host()?.processes.health.active).toBe(0);
    expect((await docker('rm hc')).status).toBe(0);
  });

  it('exec sees PID 1\'s mounts (named volume, bind, anonymous volume); what exec writes, PID 1 and a later container read', { timeout: 240_000 }, async () => {
    expect((await guest.sh('mkdir -p /root/app && echo bound > /root/app/b')).status).toBe(0);
    const pid1 = `echo hi > /data/g; echo anon > /anon/n; until [ -s /data/from-exec ]; do sleep 0.1; done; cat /data/from-exec; exec sleep 1000`;
    const run = await docker(`run -d --name mnt -v shared:/data -v /root/app:/app -v /anon busybox sh -c '${pid1}'`);
    expect(run.status, run.err).toBe(0);
    // run -d returns once PID 1 runs the command (runc start's promise): its mounts are all there by then
    const pid = (await docker('inspect --format "{{.State.Pid}}" mnt')).out.trim();
    const seen = await guest.sh(`cut -d' ' -f5 /proc/${pid}/mountinfo; readlink /proc/${pid}/ns/mnt`);
    expect(seen.out).toMatch(/^\/data\n(.*\n)*\/app\n\/anon\n/m);
    // exec is in PID 1's mount namespace and sees the same mount points
    const execSeen = await docker(`exec mnt sh -c 'cut -d" " -f5 /proc/self/mountinfo; readlink /proc/self/ns/mnt'`);
    expect(execSeen, execSeen.err).toMatchObject({ status: 0, out: seen.out });
    // PID 1 writes its files as it starts, not before run -d returns (as in Docker): wait for the last one, bounded
    const files = await docker(`exec mnt sh -c 'i=0; until [ -s /anon/n ] || [ $i = 100 ]; do sleep 0.1; i=$((i+1)); done; cat /data/g /app/b /anon/n'`);
    expect(files, files.err).toMatchObject({ status: 0, out: 'hi\nbound\nanon\n' });
    expect(await docker(`exec mnt sh -c 'echo from-exec > /data/from-exec'`)).toMatchObject({ status: 0, err: '' });
    let logs = '';
    for (let i = 0; i < 60 && !logs.includes('from-exec'); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 500));
      logs = (await docker('logs mnt')).out;
    }
    expect(logs).toBe('from-exec\n');
    expect(await docker('run --rm -v shared:/data busybox cat /data/from-exec /data/g')).toMatchObject({ status: 0, out: 'from-exec\nhi\n' });
    expect(await docker('rm -fv mnt')).toMatchObject({ status: 0, out: 'mnt\n' });
    expect(await docker('volume rm shared')).toMatchObject({ status: 0, out: 'shared\n' });
    expect((await guest.sh('rm -r /root/app; ls -A /var/lib/drydock/volumes')).out).toBe('');
  });
});
