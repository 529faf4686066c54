// Capabilities, users and groups as Docker applies them, through `docker` typed in the real guest: --cap-drop ALL
// still starts (drydock-init chroots and sets the uid before dropping the bounding set, as runc does), groups
// from the image's /etc/group, and what a start costs in guest processes.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_DIR as PUBLIC, startEngineInGuest, type EngineInGuest } from '../../emulator/node-backends/engine-in-guest.ts';

const built = existsSync(resolve(PUBLIC, 'registry/v2/busybox'));

describe.skipIf(!built)('capabilities, users and groups in the guest', () => {
  let machine: EngineInGuest;
  const docker = (args: string, timeoutMs?: number) => machine.docker(args, timeoutMs);
  const sh = async (script: string) => {
    const r = await machine.emulator.exec(['sh', '-c', script], { timeoutMs: 120_000 });
    expect(r.exitCode, new TextDecoder().decode(r.stderr)).toBe(0);
    return new TextDecoder().decode(r.stdout);
  };

  beforeAll(async () => {
    machine = await startEngineInGuest({ onLog: (line) => console.warn(`[emulator] ${line}`) });
    const pull = await docker('pull -q busybox');
    expect(pull.status, pull.err).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await machine?.stop();
  });

  it('--cap-drop ALL starts, and root without capabilities cannot chown', { timeout: 240_000 }, async () => {
    const id = await docker('run --rm --cap-drop ALL busybox sh -c "id -u; grep ^CapBnd /proc/self/status"');
    expect(id, id.err).toMatchObject({ status: 0, out: '0\nCapBnd:\t0000000000000000\n' });
    const chown = await docker('run --rm --cap-drop ALL busybox chown 1 /tmp');
    expect(chown.status).toBe(1);
    expect(chown.err).toMatch(/Operation not permitted/);
    // PID 1 starts with no signal ignored (the agent runs with SIGINT and SIGQUIT ignored)
    expect(await docker('run --rm busybox grep ^SigIgn /proc/self/status')).toMatchObject({ status: 0, out: 'SigIgn:\t0000000000000000\n' });
    // the default set has CAP_CHOWN
    expect(await docker('run --rm busybox chown 1 /tmp')).toMatchObject({ status: 0 });
    const chroot = await docker('run --rm --cap-drop SYS_CHROOT --cap-drop SETUID busybox grep ^CapBnd /proc/self/status');
    expect(chroot, chroot.err).toMatchObject({ status: 0, out: 'CapBnd:\t00000000a800257b\n' });
  });

  it('-u 1000 cannot write root-owned files, with or without --cap-drop ALL', { timeout: 240_000 }, async () => {
    for (const flags of ['-u 1000', '-u 1000 --cap-drop ALL']) {
      const r = await docker(`run --rm ${flags} busybox sh -c "id -u; echo x >> /etc/passwd"`);
      expect(r.status, r.err).toBe(1);
      expect(r.out).toBe('1000\n');
      expect(r.err).toMatch(/Permission denied/);
    }
  });

  it('the user\'s groups: the primary gid and the groups the image\'s /etc/group lists it in', { timeout: 240_000 }, async () => {
    expect(await docker('run --rm -u nobody busybox id')).toMatchObject({ status: 0, out: 'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n' });
    expect(await docker('run --rm -u 1000:1000 busybox id')).toMatchObject({ status: 0, out: 'uid=1000 gid=1000 groups=1000\n' });
    expect(await docker('run --rm -u nobody --group-add daemon --group-add 4242 busybox id')).toMatchObject({ status: 0, out: 'uid=65534(nobody) gid=65534(nogroup) groups=1(daemon),4242,65534(nogroup)\n' });
    // without -u: root, its HOME from /etc/passwd, and --group-add names looked up in /etc/group all the same
    expect(await docker('run --rm --group-add daemon busybox sh -c "id; echo \\$HOME"')).toMatchObject({ status: 0, out: 'uid=0(root) gid=0(root) groups=0(root),1(daemon)\n/root\n' });
    // docker exec keeps the container's user and groups; -u replaces the user and keeps --group-add's groups
    const run = await docker('run -d --name groups-exec --cap-drop ALL -u nobody --group-add daemon busybox sleep 300');
    expect(run.status, run.err).toBe(0);
    try {
      expect(await docker('exec groups-exec id')).toMatchObject({ status: 0, out: 'uid=65534(nobody) gid=65534(nogroup) groups=1(daemon),65534(nogroup)\n' });
      expect(await docker('exec -u root groups-exec id')).toMatchObject({ status: 0, out: 'uid=0(root) gid=0(root) groups=0(root),1(daemon)\n' });
      expect((await docker('exec -u nosuch groups-exec id')).err).toMatch(/unable to find user nosuch: no matching entries in passwd file/);
      expect(await docker('exec -u 0 groups-exec grep ^CapBnd /proc/self/status')).toMatchObject({ status: 0, out: 'CapBnd:\t0000000000000000\n' });
    } finally {
      await docker('rm -f groups-exec');
    }
  });

  it('a start costs a handful of guest processes', { timeout: 240_000 }, async () => {
    await docker('run --rm busybox true');
    // /proc/loadavg's last field is the last pid the kernel handed out: the difference counts every fork.
    const out = await sh(
      "i=0; while [ $i -lt 5 ]; do i=$((i+1)); read -r _ _ _ _ a < /proc/loadavg; docker run --rm busybox true; read -r _ _ _ _ b < /proc/loadavg; echo $((b-a)); done",
    );
    const counts = out.trim().split('\n').map(Number);
    console.warn(`[runtime] guest pids per docker run --rm busybox true (the docker shim included): ${counts.join(', ')}`);
    // shim, create, args[0] probe, drydock-init, PID 1, delete (the delete may land after the shim returns)
    expect(Math.min(...counts)).toBeLessThanOrEqual(8);
  });
});
