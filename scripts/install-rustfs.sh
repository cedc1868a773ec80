#!/usr/bin/env bash
# Builds the RustFS server from crates.io into a cache directory outside the repository,
# and reuses it when it is already there. An interrupted build resumes: the compiled
# dependencies stay in $S3AAS_CACHE_DIR/rustfs-build-target until the binary is installed.
# Run it in the background early (86 minutes measured on 2 cores; see the README):
#   nohup scripts/install-rustfs.sh > ~/.cache/s3aas/rustfs-build.log 2>&1 &
#
#   scripts/install-rustfs.sh            # build (86 minutes measured on 2 cores) or reuse
#   scripts/install-rustfs.sh --print    # print the binary path if installed, exit 1 otherwise
#
# Cache directory: $S3AAS_CACHE_DIR (default: $XDG_CACHE_HOME/s3aas or ~/.cache/s3aas).
# The binary lands in $S3AAS_CACHE_DIR/rustfs-$RUSTFS_VERSION/bin/rustfs.
set -euo pipefail

RUSTFS_VERSION="${S3AAS_RUSTFS_VERSION:-1.0.1}"
CACHE_DIR="${S3AAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/s3aas}"
ROOT="$CACHE_DIR/rustfs-$RUSTFS_VERSION"
BIN="$ROOT/bin/rustfs"

if [ "${1:-}" = "--print" ]; then
  if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
  exit 1
fi

if [ -x "$BIN" ]; then
  echo "rustfs $RUSTFS_VERSION already installed: $BIN"
  exit 0
fi

if ! command -v protoc >/dev/null 2>&1; then
  echo "installing protobuf-compiler (needed by the rustfs build)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq protobuf-compiler >/dev/null
fi

mkdir -p "$ROOT"
# A separate target dir keeps the ~1,100-crate build out of the project's own target/.
export CARGO_TARGET_DIR="$CACHE_DIR/rustfs-build-target"
# The server only has to serve tests and local benches: a lighter release profile (no LTO,
# parallel codegen, opt-level 2, no debug info) cuts the build time a lot on 2 cores.
# Override any of these from the environment for a production-grade binary.
export CARGO_PROFILE_RELEASE_LTO="${CARGO_PROFILE_RELEASE_LTO:-false}"
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS="${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-16}"
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-2}"
export CARGO_PROFILE_RELEASE_DEBUG="${CARGO_PROFILE_RELEASE_DEBUG:-false}"
export CARGO_PROFILE_RELEASE_INCREMENTAL=false
start=$(date +%s)
echo "building rustfs $RUSTFS_VERSION into $ROOT (86 minutes measured on 2 cores)"
cargo install rustfs --version "$RUSTFS_VERSION" --locked --ignore-rust-version \
  --no-default-features --root "$ROOT"
end=$(date +%s)
echo "rustfs built in $(( (end - start) / 60 )) minutes: $BIN"
# The intermediate build artefacts are several GiB and are not needed once the binary exists.
rm -rf "$CARGO_TARGET_DIR"
