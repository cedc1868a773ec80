#!/usr/bin/env bash
# Installs Dell's python-ecsclient 1.1.12 from PyPI into a virtualenv in the cache directory,
# for the test that checks the ECS simulator against an independent client. Prints the
# interpreter path. Reuses the virtualenv when it is already there.
#   scripts/install-python-ecsclient.sh            # install or reuse; prints the python path
#   scripts/install-python-ecsclient.sh --print    # print the path if installed, exit 1 otherwise
set -euo pipefail
CACHE_DIR="${S3AAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/s3aas}"
VENV="$CACHE_DIR/python-ecsclient-1.1.12"
PY="$VENV/bin/python"
if [ -x "$PY" ] && "$PY" -c 'import ecsclient' 2>/dev/null; then
  echo "$PY"; exit 0
fi
if [ "${1:-}" = "--print" ]; then exit 1; fi
if ! python3 -m venv --help >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
python3 -m venv "$VENV" >&2
"$VENV/bin/pip" install -q --disable-pip-version-check "python-ecsclient==1.1.12" >&2
echo "$PY"
