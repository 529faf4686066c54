#!/usr/bin/env bash
# Conformance: Debian's skopeo pulls every image from the registry server (registry-server.ts) into an OCI layout.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
command -v skopeo >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q skopeo >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TMP=$(mktemp -d)
# node itself (not npx) so that $! is the server and the trap stops it.
(cd "$HERE/../.." && exec node --import tsx emulator/image-build/registry-server.ts --port "$PORT") >"$TMP/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null 2>&1 && break; sleep 0.2; done

for ref in hello-world:latest busybox:latest debian:bookworm python:3.11 node:18 nginx:1.22 redis:7.0; do
  name=${ref%%:*}
  # Our images are linux/386 only; skopeo picks the host's platform (amd64) unless told otherwise.
  skopeo --override-arch 386 copy -q --src-tls-verify=false "docker://127.0.0.1:$PORT/$ref" "oci:$TMP/out:$name"
  got=$(python3 -c 'import json,sys; print([m["digest"] for m in json.load(open(sys.argv[1]))["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"]==sys.argv[2]][0])' "$TMP/out/index.json" "$name")
  want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$HERE/../../public/registry/v2/$name/manifests/${ref#*:}")
  [ "$got" = "$want" ] || { echo "FAIL $ref: skopeo wrote manifest $got, registry has $want"; exit 1; }
  echo "ok   skopeo copy $ref -> manifest $got"
done
echo "skopeo-check: all images copied with identical manifest digests"
