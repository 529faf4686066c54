// The guest kernel has what containers need: i686, all namespaces, overlayfs over the 9p share, cgroup v2 controllers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Machine } from '../../emulator/vm/machine.ts';
import { restoreGuest, sh, text } from './guest.ts';

let machine: Machine;
beforeAll(async () => {
  machine = await restoreGuest();
});
afterAll(async () => {
  await machine?.destroy();
});

describe('guest kernel', () => {
  it('is a 32-bit x86 Linux', async () => {
    expect((await sh(machine, 'uname -m')).trim()).toBe('i686');
    expect((await sh(machine, 'uname -s')).trim()).toBe('Linux');
  });

  it('has every namespace type', async () => {
    const ns = (await sh(machine, 'ls /proc/self/ns')).split(/\s+/);
    expect(ns).toEqual(expect.arrayContaining(['pid', 'mnt', 'uts', 'ipc', 'net', 'user', 'cgroup']));
  });

  it('has overlay and 9p file systems', async () => {
    const filesystems = (await sh(machine, 'cat /proc/filesystems')).split('\n').map((l) => l.split('\t').at(-1));
    expect(filesystems).toEqual(expect.arrayContaining(['overlay', '9p', 'tmpfs', 'proc', 'cgroup2']));
  });

  it('offers the cpu, memory and pids cgroup v2 controllers', async () => {
    const controllers = (await sh(machine, 'cat /sys/fs/cgroup/cgroup.controllers')).trim().split(' ');
    expect(controllers).toEqual(expect.arrayContaining(['cpu', 'memory', 'pids']));
    expect(await sh(machine, 'cat /proc/mounts')).toMatch(/^cgroup2 \/sys\/fs\/cgroup cgroup2 /m);
  });

  // Busybox's unshare has no --cgroup; the cgroup namespace is covered by the runtime's own tests.
  it('runs a process in new pid, mount, uts, ipc, net and user namespaces', async () => {
    const out = await sh(
      machine,
      'unshare --fork --pid --mount --uts --ipc --net --user --map-root-user --mount-proc ' +
        "sh -c 'hostname inside; echo pid=$$ host=$(hostname) uid=$(id -u); readlink /proc/self/ns/pid; readlink /proc/self/ns/user'",
    );
    expect(out).toMatch(/pid=1 host=inside uid=0/);
    const outer = await sh(machine, 'readlink /proc/self/ns/pid; readlink /proc/self/ns/user; hostname');
    const inner = out.split('\n').slice(1, 3);
    expect(outer.split('\n').slice(0, 2)).not.toEqual(inner);
    expect(outer.split('\n')[2]).toBe('drydock');
  });

  it('mounts an overlay with lowerdirs on the 9p share and copies up on write', async () => {
    const enc = new TextEncoder();
    await machine.share.writeFile('/overlay-test/lower1/etc/greeting', enc.encode('hello from the lower layer\n'));
    await machine.share.writeFile('/overlay-test/lower1/bin/tool', enc.encode('#!/bin/sh\necho tool\n'), { mode: 0o755 });
    await machine.share.writeFile('/overlay-test/lower2/etc/greeting', enc.encode('shadowed\n'));
    await machine.share.writeFile('/overlay-test/lower2/only-in-lower2', enc.encode('deep\n'));
    const out = await sh(
      machine,
      `set -e
      o=/tmp/ovl; mkdir -p $o/upper $o/work $o/merged
      mount -t overlay overlay -o lowerdir=/mnt/host/overlay-test/lower1:/mnt/host/overlay-test/lower2,upperdir=$o/upper,workdir=$o/work $o/merged
      echo "type=$(stat -f -c %T $o/upper)"
      echo "before=$(cat $o/merged/etc/greeting)"
      echo "lower2=$(cat $o/merged/only-in-lower2)"
      echo "tool=$($o/merged/bin/tool)"
      echo "changed by the container" >> $o/merged/etc/greeting
      rm $o/merged/only-in-lower2
      echo "merged=$(tr '\\n' '|' < $o/merged/etc/greeting)"
      echo "upper=$(tr '\\n' '|' < $o/upper/etc/greeting)"
      echo "lower=$(cat /mnt/host/overlay-test/lower1/etc/greeting)"
      echo "whiteout=$(stat -c '%F %t:%T' $o/upper/only-in-lower2)"
      umount $o/merged`,
    );
    expect(out).toContain('type=tmpfs');
    expect(out).toContain('before=hello from the lower layer');
    expect(out).toContain('lower2=deep');
    expect(out).toContain('tool=tool');
    expect(out).toContain('merged=hello from the lower layer|changed by the container|');
    expect(out).toContain('upper=hello from the lower layer|changed by the container|');
    expect(out).toContain('lower=hello from the lower layer');
    expect(out).toContain('whiteout=character special file 0:0');
    // The share, read from JS, still has the original: the write went to the tmpfs upper layer.
    expect(text(await machine.share.readFile('/overlay-test/lower1/etc/greeting'))).toBe('hello from the lower layer\n');
    expect(machine.share.exists('/overlay-test/lower2/only-in-lower2')).toBe(true);
  });
});
