"""Errors: one exception class per rtm_err_t code, all subclasses of RtmError.

A synchronous failure (bad input, wrong state) raises at the call, with the sentence librtm
wrote for it (``rtm_client_last_error``). A failed result event raises from ``Client.wait`` /
``await request`` / ``Event.check()``, with the code's own sentence and the event attached.
Codes about bad input also subclass ValueError, so ``except ValueError`` catches every kind of
bad argument, whether Python (type, NUL in a string) or librtm (id rules, sizes) refused it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._native import n as _n
from .enums import Err

if TYPE_CHECKING:
    from .event import Event

__all__ = [
    "RtmError",
    "FailureError",
    "InvalidArgumentError",
    "NotLoggedInError",
    "AlreadyLoggedInError",
    "TimedOutError",
    "TooOftenError",
    "RejectedError",
    "InvalidAppIdError",
    "InvalidTokenError",
    "TokenExpiredError",
    "NotAuthorizedError",
    "InvalidUserIdError",
    "InvalidChannelIdError",
    "InvalidMessageError",
    "SizeOverflowError",
    "ExceedLimitError",
    "PeerUnreachableError",
    "CachedByServerError",
    "AlreadyJoinedError",
    "NotInChannelError",
    "UserNotFoundError",
    "PeerOfflineError",
    "PeerNoResponseError",
    "InvitationExpiredError",
    "InvalidStateError",
    "NoMemoryError",
    "NetworkError",
    "TlsError",
    "ProtocolError",
    "ClosedError",
    "NotSupportedError",
    "error_class",
]


class RtmError(Exception):
    """A librtm error.

    Attributes:
        code: the rtm_err_t code (an ``Err``).
        name: the code's name, e.g. ``"RTM_ERR_INVALID_USER_ID"``.
        sentence: what went wrong, in one sentence.
        request_id: the request whose result failed (0 for synchronous failures).
        event: the failed result event (None for synchronous failures).
    """

    code: Err = Err.FAILURE

    def __init__(
        self,
        code: int,
        sentence: str | None = None,
        *,
        request_id: int = 0,
        event: Event | None = None,
    ) -> None:
        self.code = Err(code)
        self.name: str = _n.rtm_err_name(int(code))
        self.sentence: str = sentence or _n.rtm_err_str(int(code))
        self.request_id = request_id
        self.event = event
        super().__init__(f"{self.name}: {self.sentence}")

    def __reduce__(self) -> tuple[Any, ...]:  # picklable despite the keyword-only fields
        return (_rebuild, (int(self.code), self.sentence, self.request_id))


def _rebuild(code: int, sentence: str, request_id: int) -> RtmError:
    return error_class(code)(code, sentence, request_id=request_id)


class FailureError(RtmError):
    """RTM_ERR_FAILURE: a failure without a more specific code."""

    code = Err.FAILURE


class InvalidArgumentError(RtmError, ValueError):
    """RTM_ERR_INVALID_ARGUMENT: a missing, empty or malformed argument."""

    code = Err.INVALID_ARGUMENT


class NotLoggedInError(RtmError):
    """RTM_ERR_NOT_LOGGED_IN: the call needs a session."""

    code = Err.NOT_LOGGED_IN


class AlreadyLoggedInError(RtmError):
    """RTM_ERR_ALREADY_LOGGED_IN: login while logged in, logging in, or aborted."""

    code = Err.ALREADY_LOGGED_IN


class TimedOutError(RtmError):
    """RTM_ERR_TIMEOUT: librtm gave up on a request or login (``request.timeout_ms``).

    Not to be confused with the built-in TimeoutError, which ``Client.wait(timeout=...)``
    raises when its own deadline passes first.
    """

    code = Err.TIMEOUT


class TooOftenError(RtmError):
    """RTM_ERR_TOO_OFTEN: the server's rate limit refused the request."""

    code = Err.TOO_OFTEN


class RejectedError(RtmError):
    """RTM_ERR_REJECTED: the server refused the request."""

    code = Err.REJECTED


class InvalidAppIdError(RtmError, ValueError):
    """RTM_ERR_INVALID_APP_ID: an empty or too long app id, or not the server's."""

    code = Err.INVALID_APP_ID


class InvalidTokenError(RtmError):
    """RTM_ERR_INVALID_TOKEN: the server refused the token."""

    code = Err.INVALID_TOKEN


class TokenExpiredError(RtmError):
    """RTM_ERR_TOKEN_EXPIRED: the token is past its end."""

    code = Err.TOKEN_EXPIRED


class NotAuthorizedError(RtmError):
    """RTM_ERR_NOT_AUTHORIZED: the server's policy refused the request."""

    code = Err.NOT_AUTHORIZED


