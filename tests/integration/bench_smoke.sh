#!/usr/bin/env bash
# Smoke run of rtm-bench: every workload at a small size against its own rtmd. Asserts
# correctness only (every round trip answered, every message delivered, every client logged in
# and connected, every line in the documented format), never a speed.
# Usage: bench_smoke.sh RTM_BENCH RTMD [small|tiny]   (tiny: for runs under valgrind)
# $BENCH_WRAPPER, when set, is put in front of rtm-bench (e.g. valgrind).
set -euo pipefail
bench=$1
rtmd=$2
size=${3:-small}

if [ "$size" = tiny ]; then
  args=(--round-trips 50 --warmup 5 --messages 500 --window 100 --members 10
        --channel-messages 20 --clients 20 --idle-s 1 --timeout-s 120)
else
  args=(--round-trips 200 --warmup 20 --messages 5000 --members 50 --channel-messages 50
        --clients 200 --clients-per-proc 100 --connect-window 50 --idle-s 1 --timeout-s 120)
fi

out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

status=0
# shellcheck disable=SC2086
${BENCH_WRAPPER:-} "$bench" --rtmd "$rtmd" "${args[@]}" >"$out" 2>"$err" || status=$?
cat "$out"
if [ "$status" -ne 0 ]; then
  cat "$err" >&2
  echo "FAIL: rtm-bench exited with status $status" >&2
  exit 1
fi

fail=0
# Every line is one figure in the documented format.
if grep -Evq '^peer=rtmd workload=W[1-4] metric=[a-z0-9_]+ value=-?[0-9]+(\.[0-9]+)? unit=[a-z/]+$' "$out"; then
  echo "FAIL: lines not in the documented format:" >&2
  grep -Ev '^peer=rtmd workload=W[1-4] metric=[a-z0-9_]+ value=-?[0-9]+(\.[0-9]+)? unit=[a-z/]+$' "$out" >&2
  fail=1
fi

# value of workload $1 metric $2 (empty when missing)
value() {
  awk -v w="$1" -v m="$2" '$2 == "workload=" w && $3 == "metric=" m { sub("value=", "", $4); print $4 }' "$out"
}

expect() { # workload metric expected-value
  local v
  v=$(value "$1" "$2")
  if [ -z "$v" ]; then
    echo "FAIL: $1 $2 missing" >&2
    fail=1
  elif ! awk -v v="$v" -v e="$3" 'BEGIN { exit !(v + 0 == e + 0) }'; then
    echo "FAIL: $1 $2 is $v, expected $3" >&2
    fail=1
  fi
}

present() { # workload metric: present and positive
  local v
  v=$(value "$1" "$2")
  if [ -z "$v" ] || ! awk -v v="$v" 'BEGIN { exit !(v + 0 > 0) }'; then
    echo "FAIL: $1 $2 missing or not positive (${v:-none})" >&2
    fail=1
  fi
}

clients=$([ "$size" = tiny ] && echo 20 || echo 200)
expect W1 answered_ratio 1
expect W2 delivered_ratio 1
expect W3 delivered_ratio 1
expect W4 logged_in_ratio 1
expect W4 connected "$clients"
for m in rtt_p50_us rtt_p99_us; do present W1 "$m"; done
present W2 msgs_per_s
present W3 deliveries_per_s
# memory figures exist (their size is not asserted: a few clients say little)
for m in rss_per_conn client_rss_per_client; do
  [ -n "$(value W4 "$m")" ] || { echo "FAIL: W4 $m missing" >&2; fail=1; }
done

if [ "$fail" -ne 0 ]; then
  cat "$err" >&2
  exit 1
fi
echo "bench smoke passed"
