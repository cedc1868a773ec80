#!/usr/bin/env bash
# Installs boto3 1.44.5 (AWS's Python SDK) from PyPI into a virtualenv in the cache directory,
# for the test that checks the ECS simulator's IAM API against an independent client: boto3's
# IAM client parses AWS's query-protocol XML strictly. Prints the interpreter path. Reuses the
# virtualenv when it is already there.
#   scripts/install-python-boto3.sh            # install or reuse; prints the python path
#   scripts/install-python-boto3.sh --print    # print the path if installed, exit 1 otherwise
set -euo pipefail
. "$(dirname "$0")/lib/python-venv.sh"
ensure_venv python-boto3-1.44.5 "boto3==1.44.5" boto3 "${1:-}"
