#!/usr/bin/env bash
# Builds the drydock guest (BIOS, kernel, initramfs, manifest) into public/guest/ from Debian bookworm packages.
# Usage: npm run guest:build   (or: bash emulator/guest/build.sh)
# Cached under emulator/guest/.build/; an unchanged rebuild takes seconds.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/public/guest
build=$here/.build
mkdir -p "$build" "$out"

# Reproducibility: everything that ends up in an output is pinned here.
export SOURCE_DATE_EPOCH=0
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 1970'
export KBUILD_BUILD_USER=drydock
export KBUILD_BUILD_HOST=drydock
export KBUILD_BUILD_VERSION=1
export LC_ALL=C TZ=UTC

# tsc=reliable: v86's TSC is the host's monotonic clock; without it the clocksource
# watchdog declares it unstable whenever the host is busy and falls back to the slow PIT.
kernel_cmdline='console=ttyS0 quiet loglevel=3 mitigations=off tsc=reliable'
memory_mib=256
initrd_name=initramfs.cpio.gz

log() { printf '\033[1m[guest]\033[0m %s\n' "$*" >&2; }

# ---------------------------------------------------------------- build deps
host_pkgs=(linux-source-6.1 seabios gcc-multilib libc6-dev-i386 make gcc flex bison
  libelf-dev libssl-dev bc cpio xz-utils perl python3 util-linux iproute2)