class InvalidUserIdError(RtmError, ValueError):
    """RTM_ERR_INVALID_USER_ID: a user id that breaks the id rules."""

    code = Err.INVALID_USER_ID


class InvalidChannelIdError(RtmError, ValueError):
    """RTM_ERR_INVALID_CHANNEL_ID: a channel id that breaks the id rules."""

    code = Err.INVALID_CHANNEL_ID


class InvalidMessageError(RtmError, ValueError):
    """RTM_ERR_INVALID_MESSAGE: a message over 32,768 bytes or not valid UTF-8."""

    code = Err.INVALID_MESSAGE


class SizeOverflowError(RtmError):
    """RTM_ERR_SIZE_OVERFLOW: attributes, content or response over their limits."""

    code = Err.SIZE_OVERFLOW


class ExceedLimitError(RtmError):
    """RTM_ERR_EXCEED_LIMIT: more entries or channels than allowed."""

    code = Err.EXCEED_LIMIT


class PeerUnreachableError(RtmError):
    """RTM_ERR_PEER_UNREACHABLE: the peer is offline or did not acknowledge the message."""

    code = Err.PEER_UNREACHABLE


class CachedByServerError(RtmError):
    """RTM_ERR_CACHED_BY_SERVER: the server stored the message for an offline peer."""

    code = Err.CACHED_BY_SERVER


class AlreadyJoinedError(RtmError):
    """RTM_ERR_ALREADY_JOINED: the channel is joined or being joined."""

    code = Err.ALREADY_JOINED


class NotInChannelError(RtmError):
    """RTM_ERR_NOT_IN_CHANNEL: the call needs a joined channel."""

    code = Err.NOT_IN_CHANNEL


class UserNotFoundError(RtmError):
    """RTM_ERR_USER_NOT_FOUND: the user is not online."""

    code = Err.USER_NOT_FOUND


class PeerOfflineError(RtmError):
    """RTM_ERR_PEER_OFFLINE: the invitation's other side is offline."""

    code = Err.PEER_OFFLINE


class PeerNoResponseError(RtmError):
    """RTM_ERR_PEER_NO_RESPONSE: the callee never acknowledged the invitation."""

    code = Err.PEER_NO_RESPONSE


class InvitationExpiredError(RtmError):
    """RTM_ERR_INVITATION_EXPIRED: the invitation was not answered in time."""

    code = Err.INVITATION_EXPIRED


class InvalidStateError(RtmError):
    """RTM_ERR_INVALID_STATE: a call the object's state does not allow."""

    code = Err.INVALID_STATE


class NoMemoryError(RtmError):
    """RTM_ERR_NO_MEMORY: librtm ran out of memory."""

    code = Err.NO_MEMORY


class NetworkError(RtmError):
    """RTM_ERR_NETWORK: the server cannot be reached."""

    code = Err.NETWORK


class TlsError(RtmError):
    """RTM_ERR_TLS: the TLS handshake failed."""

    code = Err.TLS


class ProtocolError(RtmError):
    """RTM_ERR_PROTOCOL: the server spoke something librtm does not understand."""

    code = Err.PROTOCOL


class ClosedError(RtmError):
    """RTM_ERR_CLOSED: the client (or this object) was closed."""

    code = Err.CLOSED


class NotSupportedError(RtmError):
    """RTM_ERR_NOT_SUPPORTED: the server does not support the request."""

    code = Err.NOT_SUPPORTED


_BY_CODE: dict[int, type[RtmError]] = {
    int(cls.code): cls
    for cls in (
        FailureError,
        InvalidArgumentError,
        NotLoggedInError,
        AlreadyLoggedInError,
        TimedOutError,
        TooOftenError,
        RejectedError,
        InvalidAppIdError,
        InvalidTokenError,
        TokenExpiredError,
        NotAuthorizedError,
        InvalidUserIdError,
        InvalidChannelIdError,
        InvalidMessageError,
        SizeOverflowError,
        ExceedLimitError,
        PeerUnreachableError,
        CachedByServerError,
        AlreadyJoinedError,
        NotInChannelError,
        UserNotFoundError,
        PeerOfflineError,
        PeerNoResponseError,
        InvitationExpiredError,
        InvalidStateError,
        NoMemoryError,
        NetworkError,
        TlsError,
        ProtocolError,
        ClosedError,
        NotSupportedError,
    )
}


def error_class(code: int) -> type[RtmError]:
    """The exception class for an rtm_err_t code (RtmError itself for a code it does not know)."""
    return _BY_CODE.get(int(code), RtmError)


def make_error(code: int, sentence: str | None = None, **kw: Any) -> RtmError:
    """An instance of the right class for code."""
    return error_class(code)(code, sentence, **kw)
