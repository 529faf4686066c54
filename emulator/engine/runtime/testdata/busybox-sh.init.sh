#!/bin/sh
# drydock runtime trace for container 3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8: inside the new namespaces, as PID 1, with the host's tools.
# $R is the container's root file system (the overlay), seen from the guest before the move below.
set -e
R=/var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/rootfs
# mount point for /proc
if [ ! -d $R/proc ]; then mkdir -p $R/proc; fi
# mounts[/proc]: proc
mount -t proc -o nosuid,noexec,nodev proc $R/proc
# mount point for /dev
if [ ! -d $R/dev ]; then mkdir -p $R/dev; fi
# mounts[/dev]: tmpfs
mount -t tmpfs -o nosuid,strictatime,mode=755,size=65536k tmpfs $R/dev
# the default devices and /dev links, copied from /run/drydock/dev-skeleton (one process instead of eleven)
cp -a /run/drydock/dev-skeleton/. $R/dev/
# mount point for /dev/pts
if [ ! -d $R/dev/pts ]; then mkdir -p $R/dev/pts; fi
# mounts[/dev/pts]: devpts
mount -t devpts -o nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5 devpts $R/dev/pts
# mount point for /sys
if [ ! -d $R/sys ]; then mkdir -p $R/sys; fi
# mounts[/sys]: sysfs
mount -t sysfs -o nosuid,noexec,nodev,ro sysfs $R/sys
# mount point for /sys/fs/cgroup
if [ ! -d $R/sys/fs/cgroup ]; then mkdir -p $R/sys/fs/cgroup; fi
# mounts[/sys/fs/cgroup]: cgroup v2, rooted at the container's own cgroup by its cgroup namespace
mount -t cgroup2 -o ro,nosuid,noexec,nodev cgroup2 $R/sys/fs/cgroup
# mount point for /dev/mqueue
if [ ! -d $R/dev/mqueue ]; then mkdir -p $R/dev/mqueue; fi
# mounts[/dev/mqueue]: mqueue
mount -t mqueue -o nosuid,noexec,nodev mqueue $R/dev/mqueue
# mount point for /dev/shm
if [ ! -d $R/dev/shm ]; then mkdir -p $R/dev/shm; fi
# mounts[/dev/shm]: tmpfs
mount -t tmpfs -o nosuid,noexec,nodev,mode=1777,size=67108864 shm $R/dev/shm
# a bind mount needs a mount point of the same kind as its source (/var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/resolv.conf)
if [ ! -e $R/etc/resolv.conf ]; then if [ -d /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/resolv.conf ]; then mkdir -p $R/etc/resolv.conf; else [ -d $R/etc ] || mkdir -p $R/etc; : > $R/etc/resolv.conf; fi; fi
# mounts[/etc/resolv.conf]: bind /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/resolv.conf
mount --rbind /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/resolv.conf $R/etc/resolv.conf
# a bind mount needs a mount point of the same kind as its source (/var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/hostname)
if [ ! -e $R/etc/hostname ]; then if [ -d /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/hostname ]; then mkdir -p $R/etc/hostname; else [ -d $R/etc ] || mkdir -p $R/etc; : > $R/etc/hostname; fi; fi
# mounts[/etc/hostname]: bind /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/hostname
mount --rbind /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/hostname $R/etc/hostname
# a bind mount needs a mount point of the same kind as its source (/var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/hosts)
if [ ! -e $R/etc/hosts ]; then if [ -d /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/hosts ]; then mkdir -p $R/etc/hosts; else [ -d $R/etc ] || mkdir -p $R/etc; : > $R/etc/hosts; fi; fi
# mounts[/etc/hosts]: bind /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/hosts
mount --rbind /var/lib/drydock/containers/3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8/hosts $R/etc/hosts
# linux.maskedPaths /proc/asound: an empty read-only directory hides it
if [ -d $R/proc/asound ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/proc/asound; fi
# linux.maskedPaths /proc/asound: /dev/null bound over it reads as empty
if [ -f $R/proc/asound ]; then mount --bind /dev/null $R/proc/asound; fi
# linux.maskedPaths /proc/acpi: an empty read-only directory hides it
if [ -d $R/proc/acpi ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/proc/acpi; fi
# linux.maskedPaths /proc/acpi: /dev/null bound over it reads as empty
if [ -f $R/proc/acpi ]; then mount --bind /dev/null $R/proc/acpi; fi
# linux.maskedPaths /proc/interrupts: an empty read-only directory hides it
if [ -d $R/proc/interrupts ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/proc/interrupts; fi
# linux.maskedPaths /proc/interrupts: /dev/null bound over it reads as empty
if [ -f $R/proc/interrupts ]; then mount --bind /dev/null $R/proc/interrupts; fi
# linux.maskedPaths /proc/kcore: an empty read-only directory hides it
if [ -d $R/proc/kcore ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/proc/kcore; fi
# linux.maskedPaths /proc/kcore: /dev/null bound over it reads as empty
if [ -f $R/proc/kcore ]; then mount --bind /dev/null $R/proc/kcore; fi
# linux.maskedPaths /proc/keys: an empty read-only directory hides it
if [ -d $R/proc/keys ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/proc/keys; fi
# linux.maskedPaths /proc/keys: /dev/null bound over it reads as empty
if [ -f $R/proc/keys ]; then mount --bind /dev/null $R/proc/keys; fi
# linux.maskedPaths /proc/latency_stats: an empty read-only directory hides it
if [ -d $R/proc/latency_stats ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/proc/latency_stats; fi
# linux.maskedPaths /proc/latency_stats: /dev/null bound over it reads as empty
if [ -f $R/proc/latency_stats ]; then mount --bind /dev/null $R/proc/latency_stats; fi
# linux.maskedPaths /proc/timer_list: an empty read-only directory hides it
if [ -d $R/proc/timer_list ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/proc/timer_list; fi
# linux.maskedPaths /proc/timer_list: /dev/null bound over it reads as empty
if [ -f $R/proc/timer_list ]; then mount --bind /dev/null $R/proc/timer_list; fi
# linux.maskedPaths /proc/timer_stats: an empty read-only directory hides it
if [ -d $R/proc/timer_stats ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/proc/timer_stats; fi
# linux.maskedPaths /proc/timer_stats: /dev/null bound over it reads as empty
if [ -f $R/proc/timer_stats ]; then mount --bind /dev/null $R/proc/timer_stats; fi
# linux.maskedPaths /proc/sched_debug: an empty read-only directory hides it
if [ -d $R/proc/sched_debug ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/proc/sched_debug; fi
# linux.maskedPaths /proc/sched_debug: /dev/null bound over it reads as empty
if [ -f $R/proc/sched_debug ]; then mount --bind /dev/null $R/proc/sched_debug; fi
# linux.maskedPaths /proc/scsi: an empty read-only directory hides it
if [ -d $R/proc/scsi ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/proc/scsi; fi
# linux.maskedPaths /proc/scsi: /dev/null bound over it reads as empty
if [ -f $R/proc/scsi ]; then mount --bind /dev/null $R/proc/scsi; fi
# linux.maskedPaths /sys/firmware: an empty read-only directory hides it
if [ -d $R/sys/firmware ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/sys/firmware; fi
# linux.maskedPaths /sys/firmware: /dev/null bound over it reads as empty
if [ -f $R/sys/firmware ]; then mount --bind /dev/null $R/sys/firmware; fi
# linux.maskedPaths /sys/devices/virtual/powercap: an empty read-only directory hides it
if [ -d $R/sys/devices/virtual/powercap ]; then mount -t tmpfs -o ro,size=0 tmpfs $R/sys/devices/virtual/powercap; fi
# linux.maskedPaths /sys/devices/virtual/powercap: /dev/null bound over it reads as empty
if [ -f $R/sys/devices/virtual/powercap ]; then mount --bind /dev/null $R/sys/devices/virtual/powercap; fi
# linux.readonlyPaths /proc/bus: bound onto itself...
if [ -e $R/proc/bus ]; then mount --bind $R/proc/bus $R/proc/bus; fi
# ...then remounted read-only
if [ -e $R/proc/bus ]; then mount -o remount,bind,ro $R/proc/bus; fi
# linux.readonlyPaths /proc/fs: bound onto itself...
if [ -e $R/proc/fs ]; then mount --bind $R/proc/fs $R/proc/fs; fi
# ...then remounted read-only
if [ -e $R/proc/fs ]; then mount -o remount,bind,ro $R/proc/fs; fi
# linux.readonlyPaths /proc/irq: bound onto itself...
if [ -e $R/proc/irq ]; then mount --bind $R/proc/irq $R/proc/irq; fi
# ...then remounted read-only
if [ -e $R/proc/irq ]; then mount -o remount,bind,ro $R/proc/irq; fi
# linux.readonlyPaths /proc/sys: bound onto itself...
if [ -e $R/proc/sys ]; then mount --bind $R/proc/sys $R/proc/sys; fi
# ...then remounted read-only
if [ -e $R/proc/sys ]; then mount -o remount,bind,ro $R/proc/sys; fi
# linux.readonlyPaths /proc/sysrq-trigger: bound onto itself...
if [ -e $R/proc/sysrq-trigger ]; then mount --bind $R/proc/sysrq-trigger $R/proc/sysrq-trigger; fi
# ...then remounted read-only
if [ -e $R/proc/sysrq-trigger ]; then mount -o remount,bind,ro $R/proc/sysrq-trigger; fi
# hostname, in the container's own UTS namespace (what hostname(1) writes, without starting it)
echo 3f2a9c1b7d4e > /proc/sys/kernel/hostname
# a new network namespace has only a loopback device, and it starts down
ip link set lo up
# the new root
cd $R
# not pivot_root: the guest's / is the initramfs, which has no parent mount, so pivot_root(2) says EINVAL (even for a bind-mounted overlay in a new mount namespace). The overlay is moved over / and entered with chroot below; ".." from it leads back to itself
mount --move . /
# drop capabilities to process.capabilities.bounding, chroot, set uid, gid and groups, and exec process.args with process.env only; process.oomScoreAdj 0 (the agent that started it runs at -1000, which children inherit); process.terminal: drydock-init opens a pty from this /dev/pts (so the process sees /dev/pts/0), makes it the controlling terminal of a new session and its stdin, stdout and stderr, and sends the master to the agent (runc's console socket); this shell line keeps the stdio it has; linux.seccomp: Docker's default profile, compiled to a BPF program of 369 instructions (/run/drydock/bpf-seccomp-028ebb60467c45a4.bin) that drydock-init loads last before setuid (system calls it does not allow fail with EPERM: mount, unshare, setns, keyctl...; clone with namespace flags too). No tool in the guest loads a seccomp filter, so this shell line runs unfiltered
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOSTNAME=3f2a9c1b7d4e TERM=xterm HOME=/root /usr/bin/setpriv --regid=0 --groups=0,10 --bounding-set -all,+chown,+dac_override,+fsetid,+fowner,+mknod,+net_raw,+setgid,+setuid,+setfcap,+setpcap,+net_bind_service,+sys_chroot,+kill,+audit_write /usr/bin/unshare --root=. --wd=/ --setuid=0 -- sh
