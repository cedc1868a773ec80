#!/usr/bin/env bash
# Installs what the build and tests need on a fresh machine of this project's kind (Rust toolchain
# with rustfmt and clippy is preinstalled there). Safe to run repeatedly.
set -euo pipefail
for tool in cargo rustfmt cargo-clippy; do
  command -v "$tool" >/dev/null 2>&1 || { echo "setup: $tool is missing (expected with the Rust toolchain)" >&2; exit 1; }
done
