// Containers through `docker` typed in the real guest, with the engine composed as the browser worker composes it
// (engine-host.ts via the emulator service): run --rm, run -d + ps + logs + stop + rm, exit codes, limits.
import { describe, expect, it } from 'vitest';
import { imagesBuilt, useEngineGuest } from './engine-guest.ts';

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
});
