#!/usr/bin/env bash
# Runs each built image for real: unpacks its layers from public/registry (OCI whiteouts applied) and chroots in.
# Needs root and an x86 kernel that runs i386 binaries (any x86_64 Linux with IA32 emulation).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REGISTRY=${REGISTRY:-$HERE/../../public/registry}
WORK=$(mktemp -d /tmp/drydock-verify.XXXXXX)
MOUNTS=()
FAILED=0
CHROOT=$(command -v chroot)

cleanup() {
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTS[i]}" 2>/dev/null || true; done
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

blob() { echo "$REGISTRY/blobs/sha256/${1#sha256:}"; }

# Resolves name:tag through the Distribution paths, as a client would: tag -> index -> linux/386 manifest.
manifest_of() {
  local name=$1 tag=$2 index digest
  index="$REGISTRY/v2/$name/manifests/$tag"
  digest=$(python3 -c 'import json,sys; m=[d for d in json.load(open(sys.argv[1]))["manifests"] if d["platform"]["architecture"]=="386"]; print(m[0]["digest"])' "$index")
  echo "$REGISTRY/v2/$name/manifests/$digest"
}

# Unpacks layers in order. A `.wh.NAME` entry deletes NAME from the layers below; `.wh..wh..opq`
# empties its directory first (image-spec layer.md, "Whiteouts").
unpack() {
  local name=$1 tag=$2 root=$3 manifest layer entry dir base
  manifest=$(manifest_of "$name" "$tag")
  mkdir -p "$root"
  for layer in $(python3 -c 'import json,sys; [print(l["digest"]) for l in json.load(open(sys.argv[1]))["layers"]]' "$manifest"); do
    verify_digest "$layer"
    while IFS= read -r entry; do
      dir=$(dirname "$entry"); base=$(basename "$entry")
      if [ "$base" = ".wh..wh..opq" ]; then
        find "$root/$dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
      elif [[ "$base" == .wh.* ]]; then
        rm -rf "${root:?}/$dir/${base#.wh.}"
      fi
    done < <(tar -tzf "$(blob "$layer")" | grep -E '(^|/)\.wh\.' || true)
    tar -xzf "$(blob "$layer")" -C "$root" --numeric-owner --exclude='.wh.*' --exclude='*/.wh.*'
  done
}

verify_digest() {
  local actual
  actual=$(sha256sum "$(blob "$1")" | cut -d' ' -f1)
  [ "sha256:$actual" = "$1" ] || { echo "digest mismatch for $1 (got $actual)"; exit 1; }
}

# A chroot with /proc and /dev, like the container runtime gives (without namespaces).
enter() {
  local root=$1
  mkdir -p "$root/proc" "$root/dev"
  mount -t proc proc "$root/proc" && MOUNTS+=("$root/proc")
  mount --rbind /dev "$root/dev" && MOUNTS+=("$root/dev")
}

check() {
  local label=$1 expected=$2; shift 2
  local out
  if out=$("$@" 2>&1) && grep -qF -- "$expected" <<<"$out"; then
    echo "ok   $label"
  else
    echo "FAIL $label"; echo "$out" | sed 's/^/     | /' | head -20; FAILED=1
  fi
}

