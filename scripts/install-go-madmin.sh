#!/usr/bin/env bash
# Installs Debian's Go toolchain and madmin-go (with sio-go and x/crypto), used by the
# madmin-go interoperability test (s3aas-madmin/tests/go_interop.rs). Debian packages only:
# no module download at test time (GOPATH mode, GO111MODULE=off). Safe to run repeatedly.
set -euo pipefail
if command -v go >/dev/null 2>&1 && dpkg -s golang-github-minio-madmin-go-dev >/dev/null 2>&1; then
  echo "go and madmin-go already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq golang-go golang-github-minio-madmin-go-dev >/dev/null
echo "installed: $(go version); madmin-go $(dpkg-query -W -f='${Version}' golang-github-minio-madmin-go-dev)"
