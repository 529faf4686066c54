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
# mkcwd: the working directory made inside the new root (Docker makes a missing WORKDIR / -w), not without it
mkdir -p "$t/croot"
"$t/drydock-init" -c "exec root=/ cwd=$t/croot/new/dir mkcwd uid=0 gid=0 groups= caps= -- /bin/sh -c [%20-d%20$t/croot/new/dir%20]" ||
  { echo 'check-init: mkcwd did not make the working directory' >&2; exit 1; }
set +e
"$t/drydock-init" -c "exec root=/ cwd=$t/croot/other uid=0 gid=0 groups= caps= -- /bin/true" 2>/dev/null
rc=$?
set -e
[[ $rc != 0 && ! -e $t/croot/other ]] || { echo "check-init: without mkcwd a missing working directory must fail ($rc)" >&2; exit 1; }
# run: a program's argv is the step's words, none of a longer line before it
"$t/drydock-init" -c "mkdir $t/w/1 $t/w/2 $t/w/3 $t/w/4 $t/w/5 $t/w/6 $t/w/7" 'run -- /bin/sh -c [%20%24#%20-eq%200%20]' ||
  { echo 'check-init: run passed words of an earlier line on' >&2; exit 1; }

# ---- network steps, in namespaces of their own: a "guest" network namespace (a file, as /proc/1/ns/net is in the
# guest) with a bridge, a "container" one joined to it by a veth pair, the embedded DNS server's socket handed to
# drydock-dns, docker-proxy started and stopped; then the links deleted. Nothing touches this machine's network.
ln -s "$(readlink -f "$bin")" "$t/drydock-dns"
ln -s "$(readlink -f "$bin")" "$t/docker-proxy"
cat >"$t/ask.py" <<'PY'
# three questions to 127.0.0.11 from the container's namespace: A (any case), AAAA of a known name, PTR
import socket, struct
def ask(name, qtype):
    q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0) + b''.join(bytes([len(p)]) + p.encode() for p in name.split('.')) + b'\0' + struct.pack('>HH', qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2); s.sendto(q, ('127.0.0.11', 53))
    r = s.recv(512); return r[3] & 15, struct.unpack('>H', r[6:8])[0], r
rc, n, r = ask('WEB', 1); assert rc == 0 and n == 1 and r[-4:] == bytes([10, 9, 0, 5]), (rc, n, r)
rc, n, r = ask('web', 28); assert rc == 0 and n == 0, (rc, n)
rc, n, r = ask('7.0.9.10.in-addr.arpa', 12); assert rc == 0 and n == 1 and b'\x02DB\x03net' in r, r
# the same over TCP (a client whose UDP answer was truncated asks again there)
q = struct.pack('>HHHHHH', 0x4321, 0x0100, 1, 0, 0, 0) + b'\x03web\0' + struct.pack('>HH', 1, 1)
t = socket.create_connection(('127.0.0.11', 53), 2); t.sendall(struct.pack('>H', len(q)) + q)
r = b''
while len(r) < 2 or len(r) < 2 + struct.unpack('>H', r[:2])[0]:
    chunk = t.recv(512); assert chunk, r; r += chunk
