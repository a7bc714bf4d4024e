"""Event: one entry of a client's event queue, copied out of librtm when it is polled.

The native event is freed as soon as it has been read, so an Event is an ordinary Python
object: keep it as long as you like, also after its client is closed. Fields an event type
does not carry are None / 0 / empty, as the C accessors return them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from ._native import n as _n
from .enums import ConnectionChangeReason, ConnectionState, Err, EventType, PeerOnlineState
from .errors import RtmError, make_error
from .message import Message

if TYPE_CHECKING:
    from .client import Client
    from .invitation import Invitation

__all__ = ["Event", "AttributeEntry"]


class AttributeEntry(NamedTuple):
    """One attribute of a list, with who last updated it and when (channel attributes)."""

    key: str
    value: str
    updated_by: str | None
    updated_ts_ms: int


class Event:
    """An event of a client's queue.

    Always set: ``type`` (EventType), ``request_id`` (0 for unsolicited events), ``error`` (Err;
    ``Err.OK`` unless a result failed). By type, see docs/bindings-python.md: ``channel_id``,
    ``user_id``, ``message``, ``connection_state`` / ``connection_reason``, ``member_count``,
    ``peers`` ({peer id: PeerOnlineState}), ``users`` (members, subscribed peers),
    ``attributes`` ({key: value}) and ``attribute_entries`` (with updated_by / updated_ts_ms),
    ``channel_member_counts`` ({channel id: count}), ``invitation``.
    """

    __slots__ = (
        "type",
        "request_id",
        "error",
        "channel_id",
        "user_id",
        "message",
        "connection_state",
        "connection_reason",
        "member_count",
        "peers",
        "users",
        "attribute_entries",
        "channel_member_counts",
        "invitation",
    )

    type: EventType
    request_id: int
    error: Err
    channel_id: str | None
    user_id: str | None
    message: Message | None
    connection_state: ConnectionState | None
    connection_reason: ConnectionChangeReason | None
    member_count: int
    peers: dict[str, PeerOnlineState]
    users: list[str]
    attribute_entries: list[AttributeEntry]
    channel_member_counts: dict[str, int]
    invitation: Invitation | None

    @classmethod
    def _take(cls, client: Client, handle: Any) -> Event:
        """Reads a polled native event and frees it. (List accessors return NULL only out of
        range, hence the `or ""` that only satisfies the type checker.)"""
        try:
            return cls._read(client, handle)
        finally:
            _n.rtm_event_free(handle)

    @classmethod
    def _read(cls, client: Client, h: Any) -> Event:
        from .invitation import Invitation

        ev = cls.__new__(cls)
        ev.type = EventType(_n.rtm_event_type(h))
        ev.request_id = _n.rtm_event_request_id(h)
        ev.error = Err(_n.rtm_event_error(h))
        ev.channel_id = _n.rtm_event_channel_id(h)
        ev.user_id = _n.rtm_event_user_id(h)
        m = _n.rtm_event_message(h)
        ev.message = Message._from_borrowed(m) if m is not None else None
        if ev.type == EventType.CONNECTION_STATE_CHANGED:
            ev.connection_state = ConnectionState(_n.rtm_event_connection_state(h))
            ev.connection_reason = ConnectionChangeReason(_n.rtm_event_connection_reason(h))
        else:
            ev.connection_state = ev.connection_reason = None
        ev.member_count = _n.rtm_event_member_count(h)
        ev.peers = {
            (_n.rtm_event_peer_id(h, i) or ""): PeerOnlineState(_n.rtm_event_peer_state(h, i))
            for i in range(_n.rtm_event_peer_count(h))
        }
        ev.users = [_n.rtm_event_user_at(h, i) or "" for i in range(_n.rtm_event_user_count(h))]
        ev.attribute_entries = [
            AttributeEntry(
                _n.rtm_event_attribute_key(h, i) or "",
                _n.rtm_event_attribute_value(h, i) or "",
                _n.rtm_event_attribute_updated_by(h, i),
                _n.rtm_event_attribute_updated_ts_ms(h, i),
            )
            for i in range(_n.rtm_event_attribute_count(h))
        ]
        ev.channel_member_counts = {
            (_n.rtm_event_channel_at(h, i) or ""): _n.rtm_event_channel_member_count_at(h, i)
            for i in range(_n.rtm_event_channel_count(h))
        }
        inv = _n.rtm_event_invitation(h)
        ev.invitation = Invitation._adopt(client, inv) if inv is not None else None
        return ev

    @property
    def attributes(self) -> dict[str, str]:
        """The attribute list as {key: value}."""
        return {a.key: a.value for a in self.attribute_entries}

    @property
    def ok(self) -> bool:
        """True unless the event carries an error."""
        return self.error == Err.OK

    def exception(self) -> RtmError | None:
        """The error this event carries as an exception (None when it carries none)."""
        if self.error == Err.OK:
            return None
        what = f"result of request {self.request_id}" if self.request_id else "event"
        sentence = f"{_n.rtm_err_str(int(self.error))} ({what}, {self.type.name})"
        return make_error(self.error, sentence, request_id=self.request_id, event=self)

    def check(self) -> Event:
        """Raises the matching RtmError if the event carries an error; returns the event."""
        exc = self.exception()
        if exc is not None:
            raise exc
        return self

    def __repr__(self) -> str:
        parts = [self.type.name]
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        if self.error != Err.OK:
            parts.append(f"error={self.error.name}")
        for name in ("channel_id", "user_id", "message", "connection_state", "connection_reason"):
            v = getattr(self, name)
            if v is not None:
                parts.append(f"{name}={v!r}")
        if self.member_count:
            parts.append(f"member_count={self.member_count}")
        for name in ("peers", "users", "attribute_entries", "channel_member_counts"):
            v = getattr(self, name)
            if v:
                parts.append(f"{name}={v!r}")
        if self.invitation is not None:
            parts.append(f"invitation={self.invitation!r}")
        return f"<Event {' '.join(parts)}>"
