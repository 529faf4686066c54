// A default container (Docker's defaults) on the real kernel must not take over or freeze the machine: the device
// program, the agent's line, seccomp, recursive read-only binds, a fork bomb, a full disk. Each attack is the one
// that worked before the fix, typed as `docker run` in the guest.
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../emulator/vm/channel/frame-codec.ts';
import { imagesBuilt, useEngineGuest } from './engine-guest.ts';

/** A frame as printf(1) octal escapes, for a shell inside a container. */
function printfFrame(type: number, stream: number, records: string[]): string {
  const bytes = encodeFrame({ type, stream, payload: new TextEncoder().encode(records.map((r) => `${r}\0`).join('')) });
  return [...bytes].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
}

describe.skipIf(!imagesBuilt('busybox'))('containment on the real kernel', () => {
  const guest = useEngineGuest({ pull: ['busybox'] });
  const { docker } = guest;

  it('a default container can mknod but not open the serial lines, /dev/kmsg or /dev/mem; --privileged can', async () => {
    const probe = (node: string, major: number, minor: number) => `mknod /tmp/${node} c ${major} ${minor} && echo made ${node}; head -c 1 /tmp/${node} >/dev/null 2>/tmp/err; echo "${node}: $(cut -d: -f3 /tmp/err)"`;
    const script = [probe('s1', 4, 65), probe('s0', 4, 64), probe('kmsg', 1, 11), probe('mem', 1, 1), 'echo x > /tmp/s1 2>/tmp/err; echo "write s1: $(cut -d: -f3 /tmp/err)"'].join('; ');
    const r = await docker(`run --rm busybox sh -c '${script}'`);
    expect(r.status, r.err).toBe(0);
    expect(r.out.split('\n').filter(Boolean)).toEqual([
      'made s1', 's1:  Operation not permitted',
      'made s0', 's0:  Operation not permitted',
      'made kmsg', 'kmsg:  Operation not permitted',
      'made mem', 'mem:  Operation not permitted',
      'write s1:  Operation not permitted',
    ]);
    // the allowed nodes still work
    expect(await docker(`run --rm busybox sh -c 'head -c 4 /dev/urandom | wc -c; echo > /dev/null && echo null ok'`)).toMatchObject({ status: 0, out: '4\nnull ok\n' });
    const privileged = await docker(`run --rm --privileged busybox sh -c 'mknod /tmp/kmsg c 1 11 && head -n 1 /tmp/kmsg | grep -c .'`);
    expect(privileged).toMatchObject({ status: 0, out: '1\n' });
  });

  it('the forged-frame attack fails: no privileged container, no file on the guest, the channel still answers', async () => {
    await guest.sh('rm -f /tmp/pwned');
    // the agent's line is port 1 of the virtio console (PROTOCOL.md); no console or serial node in a container's /dev,
    // and the guest's own nodes are root's alone
    const line = (await guest.sh(`for p in /sys/class/virtio-ports/*; do [ "$(cat $p/name)" = virtio-1 ] && echo /dev/\${p##*/}; done`)).out.trim();
    expect(line).toMatch(/^\/dev\/vport\d+p1$/);
    expect(await docker(`run --rm busybox sh -c 'ls /dev | grep -cE "ttyS|hvc|vport"; true'`)).toMatchObject({ status: 0, out: '0\n' });
    expect((await guest.sh(`stat -c %a ${line} /dev/hvc0 /dev/ttyS1`)).out).toBe('600\n600\n600\n');
    const [major, minor] = (await guest.sh(`stat -c '%t %T' ${line}`)).out.trim().split(' ').map((hex) => parseInt(hex, 16));
    const forged = printfFrame(0x40, 0x80000999, ['arun', 'a--privileged', 'a-v', 'a/:/h', 'abusybox', 'atouch', 'a/h/tmp/pwned']);
    // as the attacker typed it: a node for the agent's port, then the frame written to it
    const attack = await docker(`run --rm busybox sh -c 'mknod /tmp/s1 c ${major} ${minor}; printf "${forged}" > /tmp/s1; echo status $?'`);
    expect(attack.status, attack.err).toBe(0);
    expect(attack.out).toBe('status 1\n');
    expect(attack.err).toContain('Operation not permitted');
    // the same through --device, which the device program allows: a virtio port takes one open at a time (the agent's)
    const device = await docker(`run --rm --device ${line} busybox sh -c 'ls -l ${line} | cut -c1; printf "${forged}" > ${line}; echo status $?'`);
    expect(device.status, device.err).toBe(0);
    expect(device.out).toBe('c\nstatus 1\n');
    expect(device.err).toContain('Device or resource busy');
    // and so is the guest's root, outside any container
    const root = await guest.sh(`{ echo x > ${line}; } 2>&1; echo status $?`);
    expect(root.out).toContain('Device or resource busy');
    expect(root.out).toMatch(/status 1\n$/);
    expect((await docker('ps -a -q')).out).toBe('');
    expect((await guest.sh('ls /tmp/pwned 2>&1')).status).not.toBe(0);
    expect(await docker('run --rm busybox echo still here')).toMatchObject({ status: 0, out: 'still here\n' });
  });

  it('seccomp: unshare -U -r -m is refused by default, allowed with seccomp=unconfined; no-new-privileges is set', async () => {
    const denied = await docker('run --rm busybox unshare -U -r -m true');
    expect(denied.status).toBe(1);
    expect(denied.err).toContain('Operation not permitted');
    expect(await docker('run --rm --security-opt seccomp=unconfined busybox unshare -U -r -m true')).toMatchObject({ status: 0 });
    // mount and keyctl-like calls fail, everyday ones work
    const everyday = await docker(`run --rm busybox sh -c 'mkdir /m; mount -t tmpfs t /m 2>/dev/null || echo no mount; ls / | grep -cx bin; date +%Y | grep -c 20'`);
    expect(everyday).toMatchObject({ status: 0, out: 'no mount\n1\n1\n' });
    expect(await docker(`run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status`)).toMatchObject({ status: 0, out: 'NoNewPrivs:\t1\n' });
    expect(await docker(`run --rm busybox grep Seccomp: /proc/self/status`)).toMatchObject({ status: 0, out: 'Seccomp:\t2\n' });
    expect(await docker(`run --rm --privileged busybox grep Seccomp: /proc/self/status`)).toMatchObject({ status: 0, out: 'Seccomp:\t0\n' });
    // docker exec gets the container's filter too
    expect((await docker('run -d --name filtered busybox sleep 1000')).status).toBe(0);
    try {
      expect(await docker('exec filtered grep Seccomp: /proc/self/status')).toMatchObject({ status: 0, out: 'Seccomp:\t2\n' });
      expect((await docker('exec filtered unshare -U -r -m true')).status).toBe(1);
    } finally {
      await docker('rm -f filtered');
    }
  });

  it('-v /:/host:ro leaves no writable submount', async () => {
    const r = await docker(`run --rm -v /:/host:ro busybox sh -c 'for d in /host/tmp /host/run /host/mnt/host /host/sys/fs/cgroup; do touch $d/x 2>&1 | grep -c "Read-only"; done; grep " /host" /proc/mounts | grep -vc " ro[, ]"'`);
    expect(r.out).toBe('1\n1\n1\n1\n0\n');
    expect((await guest.sh('ls /tmp/x /run/x /mnt/host/x 2>/dev/null | wc -l')).out.trim()).toBe('0');
  });

  it('a fork bomb without --pids-limit is killed by docker rm -f, and the agent keeps answering', async () => {
    const run = await docker(`run -d --name bomb busybox sh -c 'f() { f | f & }; f; sleep 1000'`);
    expect(run.status, run.err).toBe(0);
    try {
      // the bomb reaches the containers' ceiling, drydock/pids.max: Linux 6.1 counts the refused forks in the
      // pids.events of the forking task's cgroup (the container's), not of the ancestor whose limit it met.
      // Polled with shell builtins once a second: a poller that forks would take the CPU the bomb needs to grow.
      // A container that is gone (its cgroup removed at exit) ends the wait at once: CI once waited out the whole
      // bound on a bomb that had died (pids 0, rm -f 39 ms), and what killed it is what the next look needs.
      const full = await guest.sh(
        'cd /sys/fs/cgroup/drydock; n=0; while [ $n -lt 600 ]; do gone=1; ' +
          'for f in */pids.events; do [ -e "$f" ] || continue; gone=0; while read -r k v; do [ "$k" = max ] && [ "$v" != 0 ] && exit 0; done < $f; done; ' +
          '[ $gone = 1 ] && [ $n -gt 3 ] && { echo "no container cgroup after ${n} s"; break; }; ' +
          'n=$((n+1)); sleep 1; done; read -r p < pids.current; echo "pids $p"; exit 1',
        700_000,
      );
      if (full.status !== 0) {
        const state = await docker("inspect --format '{{json .State}}' bomb");
        const oom = await guest.sh('dmesg | grep -iE "oom|killed process|out of memory" | tail -5');
        expect(full.status, `the bomb did not reach drydock/pids.max: ${full.out} state ${state.out.trim()} kernel: ${oom.out}`).toBe(0);
      }
      const tasks = (await guest.sh('cat /sys/fs/cgroup/drydock/pids.current /sys/fs/cgroup/drydock/pids.max')).out.trim().split('\n');
      expect(Number(tasks[0])).toBeGreaterThanOrEqual(Number(tasks[1]) - 16);
      console.warn(`[containment] fork bomb held at the containers' pids.max: ${tasks[0]} tasks in drydock/`);
      expect(await guest.sh('echo the shell can fork')).toMatchObject({ status: 0, out: 'the shell can fork\n' });
    } finally {
      const started = performance.now();
      const rm = await docker('rm -f bomb', 300_000);
      expect(rm, rm.err).toMatchObject({ status: 0, out: 'bomb\n' });
      console.warn(`[containment] fork bomb: docker rm -f took ${(performance.now() - started).toFixed(0)} ms`);
    }
    expect((await guest.sh('ls /sys/fs/cgroup/drydock | grep -c "^[0-9a-f]\\{64\\}$"')).out.trim()).toBe('0');
    expect(await docker('run --rm busybox echo after the bomb')).toMatchObject({ status: 0, out: 'after the bomb\n' });
  }, 1_200_000);

  it('docker stop does not report a stop that did not happen', async () => {
    const run = await docker(`run -d --name stubborn busybox sh -c 'trap "" TERM; while :; do sleep 1; done'`);
    expect(run.status, run.err).toBe(0);
    const stop = await docker('stop -t 1 stubborn', 120_000);
    expect(stop, stop.err).toMatchObject({ status: 0, out: 'stubborn\n' });
    expect((await docker('inspect -f "{{.State.Status}} {{.State.ExitCode}}" stubborn')).out).toBe('exited 137\n');
    await docker('rm stubborn');
  });

  it('a container that fills its disk gets ENOSPC alone; the next docker run works', async () => {
    const fill = await docker(`run --name fill busybox sh -c 'dd if=/dev/zero of=/big bs=1M 2>&1 | grep -o "No space left on device"; dd if=/dev/zero of=/dev/big bs=1M 2>&1 | grep -o "No space left on device"; df -k / | tail -1'`, 300_000);
    expect(fill.status, fill.err).toBe(0);
    console.warn(`[containment] filling 92 MiB of upper dir and 64 MiB of /dev took ${fill.ms} ms`);
    expect(fill.out).toMatch(/^No space left on device\nNo space left on device\n/);
    expect(await docker('run --rm busybox echo next run')).toMatchObject({ status: 0, out: 'next run\n' });
    expect(await guest.sh('echo guest tmpfs ok > /tmp/ok && cat /tmp/ok')).toMatchObject({ status: 0, out: 'guest tmpfs ok\n' });
    expect(await docker('rm fill')).toMatchObject({ status: 0 });
    // the agent, init are out of the OOM killer's reach; a container's process is not
    expect((await guest.sh('cat /proc/1/oom_score_adj; cat /proc/$(pidof drydock-agent | cut -d" " -f1)/oom_score_adj')).out).toBe('-1000\n-1000\n');
    expect(await docker('run --rm busybox cat /proc/self/oom_score_adj')).toMatchObject({ status: 0, out: '0\n' });
  }, 600_000);

  it('a container flooding its output does not hold docker ps, rm -f or the agent behind it', async () => {
    const run = await docker('run -d --name spam busybox yes');
    expect(run.status, run.err).toBe(0);
    try {
      // the flood is on its way: its log grows (read through the engine, as docker logs would)
      const logs = await guest.sh('n=0; until [ "$(docker logs --tail 3 spam)" = "$(printf "y\\ny\\ny")" ]; do n=$((n+1)); [ $n -lt 300 ] || exit 1; sleep 0.1; done');
      expect(logs.status, 'no output from the flooding container in its log').toBe(0);
      const ps = await docker('ps --format "{{.Names}}"');
      expect(ps, ps.err).toMatchObject({ status: 0, out: 'spam\n' });
      const t0 = performance.now();
      expect(await guest.sh('echo agent ok')).toMatchObject({ status: 0, out: 'agent ok\n' });
      console.warn(`[containment] with a flooding container: docker ps ${ps.ms} ms, an agent exec ${(performance.now() - t0).toFixed(0)} ms`);
    } finally {
      const rm = await docker('rm -f spam', 120_000);
      expect(rm, rm.err).toMatchObject({ status: 0, out: 'spam\n' });
      console.warn(`[containment] docker rm -f of the flooding container: ${rm.ms} ms`);
    }
  });
});