assert r[2:4] == b'\x43\x21' and r[-4:] == bytes([10, 9, 0, 5]), r
PY
cat >"$t/flood.py" <<'PY'
# 20000 queries as fast as one socket sends them, then one that must be answered within a second
import socket, struct, time
def q(name, ident):
    return struct.pack('>HHHHHH', ident, 0x0100, 1, 0, 0, 0) + b''.join(bytes([len(p)]) + p.encode() for p in name.split('.')) + b'\0' + struct.pack('>HH', 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setblocking(False)
for i in range(20000):
    try: s.sendto(q('web' if i % 2 else 'n%d.example' % i, i & 0xffff), ('127.0.0.11', 53))
    except BlockingIOError: pass
time.sleep(1.5)  # the server's token bucket refills (200/s): the flood has spent it
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(1)
c.sendto(q('web', 0x4242), ('127.0.0.11', 53))
r = c.recv(512)
assert r[:2] == b'\x42\x42' and r[-4:] == bytes([10, 9, 0, 5]), r
PY
cat >"$t/backend.py" <<'PY'
# the proxy's backend: a request of 3 bytes is answered reversed, "big" with 64 MB
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', 18081)); s.listen()
def serve(c):
    try:
        d = c.recv(10)
        if d == b'big': c.sendall(b'x' * (64 << 20))
        else: c.sendall(d[::-1])
    except OSError: pass
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
cat >"$t/slow-reader.py" <<'PY'
# asks for 64 MB through the proxy and reads nothing for a second; a second client is still served meanwhile
import socket, time
a = socket.create_connection(('127.0.0.1', 18080), 2); a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); a.sendall(b'big')
time.sleep(1)
b = socket.create_connection(('127.0.0.1', 18080), 2); b.sendall(b'abc'); b.shutdown(1); b.settimeout(2)
assert b.recv(10) == b'cba'
PY
cat >"$t/net.sh" <<NET
set -e
fail() { echo "check-init: network: \$*" >&2; exit 1; }
mount --make-rprivate /
mount -t tmpfs tmpfs /run
mkdir -p $t/ns && mount -t tmpfs tmpfs $t/ns && touch $t/ns/guest $t/ns/c1
unshare --net=$t/ns/guest true
in_guest() { nsenter --net=$t/ns/guest "\$@"; }
in_c1() { nsenter --net=$t/ns/c1 "\$@"; }
in_guest $t/drydock-init -c 'ifup lo' 'bridge-add br-test 02:42:0a:09:00:01' 'addr-add br-test 10.9.0.1/16' 'ifup br-test'
nsenter --net=$t/ns/guest $t/drydock-dns --upstream 127.0.0.1 </dev/null >/dev/null 2>&1 &
dns=\$!
for i in \$(seq 100); do [ -S /run/drydock/dns.sock ] && break; sleep 0.05; done
# the container: its own namespace, whose first process waits (as drydock-init's fork does) until told to end
nsenter --net=$t/ns/guest unshare --net=$t/ns/c1 sh -c "read x" < <(sleep 30) &
h=\$! # nsenter and unshare exec: this is the process in the namespace
for i in \$(seq 100); do [ "\$(cat /proc/\$h/comm)" = sh ] && break; sleep 0.05; done
in_c1 $t/drydock-init -c 'ifup lo' 'veth-add eth0 vethtest123 $t/ns/guest' '@ $t/ns/guest link-set vethtest123 master=br-test up' \
  'link-set eth0 address=02:42:0a:09:00:02 up' 'addr-add eth0 10.9.0.2/16' 'route-default 10.9.0.1 eth0' "dns c1 \$h"
