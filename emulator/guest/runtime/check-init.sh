#!/usr/bin/env bash
# Runs drydock-init natively on a small steps file in private namespaces: mounts, nodes, fork + exit status, exec
# with a dropped bounding set. Usage: check-init.sh <agent binary> (build.sh runs it after compiling).
set -euo pipefail
bin=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
ln -s "$(readlink -f "$bin")" "$t/drydock-init"
cat >"$t/steps" <<STEPS
# a comment
T=$t
[create]
mkdir $t/root/bin $t/skel $t/a%20b
? !-e $t/skel/null mknod $t/skel/null 666 c 1 3
symlink /proc/self/fd $t/skel/fd
write \$T/word hello%20world
write \$T/dollar %24T
[start]
unshare mount uts ipc pid
fork $t/pid
[init]
mount tmpfs $t/root tmpfs mode=755,size=1m
mkdir $t/root/dev $t/root/bin
mount tmpfs $t/root/dev tmpfs nosuid
copy $t/skel $t/root/dev
mountpoint $t/word $t/root/word
mount $t/word $t/root/word none bind
mount none $t/root/word none remount,bind,ro
write /proc/sys/kernel/hostname box
? -d $t/nope write $t/root/never x
exec cwd=/ -- placeholder
STEPS
unshare -m sh -c "mount --make-rprivate / && '$t/drydock-init' create - '$t/saved' < '$t/steps'"
cmp -s "$t/steps" "$t/saved" || { echo 'check-init: SAVE-TO' >&2; exit 1; }
[[ -c $t/skel/null && -L $t/skel/fd && -d "$t/a b" && $(cat "$t/word") == 'hello world' && $(cat "$t/dollar") == '$T' ]] || { echo 'check-init: create steps' >&2; exit 1; }
# The exec step with the host's /bin/sh: a script checks what it was given, and exits 7.
enc() { local w=${1//%/%25}; w=${w// /%20}; w=${w//\$/%24}; printf '%s' "${w//$'\t'/%09}"; }
check='[ "$A" = "1 2" ] && [ "$(hostname)" = box ] && [ -c /dev/null ] && [ -L /dev/fd ] && [ $$ = 1 ]'
check+=" && ! (echo x > $t/root/word) 2>/dev/null && grep -q '^CapBnd:[[:space:]]*0*1\$' /proc/self/status"
check+=" && grep -q '^Groups:[[:space:]]*7[[:space:]]*\$' /proc/self/status && grep -q '^SigIgn:[[:space:]]*0*\$' /proc/self/status && exit 7"
sed -i "s|^exec cwd=/ .*|exec root=/ cwd=/ uid=0 gid=0 groups=7 caps=CAP_CHOWN env=A=1%202 -- /bin/sh -c $(enc "$check" | sed 's/[&|\\]/\\&/g')|" "$t/steps"
set +e
# started with SIGINT and SIGQUIT ignored, as the agent is: the command must not inherit that
(trap '' INT QUIT; exec "$t/drydock-init" start,init "$t/steps")
rc=$?
set -e
[[ $rc == 7 && -s $t/pid ]] || { echo "check-init: start,init exit $rc (want 7), pid file: $(cat "$t/pid" 2>/dev/null)" >&2; exit 1; }
# 128+n for a signal, as a shell reports it
set +e
"$t/drydock-init" -c 'fork' 'exec cwd=/ uid=0 gid=0 groups= caps= -- /bin/sh -c kill%20-9%20$$'
rc=$?
set -e
[[ $rc == 137 ]] || { echo "check-init: SIGKILL gave $rc, want 137" >&2; exit 1; }
set +e
"$t/drydock-init" -c 'exec cwd=/ uid=0 gid=0 groups= caps= -- /no/such/thing' 2>/dev/null
rc=$?
set -e
[[ $rc == 127 ]] || { echo "check-init: a missing command gave $rc, want 127" >&2; exit 1; }
echo 'check-init: ok' >&2
