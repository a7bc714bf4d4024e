#!/usr/bin/env bash
# Builds everything and runs the whole suite: unit and integration tests, the integration
# tests under valgrind, then everything again built with ASan+UBSan. Installs its Debian
# packages first. Usage: bash tests/run_all.sh   (from anywhere; needs root for apt-get)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash packaging/install_deps.sh

jobs=$(nproc)
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON

echo "== build (RelWithDebInfo, -Werror=$werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRTM_WERROR=$werror >/dev/null
cmake --build build -j"$jobs"

echo "== unit, integration and binding tests, then integration tests under valgrind"
(cd build && ctest --output-on-failure -j"$jobs" -L 'unit|integration|valgrind|bindings')

echo "== build with ASan+UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRTM_SANITIZE=ON -DRTM_BUILD_BINDINGS=OFF -DRTM_WERROR=$werror >/dev/null
cmake --build build-asan -j"$jobs"

echo "== unit and integration tests under ASan+UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j"$jobs" -L 'unit|integration')
