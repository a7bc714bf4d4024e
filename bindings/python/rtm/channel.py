"""Channel: a handle on one channel id of a client (``Client.create_channel``).

A Channel keeps its Client alive. After the client is closed every request raises ClosedError
(librtm's RTM_ERR_CLOSED); ``close()`` frees the handle (leaving the channel if joined, with no
event) and is idempotent; a forgotten Channel is freed by the garbage collector.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from ._native import n as _n
from .errors import ClosedError
from .message import Message, Payload

if TYPE_CHECKING:
    from .client import Client, Request

__all__ = ["Channel"]


class Channel:
    """One channel of a client. Requests return a Request (the request id); the result event
    follows on the client (``Client.wait``, ``await request`` or the client's event stream)."""

    _client: Client
    _handle: Any  # the native rtm_channel_t, None once closed
    _id: str
    _finalizer: weakref.finalize

    def __init__(self) -> None:
        raise TypeError("use Client.create_channel(channel_id)")

    @classmethod
    def _adopt(cls, client: Client, handle: Any) -> Channel:
        ch = cls.__new__(cls)
        ch._client = client
        ch._handle = handle
        ch._id = _n.rtm_channel_id(handle) or ""
        ch._finalizer = weakref.finalize(ch, _n.rtm_channel_free, handle)
        return ch

    def _live(self) -> Any:
        h = self._handle
        if h is None:
            raise ClosedError(_n.RTM_ERR_CLOSED, f"channel {self._id!r} was closed")
        return h

    @property
    def id(self) -> str:
        """The channel id."""
        return self._id

    @property
    def client(self) -> Client:
        return self._client

    @property
    def closed(self) -> bool:
        return self._handle is None

    def join(self) -> Request:
        """Joins. JOIN_CHANNEL_RESULT follows (with ``users`` when the client's config has
        channel.member_list_on_join); the other members get CHANNEL_MEMBER_JOINED."""
        return self._client._request(_n.rtm_channel_join, self._live)

    def leave(self) -> Request:
        """Leaves. LEAVE_CHANNEL_RESULT follows; the others get CHANNEL_MEMBER_LEFT."""
        return self._client._request(_n.rtm_channel_leave, self._live)

    def send_message(self, message: Payload) -> Request:
        """Sends to every other member (str: text, bytes-like: raw, or a Message).
        SEND_CHANNEL_MESSAGE_RESULT follows once the server has it."""
        with Message.of(message)._native() as m:
            return self._client._request(_n.rtm_channel_send_message, self._live, m, 0)

    def get_members(self) -> Request:
        """Asks for the member list: GET_MEMBERS_RESULT with ``users`` (at most 512)."""
        return self._client._request(_n.rtm_channel_get_members, self._live)

    def close(self) -> None:
        """Frees the handle, leaving the channel if joined (no event follows). Idempotent."""
        with self._client._cond:
            self._handle = None
            self._finalizer()

    def __enter__(self) -> Channel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Channel {self._id!r}{' closed' if self.closed else ''}>"
