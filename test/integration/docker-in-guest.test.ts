// `docker ...` run inside the real guest reaches the engine composed by engine-host.ts, wired by the emulator
// service exactly as the browser worker wires it (only the stores and asset loading differ), across a restart.
import { describe, expect, it } from 'vitest';
import { imagesBuilt, useEngineGuest } from './engine-guest.ts';

describe.skipIf(!imagesBuilt('busybox', 'debian'))('docker typed in the guest, engine attached by the emulator service', () => {
  const guest = useEngineGuest();
  const { docker } = guest;

  it('the static registry is derived from guestBaseUrl', () => {
    expect(guest.machine.registryUrl()).toBe(`${guest.machine.filesUrl}/registry/`);
  });

  it('pull busybox, images, history, inspect', async () => {
    const pull = await docker('pull busybox');
    expect(pull.status, pull.err).toBe(0);
    expect(pull.out).toMatch(/^Using default tag: latest\nlatest: Pulling from library\/busybox\n/);
    expect(pull.out).toMatch(/Status: Downloaded newer image for busybox:latest\ndocker\.io\/library\/busybox:latest\n$/);
    console.warn(`[timing] docker pull busybox in the guest (Node): ${pull.ms} ms`);

    const images = await docker('images');
    expect(images.status).toBe(0);
    expect(images.out).toMatch(/^REPOSITORY   TAG       IMAGE ID       CREATED\s+SIZE\nbusybox      latest    [0-9a-f]{12}   .+ ago\s+\d+(\.\d+)?[kM]B\n$/);

    const history = await docker('history busybox');
    expect(history.status).toBe(0);
    expect(history.out.split('\n')[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);

    const inspect = await docker("image inspect --format '{{.Os}}/{{.Architecture}} {{json .RepoTags}}' busybox");
    expect(inspect).toMatchObject({ status: 0, out: 'linux/386 ["busybox:latest"]\n' });
  });

  it('login, tag, push to localhost:5000, rmi, pull back', async () => {
    const login = await docker('login -u me -p secret localhost:5000');
    expect(login.status, login.err).toBe(0);
    expect(login.out).toContain('Login Succeeded');

    expect(await docker('tag busybox localhost:5000/me/bb')).toMatchObject({ status: 0, out: '' });
    const push = await docker('push localhost:5000/me/bb');
    expect(push.status, push.err).toBe(0);
    expect(push.out).toMatch(/^Using default tag: latest\nThe push refers to repository \[localhost:5000\/me\/bb\]\n/);
    expect(push.out).toMatch(/latest: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
    expect(guest.machine.host()?.registry?.db).toBeDefined();

    const rmi = await docker('rmi localhost:5000/me/bb busybox');
    expect(rmi.status, rmi.err).toBe(0);
    expect(rmi.out).toMatch(/^Untagged: localhost:5000\/me\/bb:latest\n/);
    expect(rmi.out).toMatch(/\nUntagged: busybox:latest\n(.*\n)*Deleted: sha256:[0-9a-f]{64}\n/);
    expect((await docker('images -q')).out).toBe('');

    const back = await docker('pull localhost:5000/me/bb');
    expect(back.status, back.err).toBe(0);
    expect(back.out).toMatch(/Status: Downloaded newer image for localhost:5000\/me\/bb:latest\nlocalhost:5000\/me\/bb:latest\n$/);

    // the layer went into the share the guest sees
    const layers = await guest.machine.emulator.exec(['sh', '-c', 'ls /mnt/host/layers'], { timeoutMs: 10_000 });
    const [layer] = new TextDecoder().decode(layers.stdout).split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l));
    expect(layer).toBeDefined();
    const check = await guest.machine.emulator.exec(['test', '-x', `/mnt/host/layers/${layer}/bin/busybox`], { timeoutMs: 10_000 });
    expect(check.exitCode).toBe(0);
  });

  it('errors with docker exit statuses; system df', async () => {
    expect(await docker('rmi nope')).toMatchObject({ status: 1, err: 'Error response from daemon: No such image: nope\n' });
    expect(await docker('pull --bogus busybox')).toMatchObject({ status: 125 });
    const run = await docker('run x');
    expect(run).toMatchObject({ status: 125, err: expect.stringMatching(/^Unable to find image 'x:latest' locally\ndocker: Error response from daemon: /) });

    const df = await docker('system df');
    expect(df.status).toBe(0);
    expect(df.out).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+1\s+0\s+/);
  });

  // the image the test above pulled back (a pull of busybox here would change what the restart test expects)
  it("-w makes a missing working directory; -e NAME and an env-file line NAME take the value from docker's environment", async () => {
    expect(await docker('run --rm -w /made/here localhost:5000/me/bb pwd')).toMatchObject({ status: 0, out: '/made/here\n' });
    const typed = (line: string) => guest.machine.emulator.exec(['sh', '-c', line], { timeoutMs: 120_000 });
    const r = await typed(`printf 'Y\\n' >/tmp/names.env; X=fromhost Y=fromfile docker run --rm -e X --env-file /tmp/names.env localhost:5000/me/bb sh -c 'echo "$X $Y"'`);
    expect({ status: r.exitCode, out: new TextDecoder().decode(r.stdout) }).toEqual({ status: 0, out: 'fromhost fromfile\n' });
  });

  it('a checkpoint restore takes over what ran then: Up with its ports, top, its output, its real exit at a stop; the login holds', { timeout: 300_000 }, async () => {
    const emulator = guest.machine.emulator;
    // exit 3 at SIGTERM: only the process's own status can say 3 (a lost container reads 255, a kill 137)
    const script = 'trap "exit 3" TERM; trap "echo usr1-after" USR1; echo kept > /tmp/index.html; httpd -f -h /tmp & echo started; while :; do wait; done';
    const run = await docker(`run -d --name kept -p 8080:80 -p 8081 localhost:5000/me/bb sh -c '${script}'`);
    expect(run.status, run.err).toBe(0);
    const ephemeral = (await docker('port kept 8081')).out;
    expect(ephemeral).toMatch(/^0\.0\.0\.0:\d+\n$/);
    const get = () => guest.sh('i=0; until wget -qO- http://127.0.0.1:8080/; do i=$((i+1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done');
    expect((await get()).out).toBe('kept\n');
    // a terminal tab open at the checkpoint: its shell must not outlive the reset in the restored guest
    const { port1, port2 } = new MessageChannel();
    let tabText = '';
    port2.onmessage = (e: MessageEvent<Uint8Array | string>) => (tabText += typeof e.data === 'string' ? e.data : new TextDecoder().decode(e.data));
    await emulator.openShell(port1, 80, 24, () => undefined);
    port2.postMessage(new TextEncoder().encode('echo "tab=$$"\r'));
    await expect.poll(() => /tab=(\d+)/.exec(tabText)?.[1], { timeout: 20_000, interval: 100 }).toBeDefined();
    const tabPid = /tab=(\d+)/.exec(tabText)?.[1] as string;
    const checkpoint = await emulator.saveCheckpoint();

    // after the checkpoint: the container stopped, another one run, the login gone
    expect((await docker('stop kept')).status).toBe(0);
    expect((await docker('run -d --name later -p 8081 localhost:5000/me/bb sleep 600')).status).toBe(0);
    expect((await docker('logout localhost:5000')).out).toBe('Removing login credentials for localhost:5000\n');

    const t0 = performance.now();
    await emulator.restoreCheckpoint(checkpoint);
    console.warn(`[timing] checkpoint restore with a running container: ${Math.round(performance.now() - t0)} ms`);
    expect((await docker("ps -a --format '{{.Names}} {{.State}}'")).out).toBe('kept running\n');
    // the tab's shell of the checkpoint got its hang-up (the page opens a new one)
    await expect.poll(async () => (await guest.sh(`kill -0 ${tabPid} 2>/dev/null && echo alive || echo gone`)).out, { timeout: 10_000, interval: 200 }).toBe('gone\n');
    port2.close();
    const pid = (await docker("inspect -f '{{.State.Pid}}' kept")).out.trim();
    expect((await guest.sh(`kill -0 ${pid} && tr '\\0' ' ' < /proc/${pid}/cmdline`)).out).toMatch(/^sh -c trap/);
    const top = await docker('top kept');
    expect(top.status, top.err).toBe(0);
    expect(top.out).toMatch(/httpd -f -h \/tmp/);
    expect((await get()).out).toBe('kept\n');
    // its output still reaches its log (the agent kept its pipes)
    expect((await docker('kill -s USR1 kept')).status).toBe(0);
    await expect.poll(async () => (await docker('logs kept')).out, { timeout: 10_000, interval: 200 }).toBe('started\nusr1-after\n');
    // its host ports are its own: the same one is refused, an ephemeral one is another
    const taken = await docker('run -d --name clash -p 8080:80 localhost:5000/me/bb sleep 600');
    expect(taken.status).toBe(125);
    expect(taken.err).toMatch(/Bind for 0\.0\.0\.0:8080 failed: port is already allocated/);
    expect((await docker('rm -f clash')).status).toBe(0);
    expect((await docker('run -d --name next -p 8081 localhost:5000/me/bb sleep 600')).status).toBe(0);
    const next = (await docker('port next 8081')).out;
    expect(next).toMatch(/^0\.0\.0\.0:\d+\n$/);
    expect(next).not.toBe(ephemeral);
    // the login made before the checkpoint holds
    expect((await docker('logout localhost:5000')).out).toBe('Removing login credentials for localhost:5000\n');
    expect((await docker('login -u me -p secret localhost:5000')).status).toBe(0);

    const stop = await docker('stop kept');
    expect(stop).toMatchObject({ status: 0, out: 'kept\n' });
    expect((await docker("inspect -f '{{.State.Status}} {{.State.ExitCode}}' kept")).out).toBe('exited 3\n');
    expect((await docker('rm -f kept next')).status).toBe(0);
    // the releases follow the store's events (network/README.md): bounded wait for the last one
    await expect.poll(async () => (await guest.sh('iptables-save | grep -c 808 || true; pidof docker-proxy || echo none')).out, { timeout: 10_000, interval: 200 }).toBe('0\nnone\n');
  });

  it('after a restart the shim is attached to the new guest; the engine store survives', async () => {
    await guest.machine.emulator.restart();
    // typed before the engine's boot watcher has looked at the new guest: the start notices it, and the attach the
    // CLI made before that start still gets the output (it got nothing while a new guest ended every attach)
    expect(await docker('run --rm localhost:5000/me/bb echo right-after')).toMatchObject({ status: 0, out: 'right-after\n' });
    const images = await docker('images --format {{.Repository}}:{{.Tag}}');
    expect(images).toMatchObject({ status: 0, out: 'localhost:5000/me/bb:latest\n' });
    const pull = await docker('pull debian', 300_000);
    expect(pull.status, pull.err).toBe(0);
    expect(pull.out).toMatch(/Status: Downloaded newer image for debian:latest\n/);
    console.warn(`[timing] docker pull debian in the guest (Node): ${pull.ms} ms`);
  });
});
