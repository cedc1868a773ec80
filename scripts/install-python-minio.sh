#!/usr/bin/env bash
# Installs the official MinIO Python SDK (PyPI `minio`, for its MinioAdmin) into a virtualenv in
# the cache directory, for the side-by-side comparison (examples/compare_minioadmin.rs). Prints
# the interpreter path; reuses the virtualenv when present.
set -euo pipefail
CACHE_DIR="${S3AAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/s3aas}"
VENV="$CACHE_DIR/python-minio"
PY="$VENV/bin/python"
if [ -x "$PY" ] && "$PY" -c 'import minio.minioadmin' 2>/dev/null; then
  echo "$PY"; exit 0
fi
if [ "${1:-}" = "--print" ]; then exit 1; fi
python3 -m venv "$VENV" >&2
"$VENV/bin/pip" install -q --disable-pip-version-check "minio==7.2.20" >&2
echo "$PY"
