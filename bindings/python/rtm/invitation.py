"""Invitation: a call invitation, local (this client sends it) or remote (received).

Each Invitation object owns one native reference (``rtm_client_create_local_invitation`` or
``rtm_event_invitation``) and keeps its Client alive. Several objects may refer to the same
invitation (every invitation event carries a new reference); they compare equal. Once the
client is closed every call raises ClosedError; ``close()`` drops the reference and is
idempotent; a forgotten Invitation is released by the garbage collector.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Callable

from ._native import n as _n
from .enums import InvitationKind, LocalInvitationState, RemoteInvitationState
from .errors import ClosedError

if TYPE_CHECKING:
    from .client import Client, Request

__all__ = ["Invitation"]


class Invitation:
    """A call invitation. Create local ones with ``Client.create_local_invitation``; remote ones
    arrive as ``Event.invitation`` (type REMOTE_INVITATION_RECEIVED)."""

    _client: Client
    _handle: Any  # this native rtm_invitation_t reference, None once closed
    _id: int
    _kind: InvitationKind
    _finalizer: weakref.finalize

    def __init__(self) -> None:
        raise TypeError("use Client.create_local_invitation(); remote ones come with events")

    @classmethod
    def _adopt(cls, client: Client, handle: Any) -> Invitation:
        inv = cls.__new__(cls)
        inv._client = client
        inv._handle = handle
        inv._id = _n.rtm_invitation_id(handle)
        inv._kind = InvitationKind(_n.rtm_invitation_kind(handle))
        inv._finalizer = weakref.finalize(inv, _n.rtm_invitation_free, handle)
        return inv

    def _live(self) -> Any:
        h = self._handle
        if h is None:
            raise ClosedError(_n.RTM_ERR_CLOSED, "the invitation was closed")
        return h

    def _get(self, accessor: Callable[[Any], Any]) -> Any:
        with self._client._cond:
            return accessor(self._live())

    def _set(self, setter: Callable[..., int], value: str, what: str) -> None:
        self._client._call_checked(setter, self._live, value, what=what)

    # -- properties --------------------------------------------------------------------

    @property
    def client(self) -> Client:
        return self._client

    @property
    def id(self) -> int:
        """The invitation id, the same on every reference; unique per client."""
        return self._id

    @property
    def kind(self) -> InvitationKind:
        return self._kind

    @property
    def state(self) -> LocalInvitationState | RemoteInvitationState:
        """The current state (LocalInvitationState or RemoteInvitationState, by kind)."""
        value: int = self._get(_n.rtm_invitation_state)
        if self._kind == InvitationKind.LOCAL:
            return LocalInvitationState(value)
        return RemoteInvitationState(value)

    @property
    def caller_id(self) -> str | None:
        value: str | None = self._get(_n.rtm_invitation_caller_id)
        return value

    @property
    def callee_id(self) -> str | None:
        value: str | None = self._get(_n.rtm_invitation_callee_id)
        return value

    @property
    def content(self) -> str | None:
        """The caller's content (at most 8,192 bytes; settable on a local one before send)."""
        value: str | None = self._get(_n.rtm_invitation_content)
        return value

    @content.setter
    def content(self, value: str) -> None:
        self._set(_n.rtm_invitation_set_content, value, "content")

    @property
    def channel_id(self) -> str | None:
        """The channel the call is about (settable on a local one before send)."""
        value: str | None = self._get(_n.rtm_invitation_channel_id)
        return value

    @channel_id.setter
    def channel_id(self, value: str) -> None:
        self._set(_n.rtm_invitation_set_channel_id, value, "channel id")

    @property
    def response(self) -> str | None:
        """The callee's response (settable on a remote one before accept or refuse)."""
        value: str | None = self._get(_n.rtm_invitation_response)
        return value

    @response.setter
    def response(self, value: str) -> None:
        self._set(_n.rtm_invitation_set_response, value, "response")

    @property
    def closed(self) -> bool:
        return self._handle is None

    # -- requests ----------------------------------------------------------------------

    def send(self) -> Request:
        """Sends a local invitation (state SENT_TO_REMOTE at once). INVITATION_RESULT follows,
        then LOCAL_INVITATION_RECEIVED_BY_PEER and ACCEPTED, REFUSED or FAILURE."""
        return self._client._request(_n.rtm_invitation_send, self._live)

    def cancel(self) -> Request:
        """Cancels a sent local invitation: INVITATION_RESULT, then LOCAL_INVITATION_CANCELED."""
        return self._client._request(_n.rtm_invitation_cancel, self._live)

    def accept(self, response: str | None = None) -> Request:
        """Accepts a remote invitation (optionally setting the response first)."""
        if response is not None:
            self.response = response
        return self._client._request(_n.rtm_invitation_accept, self._live)

    def refuse(self, response: str | None = None) -> Request:
        """Refuses a remote invitation (optionally setting the response first)."""
        if response is not None:
            self.response = response
        return self._client._request(_n.rtm_invitation_refuse, self._live)

    # -- lifetime ----------------------------------------------------------------------

    def close(self) -> None:
        """Drops this reference (other references stay valid). Idempotent."""
        with self._client._cond:
            self._handle = None
            self._finalizer()

    def __enter__(self) -> Invitation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Invitation):
            return NotImplemented
        return self._client is other._client and self._id == other._id

    def __hash__(self) -> int:
        return hash((id(self._client), self._id))

    def __repr__(self) -> str:
        return f"<Invitation {self._kind.name} id={self._id}{' closed' if self.closed else ''}>"
