#!/usr/bin/env bash
# Prints the path of the RustFS server binary the tests use, or exits 1.
# Order: $S3AAS_RUSTFS_BIN, then the cache directory of scripts/install-rustfs.sh, then PATH.
set -uo pipefail
if [ -n "${S3AAS_RUSTFS_BIN:-}" ] && [ -x "$S3AAS_RUSTFS_BIN" ]; then echo "$S3AAS_RUSTFS_BIN"; exit 0; fi
here="$(cd "$(dirname "$0")" && pwd)"
if p=$("$here/install-rustfs.sh" --print 2>/dev/null); then echo "$p"; exit 0; fi
if p=$(command -v rustfs 2>/dev/null); then echo "$p"; exit 0; fi
exit 1
