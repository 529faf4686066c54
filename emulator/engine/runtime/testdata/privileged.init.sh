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
mount -t sysfs -o nosuid,noexec,nodev sysfs $R/sys
# mount point for /sys/fs/cgroup
if [ ! -d $R/sys/fs/cgroup ]; then mkdir -p $R/sys/fs/cgroup; fi
# mounts[/sys/fs/cgroup]: cgroup v2, rooted at the container's own cgroup by its cgroup namespace
mount -t cgroup2 -o nosuid,noexec,nodev cgroup2 $R/sys/fs/cgroup
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
# hostname, in the container's own UTS namespace (what hostname(1) writes, without starting it)
echo 3f2a9c1b7d4e > /proc/sys/kernel/hostname
# a new network namespace has only a loopback device, and it starts down
ip link set lo up
# the new root
cd $R
# not pivot_root: the guest's / is the initramfs, which has no parent mount, so pivot_root(2) says EINVAL (even for a bind-mounted overlay in a new mount namespace). The overlay is moved over / and entered with chroot below; ".." from it leads back to itself
mount --move . /
# drop capabilities to process.capabilities.bounding, chroot, set uid, gid and groups, and exec process.args with process.env only; process.oomScoreAdj 0 (the agent that started it runs at -1000, which children inherit)
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOSTNAME=3f2a9c1b7d4e HOME=/root /usr/bin/setpriv --regid=0 --groups=0,10 --bounding-set -all,+chown,+dac_override,+dac_read_search,+fowner,+fsetid,+kill,+setgid,+setuid,+setpcap,+linux_immutable,+net_bind_service,+net_broadcast,+net_admin,+net_raw,+ipc_lock,+ipc_owner,+sys_module,+sys_rawio,+sys_chroot,+sys_ptrace,+sys_pacct,+sys_admin,+sys_boot,+sys_nice,+sys_resource,+sys_time,+sys_tty_config,+mknod,+lease,+audit_write,+audit_control,+setfcap,+mac_override,+mac_admin,+syslog,+wake_alarm,+block_suspend,+audit_read,+perfmon,+bpf,+checkpoint_restore /usr/bin/unshare --root=. --wd=/ --setuid=0 -- sh