ensure_deps() {
  local missing=()
  for p in "${host_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if ! dpkg --print-foreign-architectures | grep -qx i386; then
    dpkg --add-architecture i386
    missing+=(--update-needed)
  fi
  if ((${#missing[@]})); then
    log "installing build dependencies: ${missing[*]}"
    # A mirror mid-sync can fail one index; the packages we need are usually still there.
    apt-get update || log 'apt-get update reported errors; trying anyway'
    local pkgs=()
    for p in "${missing[@]}"; do [[ $p == --* ]] || pkgs+=("$p"); done
    if ((${#pkgs[@]})); then
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}"
    fi
  fi
}
ensure_deps

pkg_version() { dpkg-query -W -f='${Version}' "$1"; }
linux_version=$(pkg_version linux-source-6.1)
seabios_version=$(pkg_version seabios)

# busybox comes as an i386 .deb that we unpack, not install (the host keeps its own). It comes from trixie:
# bookworm's 1.35 is built without FEATURE_WGET_TIMEOUT and segfaults on `wget -T 5`; trixie's 1.37 does not.
# The busybox image takes the same package (emulator/image-build/packages.ts, FROM_SUITE).
busybox_suite=trixie
fetch_deb() { # name:arch [suite] -> path of the cached .deb (bookworm unless a suite is named)
  local spec=$1 suite=${2:-} ver apt=()
  [[ -z $suite ]] || apt=("$repo/emulator/apt-suite.sh" "$suite")
  ver=$("${apt[@]}" apt-cache policy "$spec" | awk '/Candidate:/ {print $2}')
  [[ -n $ver && $ver != '(none)' ]] || { log "no ${suite:-bookworm} candidate for $spec"; exit 1; }
  local dir=$build/debs/${spec/:/_}/$ver
  if ! ls "$dir"/*.deb >/dev/null 2>&1; then
    mkdir -p "$dir"
    (cd "$dir" && "${apt[@]}" apt-get download "$spec=$ver" >&2 2>/dev/null)
  fi
  ls "$dir"/*.deb | head -n1
}
busybox_deb=$(fetch_deb busybox-static:i386 "$busybox_suite")
busybox_version=$(dpkg-deb -f "$busybox_deb" Version)

# ---------------------------------------------------------------- BIOS
# SeaBIOS's plain bios.bin and the stdvga VGA BIOS are what v86 boots with.
install -m 0644 /usr/share/seabios/bios.bin "$out/bios.bin"
install -m 0644 /usr/share/seabios/vgabios-stdvga.bin "$out/vgabios.bin"

# ---------------------------------------------------------------- kernel
# Cache key: the fragment, the source package version and this script's kernel recipe.
kernel_recipe_version=1
kernel_key=$( { cat "$here/kernel.config"; echo "$linux_version $kernel_recipe_version"; } | sha256sum | cut -c1-16)
kernel_cache=$build/kernel-$kernel_key
build_kernel() {
  local src=$build/linux-source-6.1 obj=$build/kobj
  if [[ ! -f $src/.drydock-version || $(cat "$src/.drydock-version") != "$linux_version" ]]; then
    log "unpacking linux-source $linux_version"
    rm -rf "$src"
    tar -C "$build" -xf /usr/src/linux-source-6.1.tar.xz
    echo "$linux_version" >"$src/.drydock-version"
  fi
  mkdir -p "$obj"
  rm -f "$obj/.config"
  make -s -C "$src" O="$obj" ARCH=i386 tinyconfig >/dev/null
  (cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m .config "$here/kernel.config" >/dev/null)
  make -s -C "$src" O="$obj" ARCH=i386 olddefconfig >/dev/null

  # Kconfig silently drops options whose dependencies are missing: refuse that.
  local bad=0 line name
  while IFS= read -r line; do
    case $line in
      CONFIG_*=*)
        grep -qxF -- "$line" "$obj/.config" || { log "kernel option did not stick: $line"; bad=1; } ;;
      '# CONFIG_'*' is not set')
        name=${line#\# }; name=${name%% *}
        if grep -q "^$name=" "$obj/.config"; then log "kernel option forced on: $name"; bad=1; fi ;;
    esac
  done <"$here/kernel.config"
  ((bad == 0)) || { log 'kernel.config is not satisfiable as written'; exit 1; }

  log "building Linux $linux_version bzImage (a few minutes)"
  local t0=$SECONDS
  make -s -C "$src" O="$obj" ARCH=i386 -j2 bzImage
  log "kernel built in $((SECONDS - t0)) s"
  local tmp=$kernel_cache.tmp
  rm -rf "$tmp" && mkdir -p "$tmp"
  cp "$obj/arch/x86/boot/bzImage" "$obj/.config" "$tmp/"
  make -s -C "$src" O="$obj" ARCH=i386 kernelrelease >"$tmp/release"
  # gen_init_cpio writes a cpio from a text list, with fixed owners and mtimes.
  gcc -O2 -o "$tmp/gen_init_cpio" "$src/usr/gen_init_cpio.c"
  rm -rf "$kernel_cache" && mv "$tmp" "$kernel_cache"
}
if [[ ! -f $kernel_cache/bzImage ]]; then build_kernel; else log "kernel cached ($kernel_key)"; fi
install -m 0644 "$kernel_cache/bzImage" "$out/bzImage"
kernel_release=$(cat "$kernel_cache/release")

# ---------------------------------------------------------------- agent
agent_sources=("$here/agent/agent.c" "$here/runtime/drydock-init.c" "$here/runtime/net-steps.c" "$here/runtime/docker-init.c"
  "$here/network/dns-server.c" "$here/network/docker-proxy.c")
agent_cflags=(-static -Os -Wall -Wextra -Werror -std=gnu11 -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64)
log 'compiling the agent'
gcc -m32 "${agent_cflags[@]}" -o "$build/drydock-agent" "${agent_sources[@]}"
strip --strip-all "$build/drydock-agent"
# The checks below run the agent, and the initramfs steps run busybox and check binaries in a chroot, on this
# machine. A host kernel without IA32 emulation (some VMs) cannot execute i386 binaries: there Debian's
# qemu-user-static runs them, registered with binfmt_misc (flag F: the interpreter is opened now, so it works
# inside the chroot too). Debian registers no qemu-i386 handler on amd64, as it expects the kernel to run i386.
checked_agent=$build/drydock-agent
printf 'int main(void) { return 0; }\n' | gcc -m32 -static -x c -o "$build/i386-probe" -
if ! "$build/i386-probe" 2>/dev/null; then
  log 'this kernel cannot run i386 binaries: registering qemu-i386-static with binfmt_misc'
  dpkg-query -W -f='${Status}' qemu-user-static 2>/dev/null | grep -q 'ok installed' ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-user-static >/dev/null
  [[ -e /proc/sys/fs/binfmt_misc/register ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  [[ -e /proc/sys/fs/binfmt_misc/drydock-i386 ]] ||
    printf '%s' ':drydock-i386:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-i386-static:F' >/proc/sys/fs/binfmt_misc/register
  "$build/i386-probe" || { log 'i386 binaries still do not run'; exit 1; }
fi
if [[ -e /proc/sys/fs/binfmt_misc/drydock-i386 ]]; then
  # The agent's checks measure it (memory, round trips): under an emulator they would measure qemu, so they check
  # the same sources built for the host (the i386 binary itself runs in the guest in the integration tests).
  log 'checking a host-architecture build of the agent'
  checked_agent=$build/drydock-agent-host
  gcc "${agent_cflags[@]}" -o "$checked_agent" "${agent_sources[@]}"
fi
log 'checking drydock-init (natively)'
bash "$here/runtime/check-init.sh" "$checked_agent"
# The docker shim's relay, run natively: agent on a pty, `docker` on its socket, a script as the host.
# A private mount namespace keeps the agent's /run/drydock/engine.sock off this machine's /run.
log 'checking the docker shim relay (natively)'
unshare -m python3 "$here/agent/check-shim.py" "$checked_agent" "$build"

# ---------------------------------------------------------------- initramfs
root=$build/rootfs
rm -rf "$root" && mkdir -p "$root"
for d in bin sbin usr/bin usr/sbin etc etc/init.d root proc sys dev run tmp mnt/host var/tmp; do
  mkdir -p "$root/$d"
done

# busybox and one symlink per applet, at the path busybox itself reports.
bb=$build/busybox-x
rm -rf "$bb" && dpkg-deb -x "$busybox_deb" "$bb"
install -m 0755 "$bb/usr/bin/busybox" "$root/bin/busybox"
applets=$("$bb/usr/bin/busybox" --list-full 2>/dev/null || true)
if [[ -z $applets ]]; then
  log 'cannot run the i386 busybox on this host (no ia32 support?)'
  exit 1
fi
while IFS= read -r a; do
  [[ $a == bin/busybox || -e $root/$a ]] && continue
  mkdir -p "$root/$(dirname "$a")"
  ln -s /bin/busybox "$root/$a"
done <<<"$applets"

install -m 0755 "$build/drydock-agent" "$root/sbin/drydock-agent"
# Files kept as files in the tree: init, profile, passwd, group...
cp -a "$here/rootfs/." "$root/"

# ---- Extra files: later features (container runtime, docker shim...) add
# their guest files here, e.g. `install -m 0755 "$build/shim" "$root/usr/bin/docker"`.
add_extra_files() {
  # The docker shim is the agent binary called as `docker` (agent.c: shim_main).
  ln -s /sbin/drydock-agent "$root/usr/bin/docker"
  # The container runtime's step runner (runtime/drydock-init.c) is the agent binary under another name too,
  # and so are the embedded DNS server and dockerd's userland proxy (network/).
  ln -s drydock-agent "$root/sbin/drydock-init"
  ln -s drydock-agent "$root/sbin/drydock-dns"
  ln -s /sbin/drydock-agent "$root/usr/bin/docker-proxy"
  add_runtime_tools
  add_iptables
}

# The container runtime's steps (emulator/engine/runtime/) must be replayable by hand with standard
# tools: util-linux's unshare, nsenter and setpriv (busybox's setpriv cannot drop the capability
# bounding set) replace busybox's applets, and Debian's crun runs the same OCI bundles as a
# cross-check. They are dynamically linked i386 binaries: the .debs are unpacked (not installed) and
# each binary's DT_NEEDED libraries are copied, recursively, with the i386 loader.
runtime_pkgs=(util-linux libc6 libcap-ng0 libselinux1 libpcre2-8-0)
runtime_bins=(usr/bin/unshare usr/bin/nsenter usr/bin/setpriv)
# Networking (emulator/engine/network/README.md): iptables with the legacy backend, as the kernel has it and the
# network driver programs it, one xtables-legacy-multi for iptables, iptables-save and iptables-restore; and
# iproute2's ip and bridge, because the containers' network steps are replayable `ip` lines (busybox's ip can
# neither name a veth's peer nor put it in another namespace) and the lessons show `ip addr`, `bridge link`.
runtime_pkgs+=(iptables libxtables12 libip4tc2 libip6tc2 iproute2 libbpf1 libelf1 zlib1g libmnl0 libbsd0 libmd0 libcap2)
runtime_bins+=(usr/sbin/xtables-legacy-multi bin/ip sbin/bridge)
# The extensions dockerd's rules use (and -m state, -m comment, -j REJECT, which lessons may type); each is
# dlopen()ed by name from the xtables directory.
xtables_extensions=(libxt_standard libxt_NAT libxt_addrtype libxt_conntrack libxt_tcp libxt_udp libipt_icmp
  libxt_comment libxt_multiport libxt_mark libipt_REJECT)
xtables_links=(libxt_DNAT:libxt_NAT libxt_SNAT:libxt_NAT libxt_MASQUERADE:libxt_NAT libxt_REDIRECT:libxt_NAT
  libxt_state:libxt_conntrack)
# crun and its libraries (libsystemd, libgcrypt...) add ~2 MB to the gzipped initramfs and ~2.5 MB to
# the snapshot every visitor downloads, for a cross-check: opt in with DRYDOCK_GUEST_CRUN=1.
if [[ ${DRYDOCK_GUEST_CRUN:-0} == 1 ]]; then
  runtime_pkgs+=(crun libsystemd0 libseccomp2 libcap2 libyajl2 liblz4-1 liblzma5 libzstd1 libgcrypt20 libgpg-error0)
  runtime_bins+=(usr/bin/crun)
fi
add_runtime_tools() {
  local x=$build/runtime-x p
  rm -rf "$x" && mkdir -p "$x"
  for p in "${runtime_pkgs[@]}"; do dpkg-deb -x "$(fetch_deb "$p:i386")" "$x"; done
  local libdir=lib/i386-linux-gnu
  mkdir -p "$root/$libdir"
  # The loader the binaries name in PT_INTERP, and glibc itself.
  install -m 0755 "$(readlink -f "$x/$libdir/ld-linux.so.2")" "$root/$libdir/ld-linux.so.2"
  ln -s i386-linux-gnu/ld-linux.so.2 "$root/lib/ld-linux.so.2"
  local queue=() b lib found d
  for b in "${runtime_bins[@]}"; do
    # busybox's applet symlinks of the same name, wherever busybox put them
    rm -f "$root/bin/${b##*/}" "$root/sbin/${b##*/}" "$root/usr/bin/${b##*/}" "$root/usr/sbin/${b##*/}"
    install -m 0755 "$x/$b" "$root/$b"
    queue+=("$root/$b")
  done
  while ((${#queue[@]})); do
    b=${queue[0]} && queue=("${queue[@]:1}")
    for lib in $(objdump -p "$b" | awk '/NEEDED/ {print $2}'); do
      [[ -e $root/$libdir/$lib ]] && continue
      found=
      for d in "$x/$libdir" "$x/usr/$libdir"; do
        [[ -e $d/$lib ]] && found=$(readlink -f "$d/$lib") && break
      done
      [[ -n $found ]] || { log "runtime tools: $lib (needed by ${b#"$root"/}) is in none of: ${runtime_pkgs[*]}"; exit 1; }
      install -m 0755 "$found" "$root/$libdir/$lib"
      queue+=("$root/$libdir/$lib")
    done
  done
  # Each tool must resolve in the guest's layout, from the guest's own libraries (the loader's
  # --list, not --version: crun re-executes itself through /proc, which this chroot lacks).
  for b in "${runtime_bins[@]}"; do
    if ! chroot "$root" /lib/ld-linux.so.2 --list "/$b" >"$x/list" || grep -q 'not found' "$x/list"; then
      log "runtime tools: /$b does not load in the initramfs tree" && cat "$x/list" >&2 && exit 1
    fi
  done
  chroot "$root" /usr/bin/unshare --version >/dev/null
  log "runtime tools: $(du -sk "$root/$libdir" | cut -f1) KiB of libraries for ${runtime_bins[*]}"
}

# iptables as Debian's alternatives name it, all the legacy backend's one binary; the extensions dockerd's rules need.
add_iptables() {
  local x=$build/runtime-x xt=usr/lib/i386-linux-gnu/xtables e name
  for name in iptables iptables-save iptables-restore iptables-legacy iptables-legacy-save iptables-legacy-restore; do
    ln -s xtables-legacy-multi "$root/usr/sbin/$name"
  done
  mkdir -p "$root/$xt"
  for e in "${xtables_extensions[@]}"; do install -m 0644 "$x/$xt/$e.so" "$root/$xt/$e.so"; done
  for e in "${xtables_links[@]}"; do ln -s "${e#*:}.so" "$root/$xt/${e%%:*}.so"; done
  chroot "$root" /usr/sbin/iptables --version >/dev/null
  chroot "$root" /bin/ip -V >/dev/null
}
add_extra_files

# Normalise permissions so the checkout's umask does not change the image.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod go-w,u+w {} +
chmod 0755 "$root/init"
chmod 0700 "$root/root"
chmod 1777 "$root/tmp" "$root/var/tmp"
# gen_init_cpio copies a regular file's own mtime (-t only covers the other entries).
find "$root" -exec touch -h -d @0 {} +

# A sorted list for gen_init_cpio: owners 0:0, mtime 0, device nodes without root.
cpio_list=$build/initramfs.list
{
  echo 'nod /dev/console 0600 0 0 c 5 1'
  (cd "$root" && find . -mindepth 1 | sed 's|^\./||' | sort) | while IFS= read -r p; do
    f=$root/$p
    mode=$(stat -c '%a' "$f")
    if [[ -L $f ]]; then
      echo "slink /$p $(readlink "$f") 0777 0 0"
    elif [[ -d $f ]]; then
      echo "dir /$p $mode 0 0"
    else
      echo "file /$p $f $mode 0 0"
    fi
  done
} >"$cpio_list"
"$kernel_cache/gen_init_cpio" -t 0 "$cpio_list" | gzip -n -9 >"$out/$initrd_name"

# ---------------------------------------------------------------- manifest
v86_version=$(node -p 'require(process.argv[1]).version' "$repo/node_modules/v86/package.json" 2>/dev/null || echo unknown)
file_entry() {
  local f=$out/$1
  printf '{"name":"%s","sha256":"%s","size":%d}' "$1" "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")"
}
{
  printf '{\n'
  printf '  "files": [\n    %s,\n    %s,\n    %s,\n    %s\n  ],\n' \
    "$(file_entry bios.bin)" "$(file_entry vgabios.bin)" "$(file_entry bzImage)" "$(file_entry "$initrd_name")"
  printf '  "bios": "bios.bin",\n  "vgaBios": "vgabios.bin",\n  "kernel": "bzImage",\n  "initrd": "%s",\n' "$initrd_name"
  printf '  "kernelRelease": "%s",\n' "$kernel_release"
  printf '  "cmdline": "%s",\n' "$kernel_cmdline"
  printf '  "memoryMiB": %d,\n' "$memory_mib"
  printf '  "serial": {"console": "ttyS0", "agent": "virtio-1"},\n'
  printf '  "share9pTag": "host9p",\n  "share9pMount": "/mnt/host",\n'
  printf '  "v86": "%s",\n' "$v86_version"
  printf '  "debian": {"suite": "bookworm", "linux-source-6.1": "%s", "seabios": "%s", "busybox-static:i386": "%s (%s)", "libc6-dev-i386": "%s"}\n' \
    "$linux_version" "$seabios_version" "$busybox_version" "$busybox_suite" "$(pkg_version libc6-dev-i386)"
  printf '}\n'
} >"$out/manifest.json"

log "done: $(cd "$out" && ls -l bios.bin vgabios.bin bzImage "$initrd_name" manifest.json | awk '{print $5, $9}' | tr '\n' ' ')"
sha256sum "$out/$initrd_name" "$out/bzImage" >&2
