// The nginx and redis images run for real in the guest, typed as `docker` commands: the welcome page served,
// requests in `docker logs`, redis answering PONG with protected mode off and running as redis, data kept in a
// volume, and `docker stop` ending each with status 0 (nginx on its SIGQUIT, redis saving on SIGTERM).
import { describe, expect, it } from 'vitest';
import { imagesBuilt, useEngineGuest } from './engine-guest.ts';

describe.skipIf(!imagesBuilt('nginx', 'redis'))('nginx and redis images in the guest', () => {
  const guest = useEngineGuest({ pull: ['nginx', 'redis'] });
  const { docker } = guest;

  /**
   * Runs CHECK in the guest until it succeeds, at most `tries` times 50 ms apart: a server says it is ready
   * only by answering. Returns the guest's wall time from before START to the first success.
   */
  const startAndWait = async (start: string, check: string, tries = 1200): Promise<number> => {
    const r = await guest.sh(
      `read u _ < /proc/uptime; ${start} >/dev/null || exit 2\n` +
        `i=0; until ${check}; do i=$((i+1)); [ $i -lt ${tries} ] || exit 3; sleep 0.05; done\n` +
        `read v _ < /proc/uptime; echo "$u $v"`,
      240_000,
    );
    expect(r.status, `${start} / ${check}: ${r.err}`).toBe(0);
    const [u, v] = r.out.trim().split('\n').at(-1)!.split(' ').map(Number);
    return Math.round((v! - u!) * 1000);
  };
  /** Containers have only their own loopback today: step into the container's network namespace from the guest. */
  const inNetns = (name: string, command: string) => `nsenter -t "$(docker inspect -f '{{.State.Pid}}' ${name})" -n ${command}`;

  it('nginx: the welcome page on port 80, the request in docker logs, workers as www-data, SIGQUIT stops it with 0', { timeout: 300_000 }, async () => {
    const ms = await startAndWait('docker run -d --name web nginx', inNetns('web', 'wget -qO /tmp/page http://127.0.0.1/ 2>/dev/null'));
    console.warn(`[timing] docker run -d nginx to the first page served, in the guest: ${ms} ms`);
    const page = await guest.sh('cat /tmp/page');
    expect(page.out).toContain('<title>Welcome to nginx!</title>');

    const logs = await docker('logs web');
    // access.log -> /dev/stdout, error.log -> /dev/stderr, as in the official image
    expect(logs.out).toMatch(/^127\.0\.0\.1 - - \[.+\] "GET \/ HTTP\/1\.1" 200 \d+ "-" "Wget" "-"\n$/);
    expect(logs.err).toContain('[notice] 1#1: start worker processes');

    const image = await docker('image inspect -f "{{json .Config.ExposedPorts}} {{.Config.StopSignal}} {{json .Config.Cmd}}" nginx');
    expect(image.out, image.err).toBe('{"80/tcp":{}} SIGQUIT ["nginx","-g","daemon off;"]\n');
    expect((await docker('inspect -f "{{.Config.StopSignal}}" web')).out).toBe('SIGQUIT\n');
    const top = await docker('top web');
    expect(top.out).toMatch(/^root\s+.*nginx: master process nginx -g daemon off;$/m);
    expect(top.out).toMatch(/^33\s+.*nginx: worker process$/m);

    const stop = await docker('stop web');
    expect(stop, stop.err).toMatchObject({ status: 0, out: 'web\n' });
    // 0, not 137: nginx ended on the stop signal itself, before the 10 s SIGKILL
    expect((await docker('inspect -f "{{.State.ExitCode}}" web')).out).toBe('0\n');
    expect((await docker('logs web')).err).toContain('signal 3 (SIGQUIT) received, shutting down');
    expect((await docker('rm web')).status).toBe(0);
  });

  it('redis: PONG through docker exec, protected mode off, the server as redis, saved and exited 0 on docker stop', { timeout: 300_000 }, async () => {
    const ms = await startAndWait('docker run -d --name db redis', '[ "$(docker exec db redis-cli ping 2>/dev/null)" = PONG ]');
    console.warn(`[timing] docker run -d redis to the first PONG, in the guest: ${ms} ms`);
    expect(await docker('exec db redis-cli ping')).toMatchObject({ status: 0, out: 'PONG\n' });
    // what lets other containers connect without a password, as in the official image
    expect((await docker('exec db redis-cli config get protected-mode')).out).toBe('protected-mode\nno\n');
    expect((await docker('exec db redis-cli config get bind')).out).toBe('bind\n* -::*\n');
    // the entrypoint dropped root before exec'ing the server: PID 1 is redis-server, owned by redis
    expect((await docker('exec db stat -c "%U %u" /proc/1')).out).toBe('redis 999\n');
    expect((await docker('exec db cat /proc/1/cmdline')).out).toMatch(/^\/usr\/bin\/redis-server \*:6379\0*$/);
    expect((await docker('exec db pwd')).out).toBe('/data\n');
    expect((await docker('inspect -f "{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{json .Config.Volumes}} {{.Config.WorkingDir}}" db')).out).toBe(
      '["docker-entrypoint.sh"] ["redis-server"] {"/data":{}} /data\n',
    );
    expect((await docker('exec db redis-cli set greeting hello')).out).toBe('OK\n');
    expect((await docker('logs db')).out).toContain('Ready to accept connections');

    const stop = await docker('stop db');
    expect(stop, stop.err).toMatchObject({ status: 0, out: 'db\n' });
    expect((await docker('inspect -f "{{.State.ExitCode}}" db')).out).toBe('0\n');
    expect((await docker('logs db')).out).toMatch(/Saving the final RDB snapshot before exiting\.\n.*DB saved on disk\n/);
    expect((await docker('rm db')).status).toBe(0);
  });

  it('redis: a new named volume (root-owned) is handed to redis; the data outlives the container', { timeout: 300_000 }, async () => {
    const ping = '[ "$(docker exec db redis-cli ping 2>/dev/null)" = PONG ]';
    await startAndWait('docker run -d --name db -v redisdata:/data redis', ping);
    expect((await docker('exec db redis-cli set visits 41')).out).toBe('OK\n');
    expect((await docker('exec db redis-cli incr visits')).out).toBe('42\n');
    expect(await docker('stop db')).toMatchObject({ status: 0 });
    expect((await docker('inspect -f "{{.State.ExitCode}}" db')).out).toBe('0\n');
    expect((await docker('rm db')).status).toBe(0);

    await startAndWait('docker run -d --name db -v redisdata:/data redis', ping);
    expect((await docker('exec db redis-cli get visits')).out).toBe('42\n');
    expect((await docker('exec db stat -c "%U %a" /data /data/dump.rdb')).out).toBe('redis 755\nredis 600\n');
    expect((await docker('rm -f db')).status).toBe(0);
    expect((await docker('volume rm redisdata')).status).toBe(0);
  });

  it('redis: other commands run as given (redis-cli through the entrypoint)', { timeout: 120_000 }, async () => {
    expect(await docker('run --rm redis redis-cli --version')).toMatchObject({ status: 0, out: 'redis-cli 7.0.15\n' });
    expect(await docker('run --rm redis id -un')).toMatchObject({ status: 0, out: 'root\n' });
  });
});
