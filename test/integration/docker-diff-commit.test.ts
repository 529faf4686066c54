// `docker diff` and `docker commit` typed in the real guest, the engine composed as engine-host.ts composes it.
import { describe, expect, it } from 'vitest';
import { imagesBuilt, useEngineGuest } from './engine-guest.ts';

describe.skipIf(!imagesBuilt('busybox'))('docker diff and commit typed in the guest', () => {
  const guest = useEngineGuest({ pull: ['busybox'] });
  const { docker } = guest;

  it('diff: nothing for a container that changed nothing (the runtime\'s mount points are not changes)', { timeout: 240_000 }, async () => {
    const run = await docker('run --name untouched busybox true');
    expect(run.status, run.err).toBe(0);
    const diff = await docker('diff untouched');
    expect(diff, diff.err).toMatchObject({ status: 0, out: '' });
    console.warn(`[timing] docker diff (no changes) in the guest (Node): ${diff.ms} ms`);
    const modified = await docker('run --name modified busybox sh -c "echo x >> /etc/passwd"');
    expect(modified.status, modified.err).toBe(0);
    // Docker: a modified file's directory is listed only when it changed itself (here it did not).
    expect((await docker('diff modified')).out).toBe('C /etc/passwd\n');
    expect((await docker('rm untouched modified')).status).toBe(0);
  });

  it('diff: A for new entries, C for copied-up parents, D for whiteouts', { timeout: 240_000 }, async () => {
    const run = await docker('run --name changed busybox sh -c "echo hello-commit > /root/new.txt; rm /etc/group; mkdir /data; touch /data/x"');
    expect(run.status, run.err).toBe(0);
    const diff = await docker('diff changed');
    expect(diff.status, diff.err).toBe(0);
    const lines = diff.out.split('\n').filter(Boolean);
    expect(lines).toEqual(expect.arrayContaining(['C /etc', 'D /etc/group', 'C /root', 'A /root/new.txt', 'A /data', 'A /data/x']));
    expect(lines.filter((l) => /^A \/(dev|proc|sys|etc\/(hosts|hostname|resolv\.conf))$/.test(l))).toEqual([]);
    expect(lines).toEqual([...lines].sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : 1)));
    console.warn(`[timing] docker diff (${lines.length} changes) in the guest (Node): ${diff.ms} ms`);
    expect((await docker('diff nosuch')).status).toBe(1);
  });

  it('commit: the new image has the added file and not the deleted one', { timeout: 240_000 }, async () => {
    const commit = await docker('commit -m "a commit" changed committed:v1');
    expect(commit.status, commit.err).toBe(0);
    expect(commit.out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    console.warn(`[timing] docker commit in the guest (Node): ${commit.ms} ms`);
    const cat = await docker('run --rm committed:v1 cat /root/new.txt');
    expect(cat, cat.err).toMatchObject({ status: 0, out: 'hello-commit\n' });
    const gone = await docker('run --rm committed:v1 sh -c "test -e /etc/group && echo present || echo gone; test -f /data/x && echo data"');
    expect(gone, gone.err).toMatchObject({ status: 0, out: 'gone\ndata\n' });
    const history = await docker('history --no-trunc --format "{{.CreatedBy}}|{{.Comment}}" committed:v1');
    expect(history.out.split('\n')[0]).toBe('sh -c echo hello-commit > /root/new.txt; rm /etc/group; mkdir /data; touch /data/x|a commit');
    expect((await docker('rm changed')).status).toBe(0);
  });

  it('commit: a container that deleted several files (overlayfs hard-links its whiteouts) commits and runs', { timeout: 240_000 }, async () => {
    const run = await docker('run --name deleter busybox rm -f /etc/group /etc/passwd /etc/shadow');
    expect(run.status, run.err).toBe(0);
    const commit = await docker('commit deleter committed:v2');
    expect(commit.status, commit.err).toBe(0);
    const gone = await docker('run --rm committed:v2 sh -c "ls /etc/group /etc/passwd /etc/shadow 2>/dev/null | wc -l"');
    expect(gone, gone.err).toMatchObject({ status: 0, out: '0\n' });
    expect((await docker('rm deleter')).status).toBe(0);
  });

  it('commit: a directory removed and made again (opaque) hides the image\'s old content; a merely changed one does not', { timeout: 300_000 }, async () => {
    const run = await docker('run --name opaque busybox sh -c "rm -rf /usr/sbin && mkdir /usr/sbin && echo mine > /usr/sbin/mine; rm -rf /tmp/* ; touch /bin/extra"');
    expect(run.status, run.err).toBe(0);
    const diff = await docker('diff opaque');
    expect(diff.out.split('\n')).toEqual(expect.arrayContaining(['D /usr/sbin', 'A /usr/sbin/mine', 'C /bin', 'A /bin/extra']));
    const commit = await docker('commit opaque committed:opaque');
    expect(commit.status, commit.err).toBe(0);
    console.warn(`[timing] docker commit with an opaque directory in the guest (Node): ${commit.ms} ms`);
    const sbin = await docker('run --rm committed:opaque ls /usr/sbin');
    expect(sbin, sbin.err).toMatchObject({ status: 0, out: 'mine\n' });
    const bin = await docker('run --rm committed:opaque sh -c "ls /bin | wc -l; test -e /bin/extra && test -e /bin/ls && echo both"');
    expect(bin.status, bin.err).toBe(0);
    const [count, both] = bin.out.trim().split('\n');
    expect(Number(count)).toBeGreaterThan(50);
    expect(both).toBe('both');
    expect((await docker('rm opaque')).status).toBe(0);
  });

  it('cp out, cp in and commit keep a 10 MB file whole (commit reads it over the control channel)', { timeout: 300_000 }, async () => {
    const run = await docker('run --name big busybox sh -c "head -c 10485760 /dev/urandom > /big && sha256sum /big"');
    expect(run.status, run.err).toBe(0);
    const sum = run.out.split(' ')[0]!;
    expect(sum).toMatch(/^[0-9a-f]{64}$/);
    const out = await docker('cp big:/big /tmp/big-out');
    expect(out.status, out.err).toBe(0);
    expect((await guest.sh('sha256sum /tmp/big-out')).out).toBe(`${sum}  /tmp/big-out\n`);
    const into = await docker('cp /tmp/big-out big:/big-in');
    expect(into.status, into.err).toBe(0);
    const commit = await docker('commit big committed:big');
    expect(commit.status, commit.err).toBe(0);
    console.warn(`[timing] 10 MB in the guest (Node): docker cp out ${out.ms} ms, cp in ${into.ms} ms, commit ${commit.ms} ms`);
    const check = await docker('run --rm committed:big sha256sum /big /big-in');
    expect(check, check.err).toMatchObject({ status: 0, out: `${sum}  /big\n${sum}  /big-in\n` });
    expect((await docker('rm big')).status).toBe(0);
    expect((await docker('rmi committed:big')).status).toBe(0);
    await guest.sh('rm /tmp/big-out');
  });

  it('inspect ?size=1: SizeRw grows by the bytes a running container writes, hard links once; SizeRootFs adds the image', { timeout: 120_000 }, async () => {
    const run = await docker('run -d --name sized busybox sleep 1000');
    expect(run.status, run.err).toBe(0);
    const size = async () => {
      const r = await guest.machine.emulator.engineRequest('GET', '/containers/sized/json?size=1');
      expect(r.status, r.body).toBe(200);
      return JSON.parse(r.body) as { SizeRw: number; SizeRootFs: number };
    };
    const changes = async () => (JSON.parse((await guest.machine.emulator.engineRequest('GET', '/containers/sized/changes')).body) as { Path: string }[]).map((c) => c.Path);
    const before = await size();
    // the diff is read again only when a listing of the upper dir differs: asked twice, then after a write
    expect(await changes()).toEqual([]);
    expect(await changes()).toEqual([]);
    const write = await docker('exec sized sh -c "head -c 1000 /dev/zero > /big && ln /big /big-link"');
    expect(write.status, write.err).toBe(0);
    const after = await size();
    expect(after.SizeRw - before.SizeRw).toBe(1000);
    expect(await changes()).toEqual(['/big', '/big-link']);
    expect((await docker('exec sized rm /big-link')).status).toBe(0);
    expect(await changes()).toEqual(['/big']);
    // what the Inspect panel polls costs the guest no process: the kernel's last pid (/proc/loadavg, read by the
    // agent without one) stays where it was across both readings
    const lastPid = async () => Number(new TextDecoder().decode(await guest.machine.emulator.readGuestFile('/proc/loadavg')).trim().split(' ').pop());
    const pidBefore = await lastPid();
    expect(await changes()).toEqual(['/big']);
    expect((await size()).SizeRw).toBe(after.SizeRw);
    expect(await lastPid()).toBe(pidBefore);
    const image = JSON.parse((await guest.machine.emulator.engineRequest('GET', '/images/busybox/json')).body) as { Size: number };
    expect(after.SizeRootFs).toBe(after.SizeRw + image.Size);
    const plain = JSON.parse((await guest.machine.emulator.engineRequest('GET', '/containers/sized/json')).body) as Record<string, unknown>;
    expect(plain.SizeRw).toBeUndefined();
    expect((await docker('rm -f sized')).status).toBe(0);
  });
});
