# demo_lib.sh: what both demo scripts need, sourced by them (bash). The sourcing script sets
# `tmp` (its scratch directory) and `rtmd` (the binary) first, and keeps its client pids in
# the array `pids`.
#   start_rtmd              starts rtmd on a free loopback port; sets rtmd_pid, url, first_line
#   fail MESSAGE            prints MESSAGE and the tail of every log in $tmp, exits 1
#   running PID             true while PID runs (a zombie child counts as ended)
#   wait_exit PID WHAT S    waits up to S seconds for PID to end; its status must be 0
#   stop_rtmd S             SIGTERM, then wait_exit (rtmd drains and exits 0)
# An EXIT trap kills whatever is left and removes $tmp.

rtmd_pid=
pids=()

demo_cleanup() {
    local pid
    for pid in "${pids[@]}" "$rtmd_pid"; do
        if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$tmp"
}
trap demo_cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "demo: FAILED: $*" >&2
    local f
    for f in "$tmp"/*.err "$tmp"/*.log; do
        [[ -s $f ]] || continue
        echo "demo: last lines of $(basename "$f"):" >&2
        tail -n 15 "$f" >&2
    done
    exit 1
}

start_rtmd() {
    local startup_timeout_s=10 listen_re='^rtmd listening on (.+):([0-9]+)$'
    "$rtmd" --listen 127.0.0.1:0 >"$tmp/rtmd.out" 2>"$tmp/rtmd.log" &
    rtmd_pid=$!
    local deadline=$((SECONDS + startup_timeout_s))
    first_line=
    while :; do
        if [[ -s $tmp/rtmd.out ]]; then
            IFS= read -r first_line <"$tmp/rtmd.out" || true
            [[ $first_line =~ $listen_re ]] && break
        fi
        kill -0 "$rtmd_pid" 2>/dev/null || fail "rtmd exited before it listened"
        ((SECONDS < deadline)) || fail "rtmd did not print its address within ${startup_timeout_s} s"
        sleep 0.1
    done
    url="ws://${BASH_REMATCH[1]}:${BASH_REMATCH[2]}"
}

# Our own child stays a zombie until we wait for it, and kill -0 still reaches a zombie: read
# its state from /proc instead, so that a hung process cannot hang the demo.
running() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) } # the fields after "pid (comm) "
    [[ ${stat:0:1} != Z ]]
}

wait_exit() {
    local deadline=$((SECONDS + $3)) rc=0
    while running "$1"; do
        ((SECONDS < deadline)) || fail "$2 still running $3 s later"
        sleep 0.1
    done
    wait "$1" || rc=$?
    ((rc == 0)) || fail "$2 exited with status $rc"
}

stop_rtmd() {
    kill -TERM "$rtmd_pid"
    wait_exit "$rtmd_pid" "rtmd after SIGTERM" "$1"
    rtmd_pid=
}
