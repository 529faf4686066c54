#!/usr/bin/env bash
# Pulls from public/registry over plain static HTTP (python3 -m http.server, no Vite): catalog, tags, manifests, a blob.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PUBLIC=${PUBLIC:-$HERE/../../public}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT/registry"
TMP=$(mktemp -d)
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$PUBLIC" >"$TMP/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 1 50); do curl -fsS "$BASE/v2/" >/dev/null 2>&1 && break; sleep 0.1; done

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# /v2/ answers 200 through v2/index.html (a static host's directory index).
test "$(curl -fsS -o /dev/null -w '%{http_code}' "$BASE/v2/")" = 200
echo "ok   GET /v2/ -> 200"
curl -fsS "$BASE/v2/_catalog" | json 'd["repositories"]' | grep -q busybox
echo "ok   GET /v2/_catalog lists busybox"
curl -fsS "$BASE/v2/busybox/tags/list" | json 'd["tags"]' | grep -q latest
echo "ok   GET /v2/busybox/tags/list has latest"

for name in hello-world busybox debian python node nginx redis; do
  curl -fsS "$BASE/v2/$name/manifests/latest" >"$TMP/index"
  index_digest=sha256:$(sha256sum <"$TMP/index" | cut -d' ' -f1)
  curl -fsS "$BASE/v2/$name/manifests/$index_digest" | cmp -s - "$TMP/index"
  manifest=$(json 'next(m["digest"] for m in d["manifests"] if m["platform"]["architecture"] == "386")' <"$TMP/index")
  curl -fsS "$BASE/v2/$name/manifests/$manifest" >"$TMP/manifest"
  test "sha256:$(sha256sum <"$TMP/manifest" | cut -d' ' -f1)" = "$manifest"
  for blob in $(json '" ".join([d["config"]["digest"]] + [l["digest"] for l in d["layers"]])' <"$TMP/manifest"); do
    got=sha256:$(curl -fsS "$BASE/v2/$name/blobs/$blob" | sha256sum | cut -d' ' -f1)
    [ "$got" = "$blob" ] || { echo "FAIL $name blob $blob came back as $got"; exit 1; }
  done
  echo "ok   $name: index $index_digest, manifest and every blob match their digests"
done
echo "serve-check: static pulls work"
