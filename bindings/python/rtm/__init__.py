"""rtm: the Python binding of librtm, the client SDK of rtmd.

    import rtm

    with rtm.Client("my-app", "ws://127.0.0.1:9090") as c:
        c.login("alice").wait(timeout=10)
        ch = c.create_channel("lobby")
        ch.join().wait()
        ch.send_message("hello")
        for ev in c.events(timeout=5):
            if ev.type == rtm.EventType.CHANNEL_MESSAGE_RECEIVED:
                print(ev.user_id, ev.message.text)

Requests return a ``Request`` (the request id, an int) whose result event can be waited for
(``.wait()``, ``await``); every other event comes from ``poll()``, ``events()`` or
``await next_event()``. Errors are ``RtmError`` subclasses carrying the rtm_err_t code, its name
and a sentence. The flat C ABI itself is ``rtm.rtm_native``. docs/bindings-python.md has it all.
"""

from __future__ import annotations

from ._native import n as _n
from .channel import Channel
from .client import Attributes, Client, ConfigValue, Request
from .enums import (
    AttrFlag,
    ConnectionChangeReason,
    ConnectionState,
    Err,
    EventType,
    InvitationKind,
    LocalInvitationState,
    MessageType,
    PeerOnlineState,
    RemoteInvitationState,
    SendFlag,
    SubscriptionOption,
)
from . import errors as _errors
from .errors import *  # noqa: F403 - every error class, as errors.__all__ lists them
from .errors import make_error as _make_error
from .event import AttributeEntry, Event
from .invitation import Invitation
from .message import Message, Payload

__version__: str = _n.rtm_version_string()


def version() -> tuple[int, int, int]:
    """The (major, minor, patch) of the loaded librtm."""
    v = _n.rtm_version()
    return (v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF


def version_string() -> str:
    """The version of the loaded librtm, e.g. "1.0.0"."""
    return _n.rtm_version_string()


def live_handles() -> int:
    """How many native handles the process holds (clients, channels, invitation references,
    polled events, configs, messages): for leak checks in tests."""
    return _n.rtm_live_handles()


def err_name(code: int) -> str:
    """"RTM_ERR_TIMEOUT" for Err.TIMEOUT; "RTM_ERR_UNKNOWN" for a code out of range."""
    return _n.rtm_err_name(int(code))


def err_str(code: int) -> str:
    """One English sentence describing code."""
    return _n.rtm_err_str(int(code))


def event_type_name(event_type: int) -> str:
    """"RTM_EVENT_LOGIN_RESULT" for EventType.LOGIN_RESULT; "RTM_EVENT_UNKNOWN" otherwise."""
    return _n.rtm_event_type_name(int(event_type))


def build_token(
    app_id: str,
    app_certificate: str,
    user_id: str,
    *,
    expire_ts: int = 0,
    salt: int = 0,
    issue_ts: int = 0,
) -> str:
    """A "006" login token for user_id (for servers and tests: keep certificates off client
    devices). expire_ts in seconds since the epoch (0: the token's own 24 hours); salt 0 is
    random; issue_ts 0 is now."""
    token, err = _n.rtm_token_build(app_id, app_certificate, user_id, expire_ts, salt, issue_ts)
    if token is None:
        if err == Err.INVALID_ARGUMENT:
            raise _make_error(err, "app id and certificate must be 32 hexadecimal characters")
        raise _make_error(err)
    return token


from . import rtm_native  # noqa: E402 - the flat ABI, for what the classes do not cover

__all__ = [
    "Client",
    "Request",
    "Channel",
    "Invitation",
    "Message",
    "Event",
    "AttributeEntry",
    "Attributes",
    "ConfigValue",
    "Payload",
    "AttrFlag",
    "ConnectionChangeReason",
    "ConnectionState",
    "Err",
    "EventType",
    "InvitationKind",
    "LocalInvitationState",
    "MessageType",
    "PeerOnlineState",
    "RemoteInvitationState",
    "SendFlag",
    "SubscriptionOption",
    "version",
    "version_string",
    "live_handles",
    "err_name",
    "err_str",
    "event_type_name",
    "build_token",
    "rtm_native",
]
__all__ += _errors.__all__
