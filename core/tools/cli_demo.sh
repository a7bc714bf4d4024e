#!/usr/bin/env bash
# cli_demo.sh BUILD_DIR: a guided tour of rtmd and rtm-cli that a person can follow and CI can run.
# Starts rtmd on a free port, runs two scripted clients (alice and bob) side by side, checks
# what they saw, stops rtmd with SIGTERM. Exits non-zero if any step fails; cleans up always.
set -euo pipefail

client_timeout_s=60 # for each client, start to finish
shutdown_timeout_s=10

if [[ $# -ne 1 || $1 == -h || $1 == --help ]]; then
    echo "Usage: $0 BUILD_DIR   (build the rtmd and rtm-cli targets first)" >&2
    exit 2
fi
build_dir=$1
rtmd=$build_dir/core/server/rtmd
cli=$build_dir/core/tools/rtm-cli
for exe in "$rtmd" "$cli"; do
    if [[ ! -x $exe ]]; then
        echo "demo: $exe not found: build the rtmd and rtm-cli targets first" >&2
        exit 2
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rtm-demo.XXXXXX")
source "$(dirname "$0")/demo_lib.sh"

# --- the server -------------------------------------------------------------------------------

start_rtmd
echo "demo: $first_line (pid $rtmd_pid); alice and bob connect to $url"
echo

# --- the two clients --------------------------------------------------------------------------

cat >"$tmp/alice.rtm" <<'EOF'
echo -- alice logs in and waits until bob is online
login alice
expect LOGIN_RESULT
wait-online bob 15000
echo -- alice says hello; "delivered" means bob's client has the message
send bob Hello bob, this is alice!
expect SEND_PEER_MESSAGE_RESULT
expect PEER_MESSAGE_RECEIVED
echo -- alice sends raw bytes with a description
sendraw bob 00c0ffee42 five raw bytes
expect SEND_PEER_MESSAGE_RESULT
expect PEER_MESSAGE_RECEIVED
echo -- alice asks who is online: bob is, carol never logged in
query bob carol
expect QUERY_PEERS_ONLINE_STATUS_RESULT
echo -- a message to carol cannot be delivered
send carol Are you there, carol?
expect SEND_PEER_MESSAGE_RESULT
echo -- alice says goodbye and logs out
send bob Bye bob!
expect SEND_PEER_MESSAGE_RESULT
logout
expect LOGOUT_RESULT
EOF

cat >"$tmp/bob.rtm" <<'EOF'
echo -- bob logs in and waits for a message
login bob
expect LOGIN_RESULT
expect PEER_MESSAGE_RECEIVED 20000
send alice Hi alice! Good to hear from you.
expect SEND_PEER_MESSAGE_RESULT
expect PEER_MESSAGE_RECEIVED 20000
echo -- bob answers the raw message with a raw one of his own
sendraw alice 0102030405 five more bytes
expect SEND_PEER_MESSAGE_RESULT
echo -- bob stays online until alice says goodbye
expect PEER_MESSAGE_RECEIVED 20000
logout
expect LOGOUT_RESULT
EOF

# Each client's lines go to the terminal as they happen and to a file for the checks below.
run_client() {
    local name=$1
    timeout "$client_timeout_s" "$cli" --url "$url" --name "$name" <"$tmp/$name.rtm" 2>&1 |
        tee "$tmp/$name.out"
}

run_client bob &
pids+=($!)
run_client alice &
pids+=($!)

client_names=(bob alice)
failed=()
for i in "${!pids[@]}"; do
    rc=0
    wait "${pids[$i]}" || rc=$?
    ((rc == 0)) || failed+=("${client_names[$i]} exited with status $rc")
done
pids=()
echo
((${#failed[@]} == 0)) || fail "${failed[*]}"

# --- what they should have seen ---------------------------------------------------------------

check() {
    local name=$1 line=$2
    grep -qF -- "[$name] $line" "$tmp/$name.out" || fail "$name never printed \"$line\""
}
check alice "login as alice succeeded"
check alice "bob is ONLINE"
check alice "message to bob delivered"
check alice "raw message to bob delivered"
check alice "message from bob: Hi alice! Good to hear from you."
check alice "raw message from bob (five more bytes): 5 bytes 0102030405"
check alice "bob is ONLINE, carol is OFFLINE"
check alice "message to carol failed: RTM_ERR_PEER_UNREACHABLE"
check alice "logout done"
check bob "message from alice: Hello bob, this is alice!"
check bob "raw message from alice (five raw bytes): 5 bytes 00c0ffee42"
check bob "message from alice: Bye bob!"
check bob "logout done"
if grep -q '\] error: ' "$tmp/alice.out" "$tmp/bob.out"; then
    fail "a client printed an error"
fi

# --- stopping the server ----------------------------------------------------------------------

stop_rtmd "$shutdown_timeout_s"
echo "demo: rtmd stopped cleanly (exit status 0)"
echo "demo finished"
