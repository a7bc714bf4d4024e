#!/usr/bin/env python3
"""A line chat on rtmd: logs in as USER, joins CHANNEL, prints every message it receives as
one line "<from> <channel or peer> <text>", and sends each line of stdin to the channel (a line
"@user text" sends a peer message to user instead). Exits after logging out at end of input.

    chat.py USER CHANNEL [URL]

URL defaults to $RTM_SERVER_URL, else ws://127.0.0.1:9090. $RTM_APP_ID sets the app id (default
"demo"), $RTM_TOKEN a login token. Status lines ("# joined ...") and errors go to stderr, so
stdout carries only received messages. Raw messages print as UTF-8 (invalid bytes escaped).
"""

import os
import sys
import threading

import rtm

E = rtm.EventType


def text_of(message: rtm.Message) -> str:
    if message.type == rtm.MessageType.TEXT:
        return message.text
    return message.data.decode("utf-8", "backslashreplace")


def print_messages(client: rtm.Client) -> None:
    """The application's event loop: runs until the client is closed."""
    for ev in client.events():
        if ev.message is not None:  # CHANNEL_ or PEER_MESSAGE_RECEIVED
            where = ev.channel_id if ev.type == E.CHANNEL_MESSAGE_RECEIVED else "peer"
            print(ev.user_id, where, text_of(ev.message), flush=True)
        elif ev.connection_state is not None and ev.connection_reason is not None:
            state, reason = ev.connection_state.name, ev.connection_reason.name
            print(f"# {state} ({reason})", file=sys.stderr)
        elif not ev.ok:  # a request nobody waited for failed
            print(f"# {ev.exception()}", file=sys.stderr)


def send_line(client: rtm.Client, channel: rtm.Channel, line: str) -> None:
    try:
        if line.startswith("@") and " " in line:
            peer, text = line[1:].split(" ", 1)
            client.send_message_to_peer(peer, text).wait(timeout=15)
        else:
            channel.send_message(line).wait(timeout=15)
    except (rtm.RtmError, TimeoutError) as e:
        print(f"# not sent: {e}", file=sys.stderr)


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print("usage: chat.py USER CHANNEL [URL]", file=sys.stderr)
        return 2
    user, channel_id = sys.argv[1], sys.argv[2]
    url = sys.argv[3] if len(sys.argv) == 4 else os.environ.get("RTM_SERVER_URL")
    app_id = os.environ.get("RTM_APP_ID", "demo")
    try:
        with rtm.Client(app_id, url, config={"log.level": "error"}) as client:
            client.login(user, os.environ.get("RTM_TOKEN")).wait(timeout=15)
            channel = client.create_channel(channel_id)
            channel.join().wait(timeout=15)
            print(f"# joined {channel_id} as {user}", file=sys.stderr, flush=True)
            printer = threading.Thread(target=print_messages, args=(client,), daemon=True)
            printer.start()
            try:
                for line in sys.stdin:
                    line = line.rstrip("\n")
                    if line:
                        send_line(client, channel, line)
            finally:
                try:
                    client.logout().wait(timeout=5)
                except (rtm.RtmError, TimeoutError) as e:
                    print(f"# logout: {e}", file=sys.stderr)
                client.close()  # ends the printer's events() loop
                printer.join(5)
    except (rtm.RtmError, TimeoutError) as e:
        print(f"# {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
