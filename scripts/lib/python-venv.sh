# Sourced by the scripts that install a Python package into a virtualenv in the cache directory.
# ensure_venv NAME SPEC IMPORT [--print]: reuses $CACHE/NAME when IMPORT works there, else (unless
# --print) creates it and pip-installs SPEC; prints the interpreter path, exit 1 if absent with
# --print.
ensure_venv() {
  local name="$1" spec="$2" module="$3" mode="${4:-}"
  local cache="${S3AAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/s3aas}"
  local venv="$cache/$name" py="$cache/$name/bin/python"
  if [ -x "$py" ] && "$py" -c "import $module" 2>/dev/null; then
    echo "$py"; return 0
  fi
  if [ "$mode" = "--print" ]; then return 1; fi
  if ! python3 -m venv --help >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "$spec" >&2
  echo "$py"
}
