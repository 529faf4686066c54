// `docker build` against inputs that try to confuse it, in the real guest: heredoc sources, `FROM scratch` (no
// layers at all, or a static binary copied in), a build cancelled by ^C or by a killed client, symlinks in the
// context and in images (followed inside the context or image, never into the guest's own /etc), and an ADDed
// archive that tries to climb out of its destination.
import { packTar } from 'modern-tar';
import { describe, expect, it } from 'vitest';
import type { DockerResult } from '../../emulator/node-backends/engine-in-guest.ts';
import { imagesBuilt, useEngineGuest } from './engine-guest.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!imagesBuilt('busybox'))('docker build with hostile input, typed in the guest', () => {
  const fixture = useEngineGuest({ pull: ['busybox'], setupTimeoutMs: 240_000 });
  const encoder = new TextEncoder();
  const write = (path: string, data: string | Uint8Array) => fixture.machine.emulator.writeShareFile(path, typeof data === 'string' ? encoder.encode(data) : data);
  const docker = (args: string, timeoutMs = 600_000) => fixture.docker(args, timeoutMs);
  const guest = async (script: string) => (await fixture.sh(script)).out;
  /**
   * What a build leaves in the guest: build cgroups, overlay mounts, build containers' dirs, tars in the share. Names
   * only: a walk into a mounted root would itself keep the overlay busy.
   */
  const leftovers = () => guest('ls -d /sys/fs/cgroup/drydock/build-* 2>/dev/null; grep drydock/builds /proc/mounts; ls -A /var/lib/drydock/builds /mnt/host/builds 2>/dev/null | grep -v ":$\\|^$"; true');
  /** no internal path of the engine in what the learner reads */
  const noInternalPaths = (r: DockerResult) => {
    expect(r.err).not.toMatch(/\/layers\/[0-9a-f]{64}|\/mnt\/host\/(layers|builds)/);
    expect(r.out).not.toMatch(/\/layers\/[0-9a-f]{64}/);
  };
  const timed = async (what: string, args: string) => {
    const r = await docker(args);
    console.warn(`[timing] ${what}: ${r.ms} ms`);
    return r;
  };

  it('COPY/ADD heredocs make their files: named after the destination or the heredoc, 0644, --chmod/--chown, bodies expanded', { timeout: 600_000 }, async () => {
    await write('/hd/Dockerfile', [
      'FROM busybox',
      'ARG who=world',
      'COPY <<EOF /hello.txt',
      'hello ${who}',
      'EOF',
      'COPY --chmod=755 --chown=1000:1000 <<A <<"B" /dir/',
      '#!/bin/sh',
      'echo a $who',
      'A',
      'echo b $who',
      'B',
      'ADD <<EOF /added.txt',
      'added',
      'EOF',
      'CMD ["sh", "-c", "cat /hello.txt /dir/A /dir/B /added.txt; stat -c \'%n %a %u:%g\' /hello.txt /dir/A /dir/B /added.txt"]',
      '',
    ].join('\n'));
    const b = await timed('heredoc build (3 COPY/ADD)', 'build -t hd /mnt/host/hd');
    expect(b.status, b.err).toBe(0);
    expect(b.err).toContain('] COPY <<EOF /hello.txt\n');
    expect(b.err).toContain('] COPY --chown=1000:1000 --chmod=755 <<A <<B /dir/\n');
    const run = await docker('run --rm hd');
    expect(run, run.err).toMatchObject({
      status: 0,
      out: 'hello world\n#!/bin/sh\necho a world\necho b $who\nadded\n/hello.txt 644 0:0\n/dir/A 755 1000:1000\n/dir/B 755 1000:1000\n/added.txt 644 0:0\n',
    });
    const history = await docker('history --no-trunc --format "{{.CreatedBy}}" hd');
    expect(history.out).toContain('COPY <<EOF /hello.txt # buildkit\n');
    // a changed body is a changed step, an unchanged one is cached
    await write('/hd/Dockerfile', (await fixture.machine.emulator.readShareFile('/hd/Dockerfile').then((d) => new TextDecoder().decode(d))).replace('added\n', 'added again\n'));
    const again = await docker('build -t hd /mnt/host/hd');
    expect(again.err).toMatch(/COPY <<EOF \/hello\.txt\n#\d+ CACHED/);
    expect(again.err).toMatch(/ADD <<EOF \/added\.txt\n#\d+ DONE/);
    expect((await docker('run --rm hd cat /added.txt')).out).toBe('added again\n');
  });

  it('FROM scratch: RUN fails as runc does, an image without layers runs (127 for a missing command, --rm leaves nothing), a static busybox copied in runs', { timeout: 600_000 }, async () => {
    await write('/sc/Dockerfile', 'FROM scratch\nRUN true\n');
    const run = await docker('build -t sc /mnt/host/sc');
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/#\d+ \[2\/2\] RUN true\n#\d+ \d+\.\d{3} runc run failed: unable to start container process: error during container init: exec: "\/bin\/sh": stat \/bin\/sh: no such file or directory\n/);
    expect(run.err).toMatch(/ERROR: failed to solve: process "\/bin\/sh -c true" did not complete successfully: exit code: 1\n$/);
    expect(await leftovers()).toBe('');

    await write('/empty/Dockerfile', 'FROM scratch\nCMD ["true"]\n');
    expect((await docker('build -q -t empty /mnt/host/empty')).status).toBe(0);
    const missing = await docker('run --rm empty');
    expect(missing.status).toBe(127);
    expect(missing.err).toContain('exec: "true": executable file not found in $PATH');
    expect((await docker('ps -aq')).out).toBe('');
    // docker cp into a created container of that image mounts its root over the empty lower dir too
    const created = await docker('create --name zz empty');
    expect(created.status, created.err).toBe(0);
    const cp = await docker('cp /etc/hostname zz:/copied');
    expect(cp, cp.err).toMatchObject({ status: 0 });
    expect((await docker('rm zz')).status).toBe(0);

    await write('/static/Dockerfile', [
      'FROM busybox AS tools',
      'FROM scratch',
      'COPY --from=tools /bin/busybox /bin/busybox',
      'RUN ["/bin/busybox", "mkdir", "/made-by-run"]',
      'ENTRYPOINT ["/bin/busybox"]',
      'CMD ["ls", "/"]',
      '',
    ].join('\n'));
    const st = await timed('busybox copied into scratch, one RUN', 'build -t static /mnt/host/static');
    expect(st.status, st.err).toBe(0);
    const ls = await docker('run --rm static');
    expect(ls, ls.err).toMatchObject({ status: 0 });
    expect(ls.out.split('\n')).toEqual(expect.arrayContaining(['bin', 'made-by-run', 'proc', 'dev']));
    expect((await docker('run --rm static echo hi')).out).toBe('hi\n');
    expect((await docker('ps -aq')).out).toBe('');
  });

  it('a cancelled build (^C, or its client killed) stops: container killed, overlay unmounted, cgroup removed, nothing tagged', { timeout: 600_000 }, async () => {
    await write('/cx/Dockerfile', 'FROM busybox\nRUN echo started && sleep 60\nRUN sleep 61\n');
    let screen = '';
    const port = fixture.machine.console;
    const onMessage = (data: Uint8Array | string) => (screen += typeof data === 'string' ? data : new TextDecoder().decode(data));
    port.on('message', onMessage);
    /** polls the guest until the build container runs (its output is on the screen) */
    const untilRunning = async () => {
      for (const t0 = Date.now(); !/\d+\.\d{3} started\r?\n/.test(screen); await sleep(100)) {
        if (Date.now() - t0 > 120_000) throw new Error(`the build did not start:\n${screen.slice(-2000)}`);
      }
      expect(await guest('ls -d /sys/fs/cgroup/drydock/build-* | wc -l; grep -c "^overlay /var/lib/drydock/builds/" /proc/mounts')).toBe('1\n1\n');
    };
    /** ms until nothing of the build is left in the guest */
    const untilClean = async (t0: number) => {
      await expect.poll(leftovers, { timeout: 60_000, interval: 200 }).toBe('');
      return performance.now() - t0;
    };
    try {
      port.postMessage('docker build -t cx /mnt/host/cx; echo "exit=$?"\n');
      await untilRunning();
      let t0 = performance.now();
      port.postMessage('\x03');
      const afterCtrlC = await untilClean(t0);
      console.warn(`[timing] ^C to a clean guest (no build cgroup, mount or files): ${afterCtrlC.toFixed(0)} ms`);
      expect(await guest('ps -o args | grep -c "[s]leep 6"')).toBe('0\n');

      screen = '';
      port.postMessage('docker build -t cx /mnt/host/cx; echo "exit=$?"\n');
      await untilRunning();
      t0 = performance.now();
      await guest('kill -9 $(pidof docker)');
      const afterKill = await untilClean(t0);
      console.warn(`[timing] killed client to a clean guest: ${afterKill.toFixed(0)} ms`);
    } finally {
      port.off('message', onMessage);
    }
    // a build after them runs alone: the cancelled ones started no later step
    await write('/after/Dockerfile', 'FROM busybox\nRUN echo after > /after.txt\n');
    expect((await docker('build -q -t after /mnt/host/after')).status).toBe(0);
    expect(await leftovers()).toBe('');
    expect((await docker('images -q cx')).out).toBe('');
    expect(await guest('ps -o args | grep -c "[s]leep 6"')).toBe('0\n');
  });

  it('a build whose root a guest process sits in still ends and cleans up (the overlay is detached, as Docker\'s overlay2 does)', { timeout: 600_000 }, async () => {
    // the RUN waits for the file the guest process makes from inside its root, so that process is there at the end
    await write('/busy/Dockerfile', 'FROM busybox\nRUN while [ ! -e /go ]; do sleep 0.1; done; echo done\n');
    const building = docker('build -q -t busy /mnt/host/busy');
    await expect.poll(() => guest('ls -d /var/lib/drydock/builds/build-*/rootfs/bin 2>/dev/null | wc -l'), { timeout: 120_000, interval: 200 }).toBe('1\n');
    await guest('cd /var/lib/drydock/builds/build-*/rootfs && touch go && (sleep 600 </dev/null >/dev/null 2>&1 &)');
    const b = await building;
    try {
      expect(b.status, b.err).toBe(0);
      expect(await leftovers()).toBe('');
    } finally {
      await guest('pkill -f "^sleep 600$"; true');
    }
  });

  it('symlinks: followed inside the context (lnk -> /etc is the context\'s etc) and inside images; no internal path in errors', { timeout: 600_000 }, async () => {
    await guest('mkdir -p /mnt/host/lk && cd /mnt/host/lk && ln -sfn /etc linkdir && ln -sfn /etc/passwd pw && ln -sfn real rel && mkdir -p real && echo real > real/r.txt');
    await write('/lk/Dockerfile', 'FROM busybox\nCOPY linkdir/ /d/\n');
    const out = await docker('build -t lk /mnt/host/lk');
    expect(out.status).toBe(1);
    expect(out.err).toMatch(/ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref: "\/linkdir": not found\n$/);
    noInternalPaths(out);
    await write('/lk/Dockerfile', 'FROM busybox\nCOPY pw /pw\n');
    expect((await docker('build -t lk /mnt/host/lk')).err).toContain('"/pw": not found');
    // the context's own etc: that is what the link names
    await write('/lk/etc/motd', 'from the context\n');
    await write('/lk/Dockerfile', 'FROM busybox\nCOPY linkdir/ /d/\nCOPY rel /r/\nCOPY rel/r.txt /r2.txt\n');
    const ok = await docker('build -t lk /mnt/host/lk');
    expect(ok.status, ok.err).toBe(0);
    expect((await docker('run --rm lk sh -c "ls /d; cat /d/motd /r/r.txt /r2.txt"')).out).toBe('motd\nfrom the context\nreal\nreal\n');

    // a context on tmpfs (tarred by the guest): a hard link is a file, a symlinked directory is followed
    await guest('rm -rf /tmp/hctx && mkdir -p /tmp/hctx/sub && cd /tmp/hctx && echo a > a.txt && ln a.txt hard && ln -s sub lsub && echo s > sub/s.txt && printf "FROM busybox\\nCOPY hard lsub/s.txt /out/\\n" > Dockerfile');
    const tmp = await docker('build -t hctx /tmp/hctx');
    expect(tmp.status, tmp.err).toBe(0);
    expect((await docker('run --rm hctx sh -c "cat /out/hard /out/s.txt"')).out).toBe('a\ns\n');

    // an image's absolute and relative links (BuildKit's testCopyThroughSymlinkMultiStage), and a destination that is a link
    await write('/ms/Dockerfile', [
      'FROM busybox AS build',
      'RUN mkdir -p /out/sub && ln -s /out/sub /sub && ln -s out/sub /sub2 && echo -n data > /sub/foo && ln -s /tmp /tmplink',
      'FROM build',
      'COPY --from=build /sub/foo /foo',
      'COPY --from=build /sub2/foo /bar',
      'COPY --from=build /sub2/ /whole/',
      'COPY --from=build /sub/foo /tmplink/',
      '',
    ].join('\n'));
    const ms = await docker('build -t ms /mnt/host/ms');
    expect(ms.status, ms.err).toBe(0);
    expect((await docker('run --rm ms sh -c "cat /foo /bar /whole/foo /tmp/foo; test -L /tmplink && echo link-kept"')).out).toBe('datadatadatadatalink-kept\n');
  });

  it('ADD of an archive that climbs out of its destination is refused; links inside it stay inside it', { timeout: 600_000 }, async () => {
    const tar = (entries: { name: string; type?: 'file' | 'symlink' | 'link'; linkname?: string; body?: string }[]) =>
      packTar(entries.map((e) => ({ header: { name: e.name, type: e.type ?? 'file', size: e.body?.length ?? 0, mode: 0o644, ...(e.linkname ? { linkname: e.linkname } : {}) }, ...(e.body !== undefined ? { body: e.body } : {}) })));
    await write('/slip/dots.tar', await tar([{ name: '../../etc/evil', body: 'evil' }]));
    await write('/slip/rel.tar', await tar([{ name: 'up', type: 'symlink', linkname: '../../..' }]));
    await write('/slip/hard.tar', await tar([{ name: 'h', type: 'link', linkname: '../../etc/passwd' }]));
    await write('/slip/abs.tar', await tar([
      { name: 'lnk', type: 'symlink', linkname: '/etc' },
      { name: 'lnk/passwd', body: 'mine\n' },
      { name: '/rooted.txt', body: 'rooted\n' },
    ]));
    for (const [file, message] of [
      ['dots.tar', 'failed to unpack dots.tar: "../../etc/evil" is outside of "/opt"'],
      ['rel.tar', 'failed to unpack rel.tar: invalid symlink "up" -> "../../.."'],
      ['hard.tar', 'failed to unpack hard.tar: invalid hardlink "h" -> "../../etc/passwd"'],
    ]) {
      await write('/slip/Dockerfile', `FROM busybox\nADD ${file} /opt/\n`);
      const r = await docker('build -t slip /mnt/host/slip');
      expect(r.status, r.err).toBe(1);
      expect(r.err).toContain(`ERROR: failed to solve: ${message}\n`);
      noInternalPaths(r);
    }
    expect((await docker('images -q slip')).out).toBe('');
    await write('/slip/Dockerfile', 'FROM busybox\nADD abs.tar /opt/\n');
    const ok = await docker('build -t slip /mnt/host/slip');
    expect(ok.status, ok.err).toBe(0);
    const r = await docker('run --rm slip sh -c "readlink /opt/lnk; cat /opt/etc/passwd /opt/rooted.txt; grep -c mine /etc/passwd"');
    expect(r.out).toBe('/etc\nmine\nrooted\n0\n');
    expect(await leftovers()).toBe('');
  });
});
