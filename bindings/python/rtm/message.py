"""Message: a text or raw (bytes) payload, sent or received.

A Message is a plain immutable value: it holds no native handle. Building one checks it with
librtm at once (``rtm_message_new_text`` / ``rtm_message_new_raw``: the 32,768-byte limit, UTF-8)
and keeps what librtm made of it; sending builds a native message for the duration of the call.
Received messages are copied out of their event, so they outlive it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Union

from ._native import n as _n
from .enums import Err, MessageType
from .errors import make_error

__all__ = ["Message", "Payload"]

BytesLike = Union[bytes, bytearray, memoryview]
Payload = Union[str, BytesLike, "Message"]


def _new_native(payload: str | BytesLike, description: str | None) -> Any:
    if isinstance(payload, str):
        if description is not None:
            raise TypeError("a text message has no description (pass bytes for a raw message)")
        handle, err = _n.rtm_message_new_text(payload)
    elif isinstance(payload, (bytes, bytearray, memoryview)):
        handle, err = _n.rtm_message_new_raw(payload, description)
    else:
        raise TypeError(
            f"a message payload must be str (text) or bytes-like (raw), "
            f"not {type(payload).__name__}"
        )
    if handle is None:
        if err == Err.INVALID_MESSAGE:
            raise make_error(err, "the message is over 32,768 bytes or not valid UTF-8")
        raise make_error(err)
    return handle


class Message:
    """A message. ``Message("hi")`` is a text message; ``Message(b"\\x00\\x01", "desc")`` a raw
    one with an optional description.

    Properties: ``type`` (MessageType.TEXT or RAW), ``text`` (the text; for a raw message its
    description or ""), ``data`` (the bytes: raw data, or the text as UTF-8), ``description``
    (raw messages; None for text), and for received messages ``id`` (the server's message id),
    ``server_ts_ms`` (the server's receive time, ms since the epoch) and ``is_offline`` (stored
    while the receiver was offline). Messages built here have id 0, server_ts_ms 0.
    """

    __slots__ = ("_type", "_text", "_data", "_id", "_server_ts_ms", "_offline")

    def __init__(self, payload: str | BytesLike, description: str | None = None) -> None:
        handle = _new_native(payload, description)
        try:
            self._read(handle)
        finally:
            _n.rtm_message_free(handle)

    def _read(self, handle: Any) -> None:
        self._type = MessageType(_n.rtm_message_type(handle))
        self._text: str = _n.rtm_message_text(handle) or ""
        self._data: bytes = _n.rtm_message_data(handle) or b""
        self._id: int = _n.rtm_message_id(handle)
        self._server_ts_ms: int = _n.rtm_message_server_ts_ms(handle)
        self._offline = bool(_n.rtm_message_is_offline(handle))

    @classmethod
    def _from_borrowed(cls, handle: Any) -> Message:
        """A copy of a message borrowed from an event."""
        m = cls.__new__(cls)
        m._read(handle)
        return m

    @classmethod
    def of(cls, payload: Payload) -> Message:
        """payload as a Message: str is text, bytes-like is raw, a Message is itself."""
        return payload if isinstance(payload, Message) else cls(payload)

    @contextmanager
    def _native(self) -> Iterator[object]:
        """A native message with this content for the duration of a send."""
        if self._type == MessageType.TEXT:
            handle = _new_native(self._text, None)
        else:
            handle = _new_native(self._data, self._text or None)
        try:
            yield handle
        finally:
            _n.rtm_message_free(handle)

    @property
    def type(self) -> MessageType:
        return self._type

    @property
    def text(self) -> str:
        return self._text

    @property
    def data(self) -> bytes:
        return self._data

    @property
    def description(self) -> str | None:
        return self._text if self._type == MessageType.RAW else None

    @property
    def id(self) -> int:
        return self._id

    @property
    def server_ts_ms(self) -> int:
        return self._server_ts_ms

    @property
    def is_offline(self) -> bool:
        return self._offline

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self._type, self._text, self._data) == (other._type, other._text, other._data)

    def __hash__(self) -> int:
        return hash((self._type, self._text, self._data))

    def __repr__(self) -> str:
        if self._type == MessageType.TEXT:
            body = repr(self._text)
        else:
            body = repr(self._data) + (f", {self._text!r}" if self._text else "")
        extra = f" id={self._id}" if self._id else ""
        extra += " offline" if self._offline else ""
        return f"<Message {self._type.name} {body}{extra}>"
