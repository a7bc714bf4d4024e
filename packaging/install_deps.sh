#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build librtm/rtmd and run the whole test suite.
# Safe to re-run. Needs root (apt-get).
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libwebsockets-dev libwebsockets-evlib-uv libuv1-dev libssl-dev libmsgpack-dev
  libcmocka-dev valgrind curl abigail-tools libsqlite3-dev openssl
  swig python3-dev mypy default-jdk-headless junit5 mono-mcs mono-runtime libnunit-cil-dev nunit-console
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
