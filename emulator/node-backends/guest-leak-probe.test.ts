// The leak report's wording and tolerances, on hand-made readings (the real readings come from the soak test).
import { describe, expect, it } from 'vitest';
import { guestLeaks, listDiff, waitForDyingCgroups, type GuestShell, type GuestState, type LeakTolerance } from './guest-leak-probe.ts';

const tolerance: LeakTolerance = { memAvailableKb: 2048, slabKb: 512, shmemKb: 256, fileHandles: 4, dyingCgroups: 0 };

function reading(over: Partial<GuestState> = {}): GuestState {
  return {
    mounts: ['rootfs / rootfs rw 0 0', 'host9p /mnt/host 9p rw 0 0'],
    cgroups: [],
    dyingCgroups: 0,
    files: ['directory 40 /var/lib/drydock/containers'],
    fileBytes: 0,
    meminfo: { MemAvailable: 224_000, Slab: 1200, Shmem: 6300 },
    fileHandles: 32,
    processes: ['/sbin/drydock-agent /dev/vport2p1', 'sh -l'],
    kernelThreads: 25,
    agentPid: 42,
    agentFds: ['0 -> /dev/null', '3 -> /dev/vport2p1'],
    links: ['eth0', 'lo'],
    iptables: ['*nat', ':PREROUTING ACCEPT [0:0]', 'COMMIT'],
    conntrack: ['ipv4 2 tcp 6  TIME_WAIT src=192.168.86.1 dst=192.168.86.100 sport=1 dport=8080 [ASSURED] use=2'],
    ...over,
  };
}

describe('listDiff', () => {
  it('names lines only before (-) and only after (+), counting repeats', () => {
    expect(listDiff(['a', 'b', 'b'], ['b', 'c', 'c'])).toEqual(['- a', '- b', '+ c', '+ c']);
    expect(listDiff(['x', 'y'], ['y', 'x'])).toEqual([]);
  });
});

describe('guestLeaks', () => {
  it('is empty for equal readings and for memory moves inside the tolerance', () => {
    expect(guestLeaks(reading(), reading({ meminfo: { MemAvailable: 222_000, Slab: 1700, Shmem: 6500 }, fileHandles: 36 }), tolerance)).toEqual([]);
  });

  it('says which mount, cgroup, file, process and fd were left, and by how much memory grew', () => {
    const id = 'c0ffee';
    const after = reading({
      mounts: [...reading().mounts, `overlay /var/lib/drydock/containers/${id}/rootfs overlay rw 0 0`],
      cgroups: [`/sys/fs/cgroup/drydock/${id}`],
      files: [...reading().files, `directory 100 /var/lib/drydock/containers/${id}`],
      processes: [...reading().processes, 'sleep 100'],
      agentFds: [...reading().agentFds, '7 -> pipe'],
      meminfo: { MemAvailable: 220_000, Slab: 1200, Shmem: 6300 },
      dyingCgroups: 3,
    });
    expect(guestLeaks(reading(), after, tolerance)).toEqual([
      `mounts (/proc/mounts):\n  + overlay /var/lib/drydock/containers/${id}/rootfs overlay rw 0 0`,
      `cgroups (/sys/fs/cgroup/drydock):\n  + /sys/fs/cgroup/drydock/${id}`,
      `files (/var/lib/drydock, /run/drydock, /tmp, /mnt/host):\n  + directory 100 /var/lib/drydock/containers/${id}`,
      'user processes:\n  + sleep 100',
      'agent fds (pid 42):\n  + 7 -> pipe',
      'MemAvailable fell 4000 kB (224000 -> 220000 kB; tolerance 2048 kB)',
      'dying cgroups grew 3 (0 -> 3; tolerance 0)',
    ]);
  });

  it('says which veth, rule and connection a container\'s network left; a connection that expired is no leak', () => {
    const after = reading({
      links: ['docker0', 'eth0', 'lo', 'veth1a2b3c4 master=docker0'],
      iptables: ['*nat', ':PREROUTING ACCEPT [0:0]', '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80', 'COMMIT'],
      conntrack: ['ipv4 2 udp 17  src=172.17.0.2 dst=192.168.86.1 sport=5 dport=53 [UNREPLIED] use=2'],
    });
    expect(guestLeaks(reading(), after, tolerance)).toEqual([
      'network devices (/sys/class/net):\n  + docker0\n  + veth1a2b3c4 master=docker0',
      'iptables rules (iptables-save):\n  + -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
      'conntrack entries (/proc/net/nf_conntrack), new ones:\n  + ipv4 2 udp 17  src=172.17.0.2 dst=192.168.86.1 sport=5 dport=53 [UNREPLIED] use=2',
    ]);
  });
});

/** A guest whose cgroup.stat says each count in turn, the last one for ever after. */
function dyingGuest(counts: number[]): GuestShell & { looks: number } {
  const g = {
    looks: 0,
    async exec() {
      const n = counts[Math.min(g.looks++, counts.length - 1)];
      return { exitCode: 0, stdout: new TextEncoder().encode(`nr_descendants 1\nnr_dying_descendants ${n}\n`), stderr: new Uint8Array() };
    },
  };
  return g;
}

describe('waitForDyingCgroups', () => {
  it('waits for the kernel to free removed cgroups, and stops looking once it has', async () => {
    const guest = dyingGuest([2, 1, 0, 5]);
    expect(await waitForDyingCgroups(guest, 0, 10_000)).toBe(0);
    expect(guest.looks).toBe(3);
  });

  it('a cgroup still held after the bound is reported, not waited for longer', async () => {
    const guest = dyingGuest([1]);
    const t = Date.now();
    expect(await waitForDyingCgroups(guest, 0, 300)).toBe(1);
    expect(Date.now() - t).toBeLessThan(2_000);
    expect(guestLeaks(reading(), reading({ dyingCgroups: 1 }), tolerance)).toEqual(['dying cgroups grew 1 (0 -> 1; tolerance 0)']);
  });
});
