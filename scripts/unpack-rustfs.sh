#!/usr/bin/env bash
# Installs a prebuilt RustFS server binary (an `xz` file with a `.sha256` beside it, the sum of the
# uncompressed binary) into the cache that scripts/find-rustfs.sh searches, so the real-server
# tests run without the hour-long build of scripts/install-rustfs.sh. Safe to run repeatedly.
#
#   scripts/unpack-rustfs.sh PATH/rustfs-1.0.1-x86_64-linux.xz
#
# Exits 0 when the binary is installed (or already was), 2 when the file is missing, 1 when the
# checksum does not match (nothing is installed then).
set -euo pipefail
src="${1:?usage: scripts/unpack-rustfs.sh FILE.xz}"
[ -f "$src" ] || { echo "unpack-rustfs: no such file: $src" >&2; exit 2; }
sumfile="${src%.xz}.sha256"
[ -f "$sumfile" ] || { echo "unpack-rustfs: no checksum beside it: $sumfile" >&2; exit 2; }
RUSTFS_VERSION="${S3AAS_RUSTFS_VERSION:-1.0.1}"
CACHE_DIR="${S3AAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/s3aas}"
BIN="$CACHE_DIR/rustfs-$RUSTFS_VERSION/bin/rustfs"
want=$(awk '{print $1; exit}' "$sumfile")
if [ -x "$BIN" ] && [ "$(sha256sum "$BIN" | awk '{print $1}')" = "$want" ]; then
  echo "unpack-rustfs: $BIN already installed (sha256 ok)"
  exit 0
fi
mkdir -p "$(dirname "$BIN")"
tmp="$BIN.partial.$$"
trap 'rm -f "$tmp"' EXIT
xz -dc "$src" > "$tmp"
got=$(sha256sum "$tmp" | awk '{print $1}')
if [ "$got" != "$want" ]; then
  echo "unpack-rustfs: checksum mismatch for $src: got $got, want $want" >&2
  exit 1
fi
chmod +x "$tmp"
mv "$tmp" "$BIN"
echo "unpack-rustfs: installed $BIN ($("$BIN" --version 2>/dev/null | head -1))"