in_c1 ip -o addr show eth0 | grep -q 'inet 10.9.0.2/16 brd 10.9.255.255' || fail "eth0: \$(in_c1 ip -o addr)"
in_c1 ip link show eth0 | grep -q '02:42:0a:09:00:02' || fail 'eth0 MAC'
in_c1 ip route | grep -q '^default via 10.9.0.1 dev eth0' || fail "route: \$(in_c1 ip route)"
in_guest ip -o link show master br-test | grep -q vethtest123 || fail 'vethtest123 is not on the bridge'
printf 'web 10.9.0.5\\nDB.net 10.9.0.7\\n' > /run/drydock/dns/c1
in_c1 python3 $t/ask.py || fail 'dns'
# a flood of queries (names it knows, and names it forwards to an upstream that never answers) costs the container,
# not the server: it still answers at once after it, with a few MB
in_c1 python3 $t/flood.py || fail 'dns after a flood'
[ \$(awk '/VmRSS/ { print \$2 }' /proc/\$dns/status) -lt 8192 ] || fail "drydock-dns grew to \$(grep VmRSS /proc/\$dns/status)"
ls /proc/\$dns/fd | wc -l > $t/fds-with
# the container's process ends: the server lets go of its sockets (and with them the namespace)
kill \$h; wait \$h 2>/dev/null || true
for i in \$(seq 100); do [ \$(ls /proc/\$dns/fd | wc -l) -lt \$(cat $t/fds-with) ] && break; sleep 0.05; done
[ \$(ls /proc/\$dns/fd | wc -l) -eq \$((\$(cat $t/fds-with) - 3)) ] || fail 'drydock-dns kept the sockets of an ended container'
# docker-proxy: started with dockerd's readiness pipe, relays, refuses a taken port in Go's words, stops
in_guest python3 $t/backend.py &
for i in \$(seq 100); do in_guest grep -q ':46A1 00000000:0000 0A' /proc/net/tcp && break; sleep 0.05; done
in_guest $t/drydock-init -c "spawn pidfile=/run/proxy.pid -- $t/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 18080 -container-ip 127.0.0.1 -container-port 18081"
[ -s /run/proxy.pid ] || fail 'no pid file'
got=\$(in_guest python3 -c 'import socket;s=socket.create_connection(("127.0.0.1",18080),2);s.sendall(b"abc");s.shutdown(1);print(s.recv(10).decode())')
[ "\$got" = cba ] || fail "relayed: \$got"
err=\$(in_guest $t/drydock-init -c "spawn pidfile=/run/proxy2.pid -- $t/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 18080 -container-ip 127.0.0.1 -container-port 1" 2>&1) && fail 'a second proxy on a taken port started'
case \$err in *'listen tcp4 0.0.0.0:18080: bind: address already in use'*) ;; *) fail "taken port: \$err" ;; esac
# a client that never reads a large answer: the proxy keeps two buffers for it and stops reading the backend
in_guest python3 $t/slow-reader.py || fail 'a client that does not read'
[ \$(awk '/VmRSS/ { print \$2 }' /proc/\$(cat /run/proxy.pid)/status) -lt 4096 ] || fail "docker-proxy grew to \$(grep VmRSS /proc/\$(cat /run/proxy.pid)/status)"
in_guest $t/drydock-init -c 'stop /run/proxy.pid docker-proxy'
[ ! -e /run/proxy.pid ] || fail 'pid file left'
in_guest python3 -c 'import socket;socket.create_connection(("127.0.0.1",18080),2)' 2>/dev/null && fail 'the port is still held'
# conntrack-flush needs the kernel's ctnetlink (the guest's has it; this machine's may not)
if in_guest $t/drydock-init -c 'conntrack-flush 10.9.0.2' 2>$t/ct; then :; else grep -q 'ctnetlink' $t/ct || fail "conntrack-flush: \$(cat $t/ct)"; fi
in_guest $t/drydock-init -c 'link-del vethtest123' 'link-del vethtest123' 'link-del br-test'
[ -z "\$(in_guest ip -o link show type veth)" ] && ! in_guest ip link show br-test 2>/dev/null || fail 'links left'
kill \$dns
NET
# its own PID namespace too: whatever it started (drydock-dns, a backend, a proxy) ends with it, even on a failure
unshare -m -p --fork --mount-proc bash "$t/net.sh"

# docker-init (--init's PID 1), started as the agent starts things (INT and QUIT ignored): the command keeps INT's
# default action, so a forwarded INT ends it (130); an orphan it leaves is reaped; the command's status is returned
ln -s "$(readlink -f "$bin")" "$t/docker-init"
set +e
(trap '' INT QUIT; exec "$t/docker-init" -- /bin/sh -c '(sleep 0.1 &); exec sleep 30') &
init=$!
sleep 0.5
kill -INT $init
wait $init
rc=$?
set -e
[[ $rc == 130 ]] || { echo "check-init: docker-init after INT exited $rc (want 130)" >&2; exit 1; }
set +e
"$t/docker-init" -- /bin/sh -c 'exit 3'
rc=$?
set -e
[[ $rc == 3 ]] || { echo "check-init: docker-init returned $rc (want 3)" >&2; exit 1; }

echo 'check-init: ok' >&2
