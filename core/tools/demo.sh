#!/usr/bin/env bash
# demo.sh BUILD_DIR: the cross-language chat. Starts rtmd on a free port, then three chat
# clients in one channel: alice in Python, bob in Java and carol in C# (bindings/*/examples).
# Each says hello to the channel in its own words (non-ASCII included), alice sends bob a peer
# message and carol answers alice with one; then every client must have received every message
# meant for it, byte for byte. Exits non-zero if anything is missing; cleans up always.
# The rtm-cli tour that came before is core/tools/cli_demo.sh.
set -euo pipefail

step_timeout_s=60
shutdown_timeout_s=10
channel=lobby

if [[ $# -ne 1 || $1 == -h || $1 == --help ]]; then
    echo "Usage: $0 BUILD_DIR   (build everything first, bindings included)" >&2
    exit 2
fi
build_dir=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
rtmd=$build_dir/core/server/rtmd
python_pkg=$build_dir/bindings/python
java_jar=$build_dir/bindings/java/rtm-examples.jar
csharp_exe=$build_dir/bindings/csharp/out/RtmChat.exe
for f in "$rtmd" "$python_pkg/rtm/__init__.py" "$java_jar" "$csharp_exe"; do
    if [[ ! -e $f ]]; then
        echo "demo: $f not found: build everything first (cmake --build $1)" >&2
        exit 2
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rtm-chat.XXXXXX")
source "$root/core/tools/demo_lib.sh"

# --- the server -------------------------------------------------------------------------------

start_rtmd
echo "demo: $first_line (pid $rtmd_pid)"
echo "demo: alice (Python), bob (Java) and carol (C#) join channel '$channel' at $url"
echo

# --- the three clients ------------------------------------------------------------------------

# start NAME COMMAND...: runs a chat client whose stdin is a FIFO this script writes to (fd kept
# in fd_NAME), stdout in NAME.out (and on the terminal), stderr in NAME.err.
declare -A fds
start() {
    local name=$1
    shift
    mkfifo "$tmp/$name.in"
    "$@" <"$tmp/$name.in" > >(tee "$tmp/$name.out" | sed -u "s/^/[$name] /") 2>"$tmp/$name.err" &
    pids+=($!)
    local fd
    exec {fd}>"$tmp/$name.in"
    fds[$name]=$fd
}

say() { # say NAME LINE: NAME types LINE into its chat
    printf '%s\n' "$2" >&"${fds[$1]}"
}

wait_for() { # wait_for FILE TEXT WHAT
    local deadline=$((SECONDS + step_timeout_s))
    until grep -qF -- "$2" "$1" 2>/dev/null; do
        ((SECONDS < deadline)) || fail "$3 (no \"$2\" in $(basename "$1") after ${step_timeout_s} s)"
        sleep 0.1
    done
}

export RTM_SERVER_URL=$url
start alice env PYTHONPATH="$python_pkg" /usr/bin/python3 -u \
    "$root/bindings/python/examples/chat.py" alice "$channel"
start bob java -jar "$java_jar" bob "$channel"
start carol mono "$csharp_exe" carol "$channel"
for name in alice bob carol; do
    wait_for "$tmp/$name.err" "joined" "$name did not join"
done

# --- the conversation -------------------------------------------------------------------------

alice_says="héllo from Python ✓"
bob_says="Grüße aus Java ☕"
carol_says="saludos desde C# — ¡hola!"
say alice "$alice_says"
say bob "$bob_says"
say carol "$carol_says"
say alice "@bob a private word from Python, bob"
wait_for "$tmp/bob.out" "alice peer a private word from Python, bob" "bob's peer message"
say carol "@alice C# answers Python in private"

# Every message reaches everyone else in the channel (never its sender) and the peer messages
# reach exactly their receivers, intact.
wait_for "$tmp/alice.out" "bob $channel $bob_says" "Java -> Python"
wait_for "$tmp/alice.out" "carol $channel $carol_says" "C# -> Python"
wait_for "$tmp/alice.out" "carol peer C# answers Python in private" "C# -> Python (peer)"
wait_for "$tmp/bob.out" "alice $channel $alice_says" "Python -> Java"
wait_for "$tmp/bob.out" "carol $channel $carol_says" "C# -> Java"
wait_for "$tmp/carol.out" "alice $channel $alice_says" "Python -> C#"
wait_for "$tmp/carol.out" "bob $channel $bob_says" "Java -> C#"
for name in alice bob carol; do
    if grep -q "^$name " "$tmp/$name.out"; then
        fail "$name received its own message"
    fi
done
if grep -q "peer" "$tmp/carol.out"; then
    fail "carol received a peer message meant for someone else"
fi

# --- goodbye ----------------------------------------------------------------------------------

for name in alice bob carol; do
    eval "exec ${fds[$name]}>&-" # EOF: the client logs out and exits
done
for pid in "${pids[@]}"; do
    wait_exit "$pid" "a chat client (pid $pid) told to log out" "$step_timeout_s"
done
pids=()
echo

stop_rtmd "$shutdown_timeout_s"
echo "demo: every message arrived intact in every language; rtmd stopped cleanly (exit 0)"
