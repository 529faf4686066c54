// Container lifecycle gaps on the real guest: the writable layer kept across stop/start and restart, restart
// policies (backoff, RestartCount, stop for good, after a machine restart), attach, `run -i` with piped stdin,
// `--env-file`, and `docker cp` both ways.
import { describe, expect, it } from 'vitest';
import { imagesBuilt, useEngineGuest } from './engine-guest.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!imagesBuilt('busybox'))('container lifecycle typed in the guest', () => {
  const guest = useEngineGuest({ pull: ['busybox'] });
  const docker = guest.docker;
  const sh = (script: string) => guest.sh(script, 60_000);
  /** polls `docker inspect -f` until it prints what is wanted (the emulated CPU is slow and shared) */
  const until = async (format: string, name: string, want: RegExp, timeoutMs = 240_000) => {
    const t0 = Date.now();
    let last = '';
    while (Date.now() - t0 < timeoutMs) {
      last = (await docker(`inspect -f '${format}' ${name}`)).out.trim();
      if (want.test(last)) return last;
      await sleep(300);
    }
    throw new Error(`${name}: ${format} is still ${JSON.stringify(last)}, wanted ${want}`);
  };

  it('stop/start and restart keep the container\'s writable layer; rm removes it', { timeout: 480_000 }, async () => {
    const run = await docker('run -d --name keep busybox sleep 1000');
    expect(run.status, run.err).toBe(0);
    const id = run.out.trim();
    expect((await docker('exec keep sh -c "echo kept > /note; rm /bin/vi"')).status).toBe(0);
    expect(await docker('stop -t 0 keep')).toMatchObject({ status: 0, out: 'keep\n' });
    // a stop of a stopped container: the daemon's 304 is no error to the CLI (moby's checkResponseErr)
    expect(await docker('stop keep')).toMatchObject({ status: 0, out: 'keep\n', err: '' });
    // stopped: its overlay mount and cgroup are released (as dockerd does), its writes are not
    const held = `grep -c " /var/lib/drydock/containers/${id}/rootfs " /proc/mounts; ls -d /sys/fs/cgroup/drydock/${id} 2>/dev/null | wc -l`;
    expect((await sh(held)).out).toBe('0\n0\n');
    expect((await docker('diff keep')).out).toMatch(/^A \/note$/m);
    expect(await docker('start keep')).toMatchObject({ status: 0, out: 'keep\n' });
    expect((await sh(held)).out).toBe('1\n1\n');
    expect(await docker('exec keep cat /note')).toMatchObject({ status: 0, out: 'kept\n' });
    expect(await docker('restart -t 0 keep')).toMatchObject({ status: 0, out: 'keep\n' });
    expect(await docker('exec keep cat /note')).toMatchObject({ status: 0, out: 'kept\n' });
    expect((await docker('exec keep ls /bin/vi')).status).not.toBe(0);
    // top shows the container's processes only (not the runtime's wrapper shell); State.Pid is PID 1's host pid
    const top = await docker('top keep');
    expect(top.out).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\nroot\s+(\d+)\s+\d+\s.*sleep 1000\n$/);
    const pid1 = /\nroot\s+(\d+)/.exec(top.out)?.[1];
    expect((await docker('inspect -f "{{.State.Pid}}" keep')).out).toBe(`${pid1}\n`);
    const diff = (await docker('diff keep')).out;
    expect(diff).toMatch(/^A \/note$/m);
    expect(diff).toMatch(/^D \/bin\/vi$/m);
    expect(await docker('rm -f keep')).toMatchObject({ status: 0 });
    await sleep(500);
    expect((await sh(`ls /var/lib/drydock/containers/ | grep -c ${id} || true`)).out.trim()).toBe('0');
  });

  it('restart policies: on-failure:N counts, always backs off and shows Restarting, stop ends it', { timeout: 900_000 }, async () => {
    const flaky = await docker('run -d --name flaky --restart on-failure:2 busybox sh -c "echo run; exit 3"');
    expect(flaky.status, flaky.err).toBe(0);
    expect(await until('{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}', 'flaky', /^exited 2 3$/)).toBe('exited 2 3');
    expect((await docker('logs flaky')).out).toBe('run\nrun\nrun\n');
    expect((await docker('inspect -f "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}" flaky')).out).toBe('on-failure:2\n');
    // exit 0 is no failure: on-failure leaves it down
    expect((await docker('run -d --name fine --restart on-failure busybox true')).status).toBe(0);
    expect(await until('{{.State.Status}} {{.RestartCount}}', 'fine', /^exited/)).toBe('exited 0');

    expect((await docker('run -d --name loop --restart always busybox false')).status).toBe(0);
    // The backoff doubles from 100 ms: after a few runs the container waits long enough to be seen restarting.
    const t0 = Date.now();
    let status = '';
    let count = 0;
    while (Date.now() - t0 < 400_000 && !(/^Restarting \(1\) /.test(status) && count >= 3)) {
      const line = (await docker('ps -a --filter name=loop --format "{{.Status}}|{{.RunningFor}}"')).out.trim();
      status = line.split('|')[0] ?? '';
      count = Number((await docker('inspect -f "{{.RestartCount}}" loop')).out);
    }
    expect(status).toMatch(/^Restarting \(1\) .* ago$/);
    expect(count).toBeGreaterThanOrEqual(3);
    expect(await docker('stop loop')).toMatchObject({ status: 0, out: 'loop\n' });
    const stopped = await docker('inspect -f "{{.State.Status}} {{.RestartCount}}" loop');
    await sleep(3000);
    expect((await docker('inspect -f "{{.State.Status}} {{.RestartCount}}" loop')).out).toBe(stopped.out);
    expect(stopped.out).toMatch(/^exited \d+\n$/);
    // a manual start resets the count
    expect((await docker('start loop')).status).toBe(0);
    expect(Number((await docker('inspect -f "{{.RestartCount}}" loop')).out)).toBeLessThanOrEqual(1);
    expect((await docker('rm -f loop flaky fine')).status).toBe(0);
  });

  it('run -i with piped stdin, --env-file, run -a: output and exit status', { timeout: 360_000 }, async () => {
    expect(await docker('run -i --rm busybox cat < /etc/hostname')).toMatchObject({ status: 0 });
    const piped = await sh('echo hi | docker run -i --rm busybox cat');
    expect(piped).toMatchObject({ status: 0, out: 'hi\n' });
    const counted = await sh('seq 1 2000 | docker run -i --rm busybox sh -c "wc -l; exit 4"');
    expect(counted).toMatchObject({ status: 4, out: '2000\n' });
    // without -i the container's stdin is empty
    expect(await sh('echo hi | docker run --rm busybox cat')).toMatchObject({ status: 0, out: '' });

    await sh('mkdir -p /tmp/envs && printf "# comment\\nGREETING=hello there\\nEMPTY=\\n\\nFROM_SHELL\\n" > /tmp/envs/app.env');
    // A bare KEY takes the CLI's environment; the shim passes only TERM and DOCKER_*, so here it is unset and left out.
    const env = await sh('cd /tmp/envs && docker run --rm --env-file app.env -e EXTRA=1 busybox sh -c \'echo "$GREETING|$EMPTY|${FROM_SHELL-unset}|$EXTRA"\'');
    expect(env, env.err).toMatchObject({ status: 0, out: 'hello there||unset|1\n' });
    const missing = await docker('run --rm --env-file /nope.env busybox true');
    expect(missing.status).toBe(125);
    expect(missing.err).toMatch(/open \/nope\.env: no such file or directory/);
  });

  it('attach streams a running container\'s output and stdin; start -a -i; refusals', { timeout: 360_000 }, async () => {
    const run = await docker('run -d -i --name talk busybox sh -c \'echo ready; while read l; do echo "got $l"; [ "$l" = bye ] && exit 7; done\'');
    expect(run.status, run.err).toBe(0);
    for (let i = 0; i < 200 && (await docker('logs talk')).out !== 'ready\n'; i++) await sleep(300);
    const attach = await sh('(echo one; sleep 1; echo bye) | docker attach talk');
    expect(attach).toMatchObject({ status: 7, out: 'got one\ngot bye\n' });
    expect((await docker('logs talk')).out).toBe('ready\ngot one\ngot bye\n');
    const stopped = await docker('attach talk');
    expect(stopped).toMatchObject({ status: 1, err: 'You cannot attach to a stopped container, start it first\n' });

    // detach keys in the input leave it running
    expect((await docker('start talk')).status).toBe(0);
    for (let i = 0; i < 200 && !/ready\n$/.test((await docker('logs talk')).out); i++) await sleep(300);
    const detach = await sh('printf "one\\n\\020\\021" | docker attach talk');
    expect(detach.status).toBe(0);
    expect((await docker('inspect -f "{{.State.Status}}" talk')).out).toBe('running\n');
    expect((await docker('rm -f talk')).status).toBe(0);

    expect((await docker('create -i --name again busybox sh -c \'read x; echo "got $x"; exit 2\'')).status).toBe(0);
    expect(await sh('echo it | docker start -a -i again')).toMatchObject({ status: 2, out: 'got it\n' });
    expect((await docker('rm again')).status).toBe(0);
  });
  it('cp both ways: running, stopped and created containers, Docker\'s path rules and refusals', { timeout: 480_000 }, async () => {
    await sh('rm -rf /tmp/cpt && mkdir -p /tmp/cpt/dir/sub && echo one > /tmp/cpt/file.txt && echo two > /tmp/cpt/dir/sub/two && echo dot > /tmp/cpt/dir/.hidden && chown -R 1000:1000 /tmp/cpt/dir');
    expect((await docker('run -d --name box busybox sleep 1000')).status).toBe(0);
    expect(await docker('cp /tmp/cpt/file.txt box:/tmp/')).toMatchObject({ status: 0, out: '', err: '' });
    expect(await docker('exec box cat /tmp/file.txt')).toMatchObject({ status: 0, out: 'one\n' });
    // a directory onto a missing path becomes that path; onto a directory it goes inside; `/.` copies its contents
    expect((await docker('cp /tmp/cpt/dir box:/srv')).status).toBe(0);
    expect((await docker('cp /tmp/cpt/dir box:/srv')).status).toBe(0);
    expect((await docker('cp /tmp/cpt/dir/. box:/tmp')).status).toBe(0);
    const seen = await docker('exec box sh -c "cat /srv/sub/two /srv/.hidden /srv/dir/sub/two /tmp/sub/two; stat -c %u:%g /srv/sub/two"');
    expect(seen).toMatchObject({ status: 0, out: 'two\ndot\ntwo\ntwo\n0:0\n' });
    expect((await docker('cp -a /tmp/cpt/dir box:/kept')).status).toBe(0);
    expect((await docker('exec box stat -c %u:%g /kept/sub/two')).out).toBe('1000:1000\n');
    // out of the container, relative to the shell's directory
    expect((await sh('cd /tmp/cpt && docker cp box:/srv/sub ./fromc && cat fromc/two')).out).toBe('two\n');
    expect((await sh('docker cp box:/etc/passwd /tmp/cpt/ && head -1 /tmp/cpt/passwd')).out).toBe('root:x:0:0:root:/root:/bin/sh\n');

    expect(await docker('cp box:/nope /tmp/cpt/x')).toMatchObject({ status: 1, err: 'Error response from daemon: Could not find the file /nope in container box\n' });
    expect(await docker('cp /tmp/cpt/nope box:/')).toMatchObject({ status: 1, err: 'lstat /tmp/cpt/nope: no such file or directory\n' });
    expect(await docker('cp box:/srv /tmp/cpt/file.txt')).toMatchObject({ status: 1, err: 'cannot copy a directory to a file\n' });
    expect(await docker('cp /tmp/cpt/file.txt /tmp/x')).toMatchObject({ status: 1, err: 'must specify at least one container source\n' });
    expect(await docker('cp box:/a box:/b')).toMatchObject({ status: 1, err: 'copying between containers is not supported\n' });
    expect((await docker('cp nosuch:/a /tmp/')).err).toBe('Error response from daemon: No such container: nosuch\n');

    // a stopped container: its overlay (upper + image layers)
    expect((await docker('stop -t 0 box')).status).toBe(0);
    expect((await sh('docker cp box:/srv/sub/two /tmp/cpt/from-stopped && cat /tmp/cpt/from-stopped')).out).toBe('two\n');
    expect((await docker('cp /tmp/cpt/file.txt box:/while-stopped')).status).toBe(0);
    expect((await docker('start box')).status).toBe(0);
    expect((await docker('exec box cat /while-stopped')).out).toBe('one\n');
    expect((await docker('rm -f box')).status).toBe(0);

    // docker create + cp + start: the usual way to put a file into a container before it runs
    expect((await docker('create --name fresh busybox cat /in.txt')).status).toBe(0);
    expect((await docker('cp /tmp/cpt/file.txt fresh:/in.txt')).status).toBe(0);
    expect(await docker('start -a fresh')).toMatchObject({ status: 0, out: 'one\n' });
    expect((await docker('rm fresh')).status).toBe(0);
  });
  // Last: it restarts the machine (a fresh guest is the daemon starting again, as after a page reload).
  it('after a machine restart: always and unless-stopped start again, unless-stopped not after docker stop', { timeout: 600_000 }, async () => {
    for (const [name, policy] of [['a1', 'always'], ['a2', 'always'], ['u1', 'unless-stopped'], ['u2', 'unless-stopped'], ['n1', 'no']]) {
      const r = await docker(`run -d --name ${name} --restart ${policy} busybox sh -c "echo up; sleep 1000"`);
      expect(r.status, r.err).toBe(0);
    }
    expect((await docker('stop -t 0 a2 u2', 300_000)).status).toBe(0);
    for (let i = 0; i < 400 && (await docker('logs a1')).out !== 'up\n'; i++) await sleep(300);
    await guest.machine.emulator.restart();
    for (const name of ['a1', 'a2', 'u1']) await until('{{.State.Status}} {{.RestartCount}}', name, /^running 0$/);
    expect((await docker('inspect -f "{{.State.Status}} {{.State.ExitCode}}" u2 n1')).out).toBe('exited 137\nexited 255\n');
    for (let i = 0; i < 200 && !/up\nup\n/.test((await docker('logs a1')).out); i++) await sleep(300);
    expect((await docker('logs a1')).out).toBe('up\nup\n');
    expect((await docker('rm -f a1 a2 u1 u2 n1')).status).toBe(0);
  });
});
