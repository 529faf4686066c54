#!/bin/sh
# drydock runtime trace for container 3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8: create, start (delete at the end, commented out)
# Generated from config.json (OCI runtime spec) by emulator/engine/runtime/lower.ts.
set -e
# drydock runs the same steps with one program, /sbin/drydock-init, from the bundle's `steps` file (a line
# there for each step here); this file replays them with standard tools, one process per step.

# ---- create
# the BPF programs below, written by the engine once per boot (exit 3 when one is missing: the engine writes it and runs create again)
ls /run/drydock/bpf-devices-828a367c0584c9f6.bin /run/drydock/bpf-seccomp-028ebb60467c45a4.bin
# nodes for containers' /dev, made once per boot
if [ ! -d /run/drydock/dev-skeleton ]; then mkdir -p /run/drydock/dev-skeleton; fi
# /dev/null: a default device (runtime-spec config-linux.md); the host's /dev stays out of reach
if [ ! -e /run/drydock/dev-skeleton/null ]; then mknod -m 666 /run/drydock/dev-skeleton/null c 1 3; fi
# /dev/zero: a default device (runtime-spec config-linux.md); the host's /dev stays out of reach
if [ ! -e /run/drydock/dev-skeleton/zero ]; then mknod -m 666 /run/drydock/dev-skeleton/zero c 1 5; fi
# /dev/full: a default device (runtime-spec config-linux.md); the host's /dev stays out of reach
if [ ! -e /run/drydock/dev-skeleton/full ]; then mknod -m 666 /run/drydock/dev-skeleton/full c 1 7; fi
# /dev/random: a default device (runtime-spec config-linux.md); the host's /dev stays out of reach
if [ ! -e /run/drydock/dev-skeleton/random ]; then mknod -m 666 /run/drydock/dev-skeleton/random c 1 8; fi
# /dev/urandom: a default device (runtime-spec config-linux.md); the host's /dev stays out of reach
if [ ! -e /run/drydock/dev-skeleton/urandom ]; then mknod -m 666 /run/drydock/dev-skeleton/urandom c 1 9; fi
# /dev/tty: a default device (runtime-spec config-linux.md); the host's /dev stays out of reach
if [ ! -e /run/drydock/dev-skeleton/tty ]; then mknod -m 666 /run/drydock/dev-skeleton/tty c 5 0; fi
# /dev/fd -> /proc/self/fd, as runtimes link it
if [ ! -L /run/drydock/dev-skeleton/fd ]; then ln -s /proc/self/fd /run/drydock/dev-skeleton/fd; fi
# /dev/stdin -> /proc/self/fd/0, as runtimes link it
if [ ! -L /run/drydock/dev-skeleton/stdin ]; then ln -s /proc/self/fd/0 /run/drydock/dev-skeleton/stdin; fi
# /dev/stdout -> /proc/self/fd/1, as runtimes link it
if [ ! -L /run/drydock/dev-skeleton/stdout ]; then ln -s /proc/self/fd/1 /run/drydock/dev-skeleton/stdout; fi
# /dev/stderr -> /proc/self/fd/2, as runtimes link it
if [ ! -L /run/drydock/dev-skeleton/stderr ]; then ln -s /proc/self/fd/2 /run/drydock/dev-skeleton/stderr; fi
# /dev/ptmx -> pts/ptmx, as runtimes link it
if [ ! -L /run/drydock/dev-skeleton/ptmx ]; then ln -s pts/ptmx /run/drydock/dev-skeleton/ptmx; fi
# the bundle; the container's cgroup (every process it starts is counted and limited there); overlayfs upper (the container's writes) and work dirs on guest tmpfs, and the mount point
mkdir -p /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8 /sys/fs/cgroup/drydock/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8 /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/upper /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/work /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/rootfs
# drydock-init writes PID 1's host pid here once it runs process.args: none from an earlier start may be read
rm -f /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/pid
# cgroup v2 hands controllers down one level at a time: enable them for the containers below drydock/
echo '+cpu +memory +pids' > /sys/fs/cgroup/drydock/cgroup.subtree_control
# containers together get 1/10 of the CPU weight of the agent and the learner's shell, so a busy loop cannot starve them
echo 10 > /sys/fs/cgroup/drydock/cpu.weight
# linux.resources.devices, enforced as runc does on cgroup v2: an eBPF program (cgroup/dev, 99 instructions, in /run/drydock/bpf-devices-828a367c0584c9f6.bin) attached to the cgroup is asked on every open and mknod of a device node; the last matching rule decides, anything else is EPERM. deny a *:* rwm; allow c 1:5 rwm (/dev/zero); allow c 1:3 rwm (/dev/null); allow c 1:9 rwm (/dev/urandom); allow c 1:8 rwm (/dev/random); allow c 5:0 rwm (/dev/tty); allow c 5:1 rwm (/dev/console); deny c 10:229 rwm (/dev/fuse); allow c *:* m; allow b *:* m; allow c 1:7 rwm (/dev/full); allow c 136:* rwm (/dev/pts/*); allow c 5:2 rwm (/dev/ptmx)
: no busybox or util-linux tool loads a device program: bpftool would, with prog load ... type cgroup/dev and cgroup attach /sys/fs/cgroup/drydock/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8 device
# the root file system: image layers (read-only, on the 9p share) under a writable upper dir
mount -t overlay overlay -o lowerdir=/mnt/host/layers/2222222222222222222222222222222222222222222222222222222222222222:/mnt/host/layers/1111111111111111111111111111111111111111111111111111111111111111,upperdir=/var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/upper,workdir=/var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/work /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/rootfs

