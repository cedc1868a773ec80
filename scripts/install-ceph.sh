#!/usr/bin/env bash
# Installs Ceph's monitor, OSD, manager, RADOS Gateway and CLI tools from the Debian archive
# (bookworm: Ceph 16.2.15 Pacific) when they are missing, for scripts/ceph-rgw-server.sh and the
# real-server tests of s3aas-backend-ceph. Does nothing when every tool is already installed.
#   scripts/install-ceph.sh                      # the Debian packages, when missing
#   scripts/install-ceph.sh --rgwadmin [--print] # PyPI rgwadmin 2.4.6 (an independent Admin Ops
#                                                # client, for the cross-check test) in a cache
#                                                # virtualenv; prints its python path
set -euo pipefail
if [ "${1:-}" = --rgwadmin ]; then
  . "$(dirname "$0")/lib/python-venv.sh"
  ensure_venv python-rgwadmin-2.4.6 "rgwadmin==2.4.6" rgwadmin "${2:-}"
  exit 0
fi
need=0
for t in ceph-mon ceph-osd ceph-mgr radosgw radosgw-admin ceph ceph-authtool monmaptool; do
  command -v "$t" >/dev/null 2>&1 || need=1
done
if [ "$need" = 0 ]; then echo "ceph: already installed ($(ceph --version 2>/dev/null | awk '{print $3}'))"; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd ceph-mgr radosgw ceph-common >/dev/null
echo "ceph: installed ($(ceph --version | awk '{print $3}'))"
