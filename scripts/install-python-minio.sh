#!/usr/bin/env bash
# Installs the official MinIO Python SDK (PyPI `minio`, for its MinioAdmin) into a virtualenv in
# the cache directory, for the side-by-side comparison (examples/compare_minioadmin.rs). Prints
# the interpreter path; reuses the virtualenv when present. `--print`: path if installed, else exit 1.
set -euo pipefail
. "$(dirname "$0")/lib/python-venv.sh"
ensure_venv python-minio "minio==7.2.20" minio.minioadmin "${1:-}"
