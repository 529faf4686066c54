// `docker build` typed in the real guest: contexts read from the 9p share (or tarred by the guest from tmpfs),
// RUN in build containers of the engine's runtime, layers, cache, progress, history and inspect, and a failing RUN
// that leaves nothing behind.
import { describe, expect, it } from 'vitest';
import type { DockerResult } from '../../emulator/node-backends/engine-in-guest.ts';
import { imagesBuilt, useEngineGuest } from './engine-guest.ts';

describe.skipIf(!imagesBuilt('busybox', 'node'))('docker build typed in the guest', () => {
  const fixture = useEngineGuest({ pull: ['busybox'], setupTimeoutMs: 240_000 });
  const encoder = new TextEncoder();
  const write = (path: string, text: string) => fixture.machine.emulator.writeShareFile(path, encoder.encode(text));
  /** `docker ARGS` run by the guest's shell in a directory (the shim sends its cwd) */
  const dockerIn = async (dir: string, args: string, timeoutMs = 600_000): Promise<DockerResult> => {
    const t0 = performance.now();
    const r = await fixture.machine.emulator.exec(['sh', '-c', `cd ${dir} && docker ${args}`], { timeoutMs });
    const d = new TextDecoder();
    return { status: r.exitCode, out: d.decode(r.stdout), err: d.decode(r.stderr), ms: Math.round(performance.now() - t0) };
  };
  const docker = (args: string, timeoutMs = 600_000) => fixture.docker(args, timeoutMs);
  const guest = async (script: string) => (await fixture.sh(script)).out;

  it('multi-stage: a stage generates a file, the final busybox image copies it; rebuild fully CACHED; a changed file reruns from its COPY', { timeout: 900_000 }, async () => {
    await write('/multi/Dockerfile', [
      'FROM busybox AS gen',
      'WORKDIR /src',
      'COPY gen.sh .',
      'RUN sh gen.sh > /out.txt',
      '',
      'FROM busybox',
      'COPY --from=gen /out.txt /srv/out.txt',
      'COPY motd.txt /srv/',
      'CMD ["cat", "/srv/out.txt", "/srv/motd.txt"]',
      '',
    ].join('\n'));
    await write('/multi/gen.sh', 'for i in 1 2 3; do echo "generated line $i"; done\n');
    await write('/multi/motd.txt', 'motd v1\n');
    const first = await dockerIn('/mnt/host/multi', 'build -t multi .');
    expect(first.status, first.err).toBe(0);
    expect(first.err).toMatch(/#\d+ \[gen 4\/4\] RUN sh gen\.sh > \/out\.txt\n/);
    expect(first.err).toMatch(/#\d+ exporting to image\n#\d+ exporting layers\n#\d+ exporting layers \d+\.\ds done\n#\d+ writing image sha256:[0-9a-f]{64} done\n#\d+ naming to docker\.io\/library\/multi:latest done\n#\d+ DONE/);
    console.warn(`[timing] multi-stage busybox build, uncached: ${first.ms} ms`);
    const run = await docker('run --rm multi');
    expect(run, run.err).toMatchObject({ status: 0, out: 'generated line 1\ngenerated line 2\ngenerated line 3\nmotd v1\n' });

    const again = await dockerIn('/mnt/host/multi', 'build -t multi .');
    expect(again.status, again.err).toBe(0);
    const steps = again.err.match(/\] (WORKDIR|COPY|RUN) .*\n#\d+ (CACHED|DONE)/g) ?? [];
    expect(steps).toHaveLength(5);
    expect(steps.every((s) => s.endsWith('CACHED'))).toBe(true);
    const id = (r: DockerResult) => /writing image (sha256:[0-9a-f]{64})/.exec(r.err)?.[1];
    expect(id(again)).toBe(id(first));
    console.warn(`[timing] multi-stage busybox build, fully cached: ${again.ms} ms`);

    await write('/multi/motd.txt', 'motd v2\n');
    const changed = await dockerIn('/mnt/host/multi', 'build -t multi .');
    expect(changed.status, changed.err).toBe(0);
    expect(changed.err).toMatch(/RUN sh gen\.sh > \/out\.txt\n#\d+ CACHED/);
    expect(changed.err).toMatch(/COPY --from=gen \/out\.txt \/srv\/out\.txt\n#\d+ CACHED/);
    expect(changed.err).toMatch(/COPY motd\.txt \/srv\/\n#\d+ DONE/);
    expect((await docker('run --rm multi')).out).toMatch(/motd v2\n$/);
  });

  it('.dockerignore, -q, --build-arg, a context on guest tmpfs, history and inspect', { timeout: 600_000 }, async () => {
    await write('/ign/Dockerfile', 'FROM busybox\nARG GREETING=hi\nENV GREETING=$GREETING\nWORKDIR /app\nCOPY . .\nRUN ls -a /app > /files.txt\nEXPOSE 8080\nLABEL course=drydock\nUSER 1000\nCMD ["cat", "/files.txt"]\n');
    await write('/ign/.dockerignore', 'secret.txt\nlogs\n!logs/keep.log\n');
    await write('/ign/app.txt', 'app\n');
    await write('/ign/secret.txt', 'secret\n');
    await write('/ign/logs/a.log', 'a\n');
    await write('/ign/logs/keep.log', 'keep\n');
    const q = await docker('build -q --build-arg GREETING=hello -t ign /mnt/host/ign');
    expect(q.status, q.err).toBe(0);
    expect(q.out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const files = (await docker('run --rm ign')).out.split('\n');
    expect(files).toEqual(expect.arrayContaining(['app.txt', 'Dockerfile', '.dockerignore', 'logs']));
    expect(files).not.toContain('secret.txt');
    expect((await docker('run --rm ign ls /app/logs')).out).toBe('keep.log\n');
    expect((await docker(`run --rm ign sh -c 'echo $GREETING; id -u'`)).out).toBe('hello\n1000\n');

    const history = await docker('history --no-trunc --format "{{.CreatedBy}}|{{.Size}}" ign');
    expect(history.out.split('\n').slice(0, 9)).toEqual([
      'CMD ["cat" "/files.txt"]|0B',
      'USER 1000|0B',
      'LABEL course=drydock|0B',
      'EXPOSE map[8080/tcp:{}]|0B',
      // GREETING is set by ENV, so the build arg is not listed in front of the command
      expect.stringMatching(/^RUN \/bin\/sh -c ls -a \/app > \/files\.txt # buildkit\|\d+B$/),
      expect.stringMatching(/^COPY \. \. # buildkit\|\d+B$/),
      'WORKDIR /app|0B',
      'ENV GREETING=hello|0B',
      'ARG GREETING=hi|0B',
    ]);
    const inspect = await docker('inspect --format "{{json .Config.ExposedPorts}} {{.Config.User}} {{.Config.WorkingDir}} {{json .Config.Cmd}} {{json .Config.Labels}}" ign');
    expect(inspect.out).toBe('{"8080/tcp":{}} 1000 /app ["cat","/files.txt"] {"course":"drydock"}\n');

    // A context outside the share: the guest tars it into the share once.
    await fixture.machine.emulator.exec(['sh', '-c', 'mkdir -p /tmp/ctx && printf "FROM busybox\\nCOPY hello.txt /\\nCMD [\\"cat\\", \\"/hello.txt\\"]\\n" > /tmp/ctx/Dockerfile && echo from tmpfs > /tmp/ctx/hello.txt']);
    const tmp = await dockerIn('/tmp/ctx', 'build -t tmpctx .');
    expect(tmp.status, tmp.err).toBe(0);
    expect((await docker('run --rm tmpctx')).out).toBe('from tmpfs\n');
  });

  it('RUN rm -rf d && mkdir d hides the image\'s old content of d (an opaque directory); RUN touch in a directory keeps it', { timeout: 600_000 }, async () => {
    await write('/opaque/Dockerfile', 'FROM busybox\nRUN rm -rf /usr/sbin && mkdir /usr/sbin && echo mine > /usr/sbin/mine\nRUN touch /bin/extra\n');
    const build = await dockerIn('/mnt/host/opaque', 'build -q -t opaque .');
    expect(build.status, build.err).toBe(0);
    console.warn(`[timing] two-RUN busybox build with an opaque directory: ${build.ms} ms`);
    const sbin = await docker('run --rm opaque ls /usr/sbin');
    expect(sbin, sbin.err).toMatchObject({ status: 0, out: 'mine\n' });
    const bin = await docker('run --rm opaque sh -c "test -e /bin/extra && test -e /bin/ls && echo both"');
    expect(bin, bin.err).toMatchObject({ status: 0, out: 'both\n' });
  });

  it('a failing RUN: exit code and message, output tail, no image, no container, cgroup, mount or files left', { timeout: 600_000 }, async () => {
    await write('/fail/Dockerfile', 'FROM busybox\nRUN echo before\nRUN echo about to fail && exit 3\nCMD ["true"]\n');
    const r = await docker('build -t broken /mnt/host/fail');
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/#\d+ \[3\/3\] RUN echo about to fail && exit 3\n#\d+ \d+\.\d{3} about to fail\n#\d+ ERROR: process "\/bin\/sh -c echo about to fail && exit 3" did not complete successfully: exit code: 3\n/);
    expect(r.err).toContain('------\n > [3/3] RUN echo about to fail && exit 3:\n');
    expect(r.err).toContain('Dockerfile:3\n--------------------\n   1 |     FROM busybox\n   2 |     RUN echo before\n   3 | >>> RUN echo about to fail && exit 3\n   4 |     CMD ["true"]\n--------------------\n');
    expect(r.err).toMatch(/ERROR: failed to solve: process "\/bin\/sh -c echo about to fail && exit 3" did not complete successfully: exit code: 3\n$/);
    expect((await docker('images -q broken')).out).toBe('');
    expect((await docker('ps -aq')).out).toBe('');
    expect(await guest('ls /sys/fs/cgroup/drydock/ | grep build- ; grep -c drydock/builds /proc/mounts; find /var/lib/drydock/builds /mnt/host/builds -mindepth 1 2>/dev/null')).toBe('0\n');

    const missing = await docker('build -f /mnt/host/fail/Dockerfile.bad /mnt/host/fail');
    expect(missing).toMatchObject({ status: 1, err: expect.stringContaining('ERROR: failed to solve: failed to read dockerfile: open Dockerfile.bad: no such file or directory\n') });
    expect(await docker('build /nope')).toMatchObject({ status: 1, err: 'ERROR: unable to prepare context: path "/nope" not found\n' });
    await write('/fail/Dockerfile.bad', 'FROM busybox\nFOO bar\n');
    const bad = await docker('build -f /mnt/host/fail/Dockerfile.bad /mnt/host/fail');
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/ERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: FOO.*\n$/);
    expect(bad.err).toContain('   2 | >>> FOO bar\n');
  });

  it("the course's node Dockerfile (WORKDIR, ADD, RUN npm install, EXPOSE, CMD npm start) builds and runs", { timeout: 1_800_000 }, async () => {
    const pull = await docker('pull -q node', 600_000);
    expect(pull.status, pull.err).toBe(0);
    await write('/work/Dockerfile', 'FROM node\nWORKDIR /app\nADD . /app\nRUN npm install\nEXPOSE 3000\nCMD npm start\n');
    await write('/work/package.json', `${JSON.stringify({ name: 'hello', version: '1.0.0', scripts: { start: 'node index.js' } }, null, 2)}\n`);
    await write('/work/index.js', 'console.log("hello from the course app");\n');
    const b = await dockerIn('/mnt/host/work', 'build -t app .', 1_200_000);
    expect(b.status, b.err).toBe(0);
    expect(b.err).toMatch(/#\d+ \[4\/4\] RUN npm install\n/);
    console.warn(`[timing] course node build, uncached: ${b.ms} ms`);
    const run = await docker('run --rm app', 1_200_000);
    expect(run.status, run.err).toBe(0);
    expect(run.out).toContain('hello from the course app\n');
    const inspect = await docker('inspect --format "{{json .Config.Cmd}} {{json .Config.ExposedPorts}} {{.Config.WorkingDir}}" app');
    expect(inspect.out).toBe('["/bin/sh","-c","npm start"] {"3000/tcp":{}} /app\n');
  });
});