# ---- start: the container's first process. It enters the cgroup, unshare creates the namespaces, and
# its shell forks init.sh as PID 1 of the new PID namespace; init.sh ends by exec-ing process.args.
# init.sh starts with the container's network: a veth pair per network, its address and route.
sh -c 'echo $$ > /sys/fs/cgroup/drydock/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/cgroup.procs && exec "$@"' drydock-enter /usr/bin/unshare --mount --net --uts --pid --ipc --cgroup -- sh -c '"$@"; exit $?' drydock-pid1 sh -e /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/init.sh

# ---- delete (run after the container has exited)
# SIGKILL every process still in the cgroup, forks included
#   if [ -e /sys/fs/cgroup/drydock/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/cgroup.kill ]; then echo 1 > /sys/fs/cgroup/drydock/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/cgroup.kill; fi
# wait until the cgroup is empty: its namespaces and their mounts go with the last process
#   if [ -e /sys/fs/cgroup/drydock/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/cgroup.events ]; then while p=; while read -r k v; do [ "$k" = populated ] && p=$v; done < /sys/fs/cgroup/drydock/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/cgroup.events; [ "$p" = 1 ]; do sleep 0.01; done; fi
# the overlay mount in the host's mount namespace, detached as Docker's overlay2 does: a process still inside it cannot keep the container from being removed
#   if m=; while read -r d t r; do [ "$t" = /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/rootfs ] && m=1; done < /proc/mounts; [ -n "$m" ]; then umount -l /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/rootfs; fi
# an empty cgroup is removed with rmdir
#   if [ -d /sys/fs/cgroup/drydock/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8 ]; then rmdir /sys/fs/cgroup/drydock/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8; fi
# the veth pair of network bridge (the kernel also drops it with the container's namespace, later)
#   if [ -e /sys/class/net/veth1a2b3c4 ]; then /bin/ip link del veth1a2b3c4; fi
# forget the connections of 172.17.0.2 (conntrack -D with conntrack-tools, which the guest does not have): a stale entry would send a reused address's or port's packets where they went before
#   /sbin/drydock-init -c 'conntrack-flush 172.17.0.2'
# the container's writes (upper), overlay work dir, mount point and bundle
#   rm -rf /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/upper /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/work /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/rootfs /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8
