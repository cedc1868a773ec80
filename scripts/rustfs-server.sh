#!/usr/bin/env bash
# Starts a RustFS server on 127.0.0.1 for manual use, with a fresh data dir and random root
# credentials, waits until /health/ready answers, prints the S3AAS_* variables to use it, and stops
# it (removing its data) when you press Ctrl-C.
#
#   scripts/rustfs-server.sh            # port chosen at random
#   PORT=9000 scripts/rustfs-server.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin=$("$here/find-rustfs.sh") || { echo "no RustFS binary: run scripts/install-rustfs.sh first" >&2; exit 1; }
port="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
dir=$(mktemp -d -t s3aas-rustfs-XXXXXX)
mkdir -p "$dir/data"   # RustFS 1.0.1 refuses a data directory that does not exist
ak="root$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
sk="$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)"
master="$(head -c 32 /dev/urandom | base64)"
RUSTFS_ACCESS_KEY="$ak" RUSTFS_SECRET_KEY="$sk" RUSTFS_CONSOLE_ENABLE=false RUSTFS_SSE_S3_MASTER_KEY="$master" \
  RUST_LOG=warn "$bin" server --address "127.0.0.1:$port" "$dir/data" >"$dir/rustfs.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do
  if curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 $pid 2>/dev/null || { echo "rustfs exited; log:" >&2; tail -50 "$dir/rustfs.log" >&2; exit 1; }
  sleep 0.1
done
cat <<MSG
RustFS $("$bin" --version 2>/dev/null | head -1) is ready (log: $dir/rustfs.log). Use it with:
  export S3AAS_BACKEND=rustfs S3AAS_RUSTFS_ENDPOINT=http://127.0.0.1:$port S3AAS_RUSTFS_ACCESS_KEY=$ak S3AAS_RUSTFS_SECRET_KEY=$sk
Press Ctrl-C to stop it.
MSG
wait $pid
