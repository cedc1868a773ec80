#!/usr/bin/env bash
# Installs Dell's python-ecsclient 1.1.12 from PyPI into a virtualenv in the cache directory,
# for the test that checks the ECS simulator against an independent client. Prints the
# interpreter path. Reuses the virtualenv when it is already there.
#   scripts/install-python-ecsclient.sh            # install or reuse; prints the python path
#   scripts/install-python-ecsclient.sh --print    # print the path if installed, exit 1 otherwise
set -euo pipefail
. "$(dirname "$0")/lib/python-venv.sh"
ensure_venv python-ecsclient-1.1.12 "python-ecsclient==1.1.12" ecsclient "${1:-}"