in_root() { local root=$1; shift; env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 chroot "$root" "$@"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() {
  for _ in $(seq 1 100); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

echo "== hello-world"
unpack hello-world latest "$WORK/hello"
check 'hello-world prints its message' 'Hello from drydock!' in_root "$WORK/hello" /hello
check 'hello-world is a 32-bit x86 ELF' 'ELF32-i386' python3 -c \
  'import sys; b=open(sys.argv[1],"rb").read(20); print("ELF32-i386" if b[:4]==b"\x7fELF" and b[4]==1 and b[18]==3 else b)' "$WORK/hello/hello"

echo "== busybox"
unpack busybox latest "$WORK/busybox"
check 'busybox sh -c echo' 'ok' in_root "$WORK/busybox" /bin/sh -c 'echo ok'
check 'busybox applet symlinks' 'busybox' in_root "$WORK/busybox" /bin/sh -c 'ls -l /bin/ls; wc -l /etc/passwd'

echo "== debian"
unpack debian bookworm "$WORK/debian"
enter "$WORK/debian"
check 'debian /bin/sh is dash' 'ok' in_root "$WORK/debian" /bin/sh -c 'echo ok; readlink -f /bin/sh | grep -q dash'
check 'debian bash' 'bash 5' in_root "$WORK/debian" bash -c 'echo bash ${BASH_VERSINFO[0]}'
check 'debian coreutils, grep, sed, awk, find, tar, gzip' 'ALL-GOOD' in_root "$WORK/debian" bash -c \
  'ls / >/dev/null && id -un | grep -q root && echo x | sed s/x/y/ | grep -q y && echo 1 2 | awk "{print \$2}" | grep -q 2 &&
   find /etc -name passwd | grep -q passwd && tar -czf /tmp/t.tgz /etc/passwd 2>/dev/null && gzip -t /tmp/t.tgz && echo ALL-GOOD'
check 'debian dpkg -l lists packages' 'ii  coreutils' in_root "$WORK/debian" dpkg -l
check 'debian /tmp is 1777' '1777' stat -c %a "$WORK/debian/tmp"
check 'debian os-release says bookworm' 'bookworm' in_root "$WORK/debian" cat /etc/os-release

echo "== python"
unpack python 3.11 "$WORK/python"
enter "$WORK/python"
check 'python3 -c print(1)' '1' in_root "$WORK/python" python3 -c 'print(1)'
check 'python3 is 32-bit' '4' in_root "$WORK/python" python3 -c 'import struct; print(struct.calcsize("P"))'
check 'python3 stdlib (json, sqlite3, ssl, zlib)' 'stdlib-ok' in_root "$WORK/python" python3 -c \
  'import json, sqlite3, ssl, zlib, hashlib, http.server; sqlite3.connect(":memory:").execute("select 1"); print("stdlib-ok")'
mkdir -p "$WORK/python/srv/site" && echo '<h1>drydock python</h1>' >"$WORK/python/srv/site/index.html"
PORT=$(free_port)
env -i PATH=/usr/bin:/bin "$CHROOT" "$WORK/python" sh -c "cd /srv/site && exec python3 -m http.server $PORT --bind 127.0.0.1" >"$WORK/http.log" 2>&1 &
SERVER_PID=$!
if wait_http "http://127.0.0.1:$PORT/"; then
  check 'python3 -m http.server serves a page' 'drydock python' curl -fsS "http://127.0.0.1:$PORT/"
else
  echo "FAIL python3 -m http.server did not answer"; cat "$WORK/http.log"; FAILED=1
fi
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=

echo "== node"
unpack node 18 "$WORK/node"
enter "$WORK/node"
check 'node process.arch' 'ia32' in_root "$WORK/node" node -e 'console.log(process.arch)'
check 'node version' 'v18.' in_root "$WORK/node" node --version
check 'npm --version' 'drydock' in_root "$WORK/node" npm --version
check 'node fetch and ESM import of CJS' 'esm-ok' in_root "$WORK/node" node --input-type=module -e \
  'import { createServer } from "node:http"; console.log(typeof fetch === "function" && typeof createServer === "function" ? "esm-ok" : "no")'
# The course's classic Dockerfile, step by step: WORKDIR /app, ADD . /app, RUN npm install, CMD npm start.
mkdir -p "$WORK/node/app"
cat >"$WORK/node/app/package.json" <<'EOF'
{ "name": "app", "version": "1.0.0", "scripts": { "start": "node server.js" } }
EOF
cat >"$WORK/node/app/server.js" <<'EOF'
const http = require('http');
const port = process.env.PORT || 3000;
http.createServer((req, res) => res.end('hello from node in drydock\n')).listen(port, '127.0.0.1');
EOF
check 'npm install in /app' 'up to date' in_root "$WORK/node" sh -c 'cd /app && npm install'
check 'npm install wrote package-lock.json' 'lockfileVersion' cat "$WORK/node/app/package-lock.json"
PORT=$(free_port)
env -i PATH=/usr/bin:/bin "$CHROOT" "$WORK/node" sh -c "cd /app && PORT=$PORT exec npm start" >"$WORK/npm.log" 2>&1 &
SERVER_PID=$!
if wait_http "http://127.0.0.1:$PORT/"; then
  check 'npm start serves the app' 'hello from node in drydock' curl -fsS "http://127.0.0.1:$PORT/"
  check 'npm start prints the lifecycle banner' '> app@1.0.0 start' cat "$WORK/npm.log"
else
  echo "FAIL npm start did not answer"; cat "$WORK/npm.log"; FAILED=1
fi
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
check 'npm install refuses to download' 'cannot download' in_root "$WORK/node" sh -c 'cd /app && npm install left-pad; true'

# The servers listen on their fixed ports (80, 6379) in a network namespace of their own (loopback only), so
# they cannot clash with the host's; their clients run in the same namespace.
in_netns() { unshare --net -- bash -c 'ip link set lo up && "$@"' bash "$@"; }

# The image's CMD; two requests (the page and a 404), then SIGQUIT, the image's stop signal.
nginx_session() {
  env -i PATH=/usr/sbin:/usr/bin "$CHROOT" "$WORK/nginx" nginx -g 'daemon off;' >"$WORK/nginx.out" 2>"$WORK/nginx.err" &
  local pid=$!
  for _ in $(seq 1 100); do curl -fsS http://127.0.0.1/ >"$WORK/nginx.page" 2>/dev/null && break; sleep 0.1; done
  curl -fsS http://127.0.0.1/nope >/dev/null 2>&1 || true
  kill -QUIT "$pid"
  wait "$pid" && echo "nginx exit $?" || echo "nginx exit $?"
}

# The image's ENTRYPOINT and CMD, from /data (its WORKDIR), as root: it must drop to redis and turn protected
# mode off; SIGTERM (Docker's default stop signal) makes redis save and exit.
redis_session() {
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$CHROOT" "$WORK/redis" sh -c 'cd /data && exec docker-entrypoint.sh redis-server' >"$WORK/redis.out" 2>&1 &
  local pid=$!
  cli() { env -i PATH=/usr/bin:/bin "$CHROOT" "$WORK/redis" redis-cli "$@"; }
  for _ in $(seq 1 100); do [ "$(cli ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
  cli ping
  echo "protected-mode $(cli config get protected-mode | tail -n 1)"
  cli set greeting hello >/dev/null && cli get greeting
  echo "server uid $(stat -c %u "/proc/$pid")"
  kill -TERM "$pid"
  wait "$pid" && echo "redis exit $?" || echo "redis exit $?"
}
export WORK CHROOT
export -f nginx_session redis_session

echo "== nginx"
unpack nginx latest "$WORK/nginx"
enter "$WORK/nginx"
check 'nginx -t accepts the configuration' 'syntax is ok' in_root "$WORK/nginx" nginx -t
check 'nginx logs are links to stdout and stderr' '/dev/stdout /dev/stderr' \
  bash -c 'echo $(readlink "$1/var/log/nginx/access.log" "$1/var/log/nginx/error.log")' bash "$WORK/nginx"
check 'nginx stops on SIGQUIT with status 0' 'nginx exit 0' in_netns nginx_session
check 'nginx serves the welcome page' '<title>Welcome to nginx!</title>' cat "$WORK/nginx.page"
check 'nginx access log on stdout' '"GET / HTTP/1.1" 200' cat "$WORK/nginx.out"
check 'nginx error log on stderr (the 404)' '"/usr/share/nginx/html/nope" failed' cat "$WORK/nginx.err"

echo "== redis"
unpack redis latest "$WORK/redis"
enter "$WORK/redis"
check 'redis /data belongs to redis (999:999)' '999:999' stat -c %u:%g "$WORK/redis/data"
check 'redis-server --version' 'v=7.0' in_root "$WORK/redis" redis-server --version
check 'redis-check-aof answers to its own name' 'Usage: redis-check-aof' bash -c 'env -i PATH=/usr/bin "$0" "$1" redis-check-aof 2>&1; true' "$CHROOT" "$WORK/redis"
in_netns redis_session >"$WORK/redis-session.log" 2>&1 || true
check 'redis-cli ping answers PONG' 'PONG' cat "$WORK/redis-session.log"
check 'redis protected mode is off' 'protected-mode no' cat "$WORK/redis-session.log"
check 'redis keeps a value' 'hello' cat "$WORK/redis-session.log"
check 'redis-server runs as redis (uid 999)' 'server uid 999' cat "$WORK/redis-session.log"
check 'redis saves on SIGTERM and exits 0' 'redis exit 0' cat "$WORK/redis-session.log"
check 'redis wrote its dump into /data as redis' '999 600' stat -c '%u %a' "$WORK/redis/data/dump.rdb"
check 'redis logs say it saved' 'DB saved on disk' cat "$WORK/redis.out"

if [ "$FAILED" = 0 ]; then echo "verify: all checks passed"; else echo "verify: some checks FAILED"; exit 1; fi
