#!/usr/bin/env bash
# Starts SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in one process) on loopback,
# with its data, config and log in a directory of its own, an admin identity with a random key,
# and the IAM API writable; or stops it by pid.
#   scripts/seaweedfs-server.sh start DIR   # prints ENDPOINT=, ACCESS_KEY=, SECRET_KEY=, PID=
#   scripts/seaweedfs-server.sh stop DIR    # kills the server started in DIR, waits for exit
# Every port is a free loopback port picked at start (gRPC ports too). Needs
# scripts/install-seaweedfs.sh first (WEED=path overrides the binary).
set -euo pipefail
cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"

if [ "$cmd" = stop ]; then
  [ -f "$dir/pid" ] || exit 0
  pid="$(cat "$dir/pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/pid"
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

weed="${WEED:-$("$here/install-seaweedfs.sh" --print)}" || { echo "no weed binary: run scripts/install-seaweedfs.sh first" >&2; exit 1; }
mkdir -p "$dir/data"
# Every bucket is a collection with volumes of its own: with weed mini's default volume size and
# count, writes to about the 57th bucket fail ("No writable volumes and no free volumes left"), so
# volumes are small (64 MB) and their number follows the free disk space (-volume.max=0).
# Eleven distinct free ports: each service's HTTP and gRPC port (weed's default gRPC port is
# HTTP + 10000, which may be taken), the S3 extras and the metrics port.
read -r -a p <<<"$(python3 -c '
import socket
ss=[socket.socket() for _ in range(11)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
for s in ss: s.close()')"
ak="admin$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
sk="$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)"
umask 077
cat >"$dir/s3.json" <<JSON
{"identities":[{"name":"s3aas-admin","credentials":[{"accessKey":"$ak","secretKey":"$sk"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
JSON
"$weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -master.port="${p[0]}" -master.port.grpc="${p[1]}" \
  -volume.port="${p[2]}" -volume.port.grpc="${p[3]}" \
  -filer.port="${p[4]}" -filer.port.grpc="${p[5]}" \
  -s3.port="${p[6]}" -s3.port.grpc="${p[7]}" -s3.port.iceberg="${p[8]}" -s3.port.lance="${p[9]}" \
  -metricsPort="${p[10]}" -admin.ui=false -webdav=false \
  -master.volumeSizeLimitMB=64 -volume.max=0 \
  -s3.config="$dir/s3.json" -s3.iam.readOnly=false \
  >"$dir/weed.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/pid"
endpoint="http://127.0.0.1:${p[6]}"
for _ in $(seq 1 300); do
  # Any HTTP answer from the S3 port (an anonymous request is refused with 403) means it is up.
  code="$(curl -s -o /dev/null -w '%{http_code}' "$endpoint/" 2>/dev/null || true)"
  [ "$code" != 000 ] && [ -n "$code" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "weed exited; log:" >&2; tail -40 "$dir/weed.log" >&2; rm -f "$dir/pid"; exit 1; }
  sleep 0.1
done
[ "$code" != 000 ] || { echo "weed did not answer in 30 s; log:" >&2; tail -40 "$dir/weed.log" >&2; "$0" stop "$dir"; exit 1; }
echo "ENDPOINT=$endpoint"
echo "ACCESS_KEY=$ak"
echo "SECRET_KEY=$sk"
echo "PID=$pid"
