#!/usr/bin/env bash
# The client's CPU cost per received message in instructions, measured with callgrind (the
# counts repeat to within a fraction of a percent on a busy machine, unlike wall-clock time).
# Runs rtm-bench under callgrind twice per workload at two sizes and divides the difference
# in instructions by the difference in messages received, so start-up, logins and joins cancel
# out. Prints one line per workload and shared object:
#   cost workload=W2 object=librtm.so.1.0.0 ir_per_msg=1234
# and a total per workload. Only user-space instructions are counted (callgrind does not see
# the kernel); rtmd runs natively, outside callgrind.
# Usage: core/tools/bench_cost.sh BUILD_DIR [W2|W3]...
set -euo pipefail
build=${1:?usage: bench_cost.sh BUILD_DIR [W2|W3]...}
shift
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(W2 W3)
bench=$build/core/tools/rtm-bench
rtmd=$build/core/server/rtmd
command -v valgrind >/dev/null || { echo "bench_cost.sh: valgrind is not installed" >&2; exit 2; }
command -v callgrind_annotate >/dev/null || { echo "bench_cost.sh: callgrind_annotate is missing" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Exclusive instructions per shared object over every thread of one callgrind run.
per_object() { # prefix
  for f in "$1".*; do
    # (a process that made no thread of its own leaves an empty base file: skipped)
    callgrind_annotate --auto=no --inclusive=no --threshold=100 "$f" 2>/dev/null || true
  done | awk '
    /^ *[0-9,]+ +\(/ {
      ir = $1; gsub(",", "", ir)
      obj = "(inlined)" # a line without [object]: code inlined from a header
      if ($NF ~ /^\[.*\]$/) { obj = $NF; gsub(/[\[\]]/, "", obj); n = split(obj, parts, "/"); obj = parts[n] }
      if ($0 ~ /PROGRAM TOTALS/) next
      sum[obj] += ir
    }
    END { for (o in sum) print o, sum[o] }'
}

run() { # workload size-args... ; prints "object ir" lines
  local w=$1 tag=$2
  shift 2
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$tmp/$w.$tag.%p" \
    "$bench" --rtmd "$rtmd" --workload "$w" "$@" >"$tmp/$w.$tag.out" 2>"$tmp/$w.$tag.err" || {
    cat "$tmp/$w.$tag.err" >&2
    echo "bench_cost.sh: rtm-bench failed under callgrind" >&2
    exit 1
  }
  per_object "$tmp/$w.$tag" >"$tmp/$w.$tag.obj"
}

for w in "${workloads[@]}"; do
  case $w in
  W2) small=(--messages 10000) large=(--messages 30000) units=20000 ;;
  W3) small=(--members 100 --channel-messages 100) large=(--members 100 --channel-messages 300)
      units=20000 ;;
  *) echo "bench_cost.sh: workloads are W2 and W3, not $w" >&2; exit 2 ;;
  esac
  run "$w" small "${small[@]}"
  run "$w" large "${large[@]}"
  join -a1 -a2 -e 0 -o 0,1.2,2.2 <(sort "$tmp/$w.small.obj") <(sort "$tmp/$w.large.obj") |
    awk -v w="$w" -v u="$units" '
      { d = ($3 - $2) / u; total += d; if (d >= 1) printf "cost workload=%s object=%s ir_per_msg=%.0f\n", w, $1, d }
      END { printf "cost workload=%s object=total ir_per_msg=%.0f\n", w, total }' |
    sort -t= -k4 -n -r
done
