#!/usr/bin/env bash
# ABI guard: librtm.so must keep SONAME librtm.so.1, export only rtm_* symbols (version node
# RTM_1), and stay compatible with the committed baseline abi/librtm.abi. Additions are fine;
# an incompatible change (removed or changed function, renumbered enum, changed struct) fails.
# Usage: abi_check.sh path/to/librtm.so path/to/librtm.abi
set -euo pipefail
lib=$1
baseline=$2
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[ "$soname" = "librtm.so.1" ] || { echo "SONAME is '$soname', expected librtm.so.1"; exit 1; }
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^rtm_' | grep -v '^RTM_1$' || true)
[ -z "$bad" ] || { echo "symbols outside the rtm_ namespace are exported:"; echo "$bad"; exit 1; }
unversioned=$(objdump -T "$lib" | awk '$NF ~ /^rtm_/ && $(NF-1) != "RTM_1" {print $NF}')
[ -z "$unversioned" ] || { echo "symbols without version RTM_1:"; echo "$unversioned"; exit 1; }
set +e
abidiff --no-added-syms "$baseline" "$lib"
rc=$?
set -e
# abidiff's status bits: 1 error, 2 usage error, 4 ABI change, 8 incompatible ABI change
if [ $((rc & 11)) -ne 0 ]; then
  echo "abidiff: incompatible ABI change or error against $baseline (status $rc)"
  exit 1
fi
echo "ABI compatible with $baseline: $(nm -D --defined-only "$lib" | grep -c ' rtm_') rtm_* symbols"
