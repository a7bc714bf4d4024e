"""Client: one librtm client, its requests, and the dispatcher over its event queue.

Every request returns a Request: the request id (an int) that can also wait for its own
result (``request.wait()``, ``await request``). The dispatcher makes that safe next to the
application's own event loop: whichever thread (or asyncio task) polls the native queue hands
each event to its place, a result whose request somebody waits for to that waiter, everything
else to the application's queue (``poll``, ``events``, ``next_event``). No event is lost or
taken by the wrong reader, and only one thread polls the native queue at a time (the others
wait on a condition until it hands them what they want).

Locking: ``_cond`` guards the handle and the dispatcher state. Every native call on the client
or one of its children runs under it, except the blocking poll, which runs with neither the
lock nor the GIL held; ``close()`` wakes that poll and waits for it before freeing the client.
"""

from __future__ import annotations

import asyncio
import collections
import math
import threading
import time
import weakref
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Mapping,
    Tuple,
    Union,
)

from ._native import n as _n
from .channel import Channel
from .enums import AttrFlag, ConnectionState, Err, SendFlag, SubscriptionOption
from .errors import ClosedError, FailureError, NoMemoryError, RtmError, make_error
from .event import Event
from .invitation import Invitation
from .message import Message, Payload

__all__ = ["Client", "Request", "Attributes", "ConfigValue"]

ConfigValue = Union[str, int, bool]
Attributes = Union[Mapping[str, str], Iterable[Tuple[str, str]]]

# In the main thread the native poll runs in slices this long, so that a pending signal
# (Ctrl-C) is handled while waiting; other threads never receive signals and poll in one go.
_MAIN_SLICE_S = 0.1
# A thread waiting while another one polls re-checks this often (a safety net only: the poller
# notifies it for every event it dispatches).
_FOLLOWER_SLICE_S = 0.5
# At most this many events are moved per readiness callback in asyncio, so that a flood of
# events cannot starve the loop.
_DRAIN_BATCH = 256

_NOTHING: Any = object()


def _config_str(key: str, value: ConfigValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"config value of {key!r} must be str, int or bool, not {type(value).__name__}")


def _str_list(values: Iterable[str], what: str) -> list[str]:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{what} must be an iterable of str, not a single string")
    return list(values)


def _attr_list(attributes: Attributes) -> list[tuple[str, str]]:
    if isinstance(attributes, (str, bytes)):
        raise TypeError("attributes must be a mapping or an iterable of (key, value) pairs")
    if isinstance(attributes, Mapping):
        return list(attributes.items())
    return [tuple(pair) for pair in attributes]  # type: ignore[misc]


def _attr_flags(notify_members: bool) -> int:
    return int(AttrFlag.NOTIFY_MEMBERS if notify_members else AttrFlag.NONE)


class _NativeClient:
    """The native client and what freeing it safely takes. The finalizer holds this, never the
    Client, so that it can run when the Client is collected, and at interpreter exit even while
    a daemon thread still polls (it wakes that poll and waits for it first)."""

    __slots__ = ("ptr", "cond", "polling")

    def __init__(self, ptr: Any) -> None:
        self.ptr = ptr
        # guards ptr and the dispatcher state; reentrant, so close() can free under it
        self.cond = threading.Condition(threading.RLock())
        self.polling = False  # a thread is inside the native poll

    def free(self) -> None:
        with self.cond:
            ptr = self.ptr
            if ptr is None:
                return
            self.ptr = None  # nobody starts a native call on it from now on
            while self.polling:
                _n.rtm_client_wakeup(ptr)
                self.cond.wait(0.2)
            _n.rtm_client_free(ptr)  # the GIL is released in there
            self.cond.notify_all()


class _Slot:
    """Where the dispatcher leaves the result of one request, for as long as its Request (or a
    wait on it) is alive."""

    __slots__ = ("event", "waiters", "in_app", "__weakref__")

    def __init__(self) -> None:
        self.event: Event | None = None
        self.waiters = 0  # waits in progress: while > 0 the result goes to them only
        self.in_app = False  # the result went to the application's queue too


class Request(int):
    """A request id: an int that can also wait for the request's result.

    ``request.wait(timeout)`` blocks for the result event (see ``Client.wait``); ``await
    request`` does the same in asyncio. A result that arrives while nobody waits goes to the
    client's event stream like any other event, and the Request keeps it too, so a later
    ``wait()`` still returns it.
    """

    _client: Client
    _slot: _Slot

    def __new__(cls, request_id: int, client: Client, slot: _Slot) -> Request:
        self = super().__new__(cls, request_id)
        self._client = client
        self._slot = slot
        return self

    @property
    def client(self) -> Client:
        return self._client

    def wait(self, timeout: float | None = None, *, check: bool = True) -> Event:
        return self._client.wait(self, timeout, check=check)

    def __await__(self) -> Generator[Any, None, Event]:
        return self._client.wait_async(self).__await__()

    def __reduce__(self) -> tuple[type, tuple[int]]:
        return (int, (int(self),))  # pickles and copies as the plain id

    def __repr__(self) -> str:
        return f"Request({int(self)})"


class Client:
    """A client of rtmd.

    ``Client(app_id, url=None, config=None)``: url sets ``server.url``; config holds any other
    keys of docs/client.md (``{"login.timeout_ms": 3000}``; str, int or bool values). Use it
    as a context manager or call ``close()``; a forgotten client is freed by the garbage
    collector (which logs it out, best effort).
    """

    def __init__(
        self,
        app_id: str,
        url: str | None = None,
        *,
        config: Mapping[str, ConfigValue] | None = None,
    ) -> None:
        settings = dict(config or {})
        if url is not None:
            settings["server.url"] = url
        cfg = _n.rtm_config_new()
        if cfg is None:
            raise NoMemoryError(Err.NO_MEMORY)
        try:
            for key, value in settings.items():
                if not isinstance(key, str):
                    raise TypeError(f"config keys must be str, not {type(key).__name__}")
                text = _config_str(key, value)
                err = _n.rtm_config_set(cfg, key, text)
                if err:
                    raise make_error(
                        err, f"config {key!r} = {text!r}: unknown key or unparsable value"
                    )
            handle, err = _n.rtm_client_new(app_id, cfg)
        finally:
            _n.rtm_config_free(cfg)
        if handle is None:
            if err == Err.INVALID_APP_ID:
                raise make_error(err, f"app id {app_id!r} must be 1-128 bytes")
            raise make_error(err)
        self._native = _NativeClient(handle)
        self._finalizer = weakref.finalize(self, self._native.free)
        self._cond = self._native.cond
        self._app_id = app_id
        self._user_id: str | None = None
        self._app: collections.deque[Event] = collections.deque()  # for the application
        # request id -> the slot of a live Request (or wait) for it
        self._slots: weakref.WeakValueDictionary[int, _Slot] = weakref.WeakValueDictionary()
        self._outstanding: set[int] = set()  # requests made here whose result is not polled
        self._wakeup_pending = False
        self._event_fd: int | None = None
        self._aio: dict[asyncio.AbstractEventLoop, set[asyncio.Future[None]]] = {}

    # -- handle and errors -------------------------------------------------------------

    @property
    def _handle(self) -> Any:
        return self._native.ptr

    @property
    def _polling(self) -> bool:
        return self._native.polling

    @_polling.setter
    def _polling(self, value: bool) -> None:
        self._native.polling = value

    def _live(self) -> Any:
        h = self._handle
        if h is None:
            raise ClosedError(Err.CLOSED, "the client was closed")
        return h

    def _sync_error(self, err: int, before: str | None, what: str | None = None) -> RtmError:
        """The exception for a synchronous failure: librtm's sentence when the call wrote one
        (the last error changed), else the code's own sentence."""
        sentence = None
        if self._handle is None:
            if err == Err.CLOSED:
                sentence = "the client was closed"
        else:
            after = _n.rtm_client_last_error(self._handle)
            if after and after != before:
                sentence = after
        if sentence is None:
            sentence = _n.rtm_err_str(int(err))
            if what:
                sentence = f"{what}: {sentence}"
        return make_error(err, sentence)

    def _last_error_before(self) -> str | None:
        return _n.rtm_client_last_error(self._handle) if self._handle is not None else None

    def _request(self, fn: Callable[..., Any], handle_of: Callable[[], Any], *args: Any) -> Request:
        """Calls a request function of the ABI (returning (err, request_id)) on the handle that
        handle_of gives (the client's or a child's) and registers the request."""
        with self._cond:
            h = handle_of()
            before = self._last_error_before()
            err, request_id = fn(h, *args)
            if err:
                raise self._sync_error(err, before)
            self._outstanding.add(request_id)
            slot = self._slots[request_id] = _Slot()
        return Request(request_id, self, slot)

    def _call_checked(
        self, fn: Callable[..., int], handle_of: Callable[[], Any], *args: Any, what: str
    ) -> None:
        """Calls a function of the ABI that returns only an rtm_err_t."""
        with self._cond:
            h = handle_of()
            before = self._last_error_before()
            err = fn(h, *args)
            if err:
                raise self._sync_error(err, before, what)

    # -- properties --------------------------------------------------------------------

    @property
    def app_id(self) -> str:
        return self._app_id

    @property
    def user_id(self) -> str | None:
        """The user id of the latest login call (None before the first one)."""
        return self._user_id

    @property
    def closed(self) -> bool:
        return self._handle is None

    @property
    def connection_state(self) -> ConnectionState:
        """The current connection state (the legacy getStatus)."""
        with self._cond:
            return ConnectionState(_n.rtm_client_connection_state(self._live()))

    @property
    def last_error(self) -> str:
        """librtm's sentence about the latest synchronous failure on this client ("" if none);
        the exceptions raised here already carry it."""
        with self._cond:
            return _n.rtm_client_last_error(self._live())

    @property
    def event_fd(self) -> int:
        """A descriptor readable while the native queue holds events (for select/epoll). Never
        read or close it. asyncio users want ``next_event()`` instead."""
        with self._cond:
            return self._fd()

    def _fd(self) -> int:
        if self._event_fd is None:
            fd = _n.rtm_client_event_fd(self._live())
            if fd < 0:
                raise FailureError(Err.FAILURE, "librtm cannot create the event descriptor")
            self._event_fd = fd
        return self._event_fd

    def set_option(self, key: str, value: ConfigValue) -> None:
        """Changes ``log.*`` or ``request.timeout_ms`` on the live client."""
        self._call_checked(
            _n.rtm_client_set_option, self._live, key, _config_str(key, value), what=f"{key!r}"
        )

    # -- session -----------------------------------------------------------------------

    def login(self, user_id: str, token: str | None = None) -> Request:
        """Logs in (token None when the server needs none). LOGIN_RESULT follows, after
        CONNECTION_STATE_CHANGED events (CONNECTING, then CONNECTED or DISCONNECTED)."""
        r = self._request(_n.rtm_client_login, self._live, token, user_id)
        self._user_id = user_id
        return r

    def logout(self) -> Request:
        """Logs out: DISCONNECTED/LOGOUT, pending requests end with CLOSED, then LOGOUT_RESULT."""
        return self._request(_n.rtm_client_logout, self._live)

    def renew_token(self, token: str) -> Request:
        """Gives the server a new token for this session: RENEW_TOKEN_RESULT follows."""
        return self._request(_n.rtm_client_renew_token, self._live, token)

    # -- peer messages and presence ------------------------------------------------------

    def send_message_to_peer(
        self, peer_id: str, message: Payload, *, offline: bool = False
    ) -> Request:
        """Sends a message (str: text, bytes-like: raw, or a Message). SEND_PEER_MESSAGE_RESULT
        is OK once the peer has it, PEER_UNREACHABLE when it is offline, or with offline=True
        CACHED_BY_SERVER (stored for its next login)."""
        flags = int(SendFlag.OFFLINE if offline else SendFlag.NONE)
        with Message.of(message)._native() as m:
            return self._request(_n.rtm_client_send_message_to_peer, self._live, peer_id, m, flags)

    def query_peers_online_status(self, peer_ids: Iterable[str]) -> Request:
        """QUERY_PEERS_ONLINE_STATUS_RESULT with ``peers`` ({id: PeerOnlineState}); 1-256 ids."""
        ids = _str_list(peer_ids, "peer_ids")
        return self._request(_n.rtm_client_query_peers_online_status, self._live, ids)

    def subscribe_peers_online_status(self, peer_ids: Iterable[str]) -> Request:
        """SUBSCRIPTION_RESULT, then PEERS_ONLINE_STATUS_CHANGED now and on every change."""
        ids = _str_list(peer_ids, "peer_ids")
        return self._request(_n.rtm_client_subscribe_peers_online_status, self._live, ids)

    def unsubscribe_peers_online_status(self, peer_ids: Iterable[str]) -> Request:
        ids = _str_list(peer_ids, "peer_ids")
        return self._request(_n.rtm_client_unsubscribe_peers_online_status, self._live, ids)

    def query_peers_by_subscription(
        self, option: SubscriptionOption = SubscriptionOption.ONLINE_STATUS
    ) -> Request:
        """QUERY_PEERS_BY_SUBSCRIPTION_RESULT with ``users``: the subscribed peers."""
        return self._request(
            _n.rtm_client_query_peers_by_subscription_option, self._live, int(option)
        )

    # -- user attributes -----------------------------------------------------------------

    def set_local_user_attributes(self, attributes: Attributes) -> Request:
        """Replaces all of this user's attributes: USER_ATTRIBUTES_RESULT follows."""
        attrs = _attr_list(attributes)
        return self._request(_n.rtm_client_set_local_user_attributes, self._live, attrs)

    def add_or_update_local_user_attributes(self, attributes: Attributes) -> Request:
        attrs = _attr_list(attributes)
        return self._request(_n.rtm_client_add_or_update_local_user_attributes, self._live, attrs)

    def delete_local_user_attributes_by_keys(self, keys: Iterable[str]) -> Request:
        ks = _str_list(keys, "keys")
        return self._request(_n.rtm_client_delete_local_user_attributes_by_keys, self._live, ks)

    def clear_local_user_attributes(self) -> Request:
        return self._request(_n.rtm_client_clear_local_user_attributes, self._live)

    def get_user_attributes(self, user_id: str, keys: Iterable[str] | None = None) -> Request:
        """GET_USER_ATTRIBUTES_RESULT with ``attributes`` (all, or only the given keys);
        USER_NOT_FOUND when the user is not online."""
        if keys is None:
            return self._request(_n.rtm_client_get_user_attributes, self._live, user_id)
        ks = _str_list(keys, "keys")
        return self._request(_n.rtm_client_get_user_attributes_by_keys, self._live, user_id, ks)

    # -- channels ------------------------------------------------------------------------

    def create_channel(self, channel_id: str) -> Channel:
        """A Channel for channel_id (any state, also before login; one per id at a time)."""
        with self._cond:
            h = self._live()
            before = self._last_error_before()
            ch, err = _n.rtm_client_create_channel(h, channel_id)
            if ch is None:
                raise self._sync_error(err, before, f"channel {channel_id!r}")
            return Channel._adopt(self, ch)

    def send_message_to_channel(self, channel_id: str, message: Payload) -> Request:
        """Sends into a channel without joining it: SEND_CHANNEL_MESSAGE_RESULT follows (the
        server may refuse it: NOT_AUTHORIZED)."""
        with Message.of(message)._native() as m:
            return self._request(
                _n.rtm_client_send_message_to_channel, self._live, channel_id, m, 0
            )

    def get_channel_member_count(self, channel_ids: Iterable[str]) -> Request:
        """GET_CHANNEL_MEMBER_COUNT_RESULT with ``channel_member_counts``; 1-32 channels."""
        ids = _str_list(channel_ids, "channel_ids")
        return self._request(_n.rtm_client_get_channel_member_count, self._live, ids)

    def set_channel_attributes(
        self, channel_id: str, attributes: Attributes, *, notify_members: bool = False
    ) -> Request:
        """Replaces all attributes of the channel: CHANNEL_ATTRIBUTES_RESULT follows; with
        notify_members every member but this client gets CHANNEL_ATTRIBUTES_UPDATED."""
        attrs = _attr_list(attributes)
        flags = _attr_flags(notify_members)
        return self._request(
            _n.rtm_client_set_channel_attributes, self._live, channel_id, attrs, flags
        )

    def add_or_update_channel_attributes(
        self, channel_id: str, attributes: Attributes, *, notify_members: bool = False
    ) -> Request:
        attrs = _attr_list(attributes)
        flags = _attr_flags(notify_members)
        return self._request(
            _n.rtm_client_add_or_update_channel_attributes, self._live, channel_id, attrs, flags
        )

    def delete_channel_attributes_by_keys(
        self, channel_id: str, keys: Iterable[str], *, notify_members: bool = False
    ) -> Request:
        ks = _str_list(keys, "keys")
        flags = _attr_flags(notify_members)
        return self._request(
            _n.rtm_client_delete_channel_attributes_by_keys, self._live, channel_id, ks, flags
        )

    def clear_channel_attributes(self, channel_id: str, *, notify_members: bool = False) -> Request:
        flags = _attr_flags(notify_members)
        return self._request(_n.rtm_client_clear_channel_attributes, self._live, channel_id, flags)

    def get_channel_attributes(self, channel_id: str, keys: Iterable[str] | None = None) -> Request:
        """GET_CHANNEL_ATTRIBUTES_RESULT with ``attributes`` / ``attribute_entries``."""
        if keys is None:
            return self._request(_n.rtm_client_get_channel_attributes, self._live, channel_id)
        ks = _str_list(keys, "keys")
        return self._request(
            _n.rtm_client_get_channel_attributes_by_keys, self._live, channel_id, ks
        )

    # -- invitations ---------------------------------------------------------------------

    def create_local_invitation(
        self, callee_id: str, *, content: str | None = None, channel_id: str | None = None
    ) -> Invitation:
        """A new local invitation to callee_id (state IDLE), optionally with content and
        channel id set; ``send()`` it."""
        with self._cond:
            h = self._live()
            before = self._last_error_before()
            handle, err = _n.rtm_client_create_local_invitation(h, callee_id)
            if handle is None:
                raise self._sync_error(err, before, f"callee {callee_id!r}")
            inv = Invitation._adopt(self, handle)
        try:
            if content is not None:
                inv.content = content
            if channel_id is not None:
                inv.channel_id = channel_id
        except BaseException:
            inv.close()
            raise
        return inv

    # -- events: the dispatcher ------------------------------------------------------------

    def _dispatch(self, ev: Event) -> None:
        """Hands a polled event to its place (lock held): a result to the waits on its request
        if there are any, else to the application (and to its Request, if alive)."""
        rid = ev.request_id
        slot = None
        if rid:
            self._outstanding.discard(rid)
            slot = self._slots.get(rid)
            if slot is not None:
                slot.event = ev
        if slot is None or slot.waiters == 0:
            self._app.append(ev)
            if slot is not None:
                slot.in_app = True
        self._cond.notify_all()
        self._wake_async()

    def _pump(self, take: Callable[[], Any], timeout: float | None) -> Any:
        """Returns take()'s first result other than _NOTHING, polling the native queue (or
        waiting while another thread does) until then; _NOTHING when timeout passes first."""
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        in_main = threading.current_thread() is threading.main_thread()
        polled = False
        while True:
            with self._cond:
                got = take()
                if got is not _NOTHING:
                    return got
                h = self._live()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0 and (polled or self._polling):
                    return _NOTHING
                if self._polling:
                    wait_s = _FOLLOWER_SLICE_S
                    if remaining is not None:
                        wait_s = min(wait_s, remaining)
                    self._cond.wait(wait_s)
                    continue
                self._polling = True
            slice_s = remaining
            if in_main:
                slice_s = _MAIN_SLICE_S if remaining is None else min(remaining, _MAIN_SLICE_S)
            if slice_s is None:
                timeout_ms = -1
            else:
                timeout_ms = min(max(0, math.ceil(slice_s * 1000)), 2**31 - 1)
            ev = None
            try:
                ptr = _n.rtm_client_poll(h, timeout_ms)  # the GIL is released in here
                polled = True
                if ptr is not None:
                    ev = Event._take(self, ptr)
            finally:
                self._polling = False
                with self._cond:
                    if ev is not None and self._handle is not None:
                        self._dispatch(ev)
                    self._cond.notify_all()

    def _begin_wait(self, request: int) -> _Slot:
        """The slot of request with one more waiter (lock held)."""
        self._live()
        rid = int(request)
        if isinstance(request, Request):
            if request._client is not self:
                raise ValueError(f"request {rid} belongs to another client")
            slot: _Slot | None = request._slot
        else:
            slot = self._slots.get(rid)
        if slot is None:  # a plain id whose Request is gone: is its result still to come?
            for ev in self._app:
                if ev.request_id == rid:
                    slot = _Slot()
                    slot.event, slot.in_app = ev, True
                    break
            else:
                if rid not in self._outstanding:
                    raise ValueError(
                        f"request {rid} is not pending on this client (unknown, or its result "
                        "was already taken from the event stream)"
                    )
                slot = self._slots[rid] = _Slot()
        slot.waiters += 1
        return slot

    def _end_wait(self, slot: _Slot, failed: bool) -> Event | None:
        """Drops one waiter. A result a successful wait returns is taken out of the
        application's queue if it went there too; one that came for a wait that failed
        (timeout, cancel, interrupt) goes to the application if no other wait wants it."""
        with self._cond:
            slot.waiters -= 1
            ev = slot.event
            if ev is None:
                return None
            if not failed:
                if slot.in_app:
                    try:
                        self._app.remove(ev)
                    except ValueError:
                        pass  # the application has it already
                return ev
            if slot.waiters == 0 and not slot.in_app and self._handle is not None:
                slot.in_app = True
                self._app.append(ev)
                self._cond.notify_all()
                self._wake_async()
            return None

    @staticmethod
    def _finish(rid: int, ev: Event | None, timeout: float | None, check: bool) -> Event:
        if ev is None:
            raise TimeoutError(f"no result for request {rid} within {timeout} s")
        return ev.check() if check else ev

    def wait(self, request: int, timeout: float | None = None, *, check: bool = True) -> Event:
        """Waits for the result event of a request made on this client (or one of its channels
        or invitations) and returns it; with check (the default) a failed result raises its
        RtmError instead. Events that arrive meanwhile stay in the application's queue; the
        result itself goes to the wait (also when it came before the wait began, unless the
        application took it from its queue first: then both have it).

        Raises the built-in TimeoutError when timeout (seconds) passes first, ClosedError when
        the client is closed, ValueError for a request that is not pending here."""
        with self._cond:
            slot = self._begin_wait(request)

        def take() -> Any:
            return _NOTHING if slot.event is None else slot.event

        try:
            self._pump(take, timeout)
        except BaseException:
            self._end_wait(slot, failed=True)
            raise
        ev = self._end_wait(slot, failed=False)
        return self._finish(int(request), ev, timeout, check)

    def poll(self, timeout: float | None = None) -> Event | None:
        """The next event for the application, or None when timeout (seconds; None: no limit)
        passes first or ``wakeup()`` is called."""

        def take() -> Any:
            if self._app:
                return self._app.popleft()
            if self._wakeup_pending:
                self._wakeup_pending = False
                return None
            return _NOTHING

        got = self._pump(take, timeout)
        return None if got is _NOTHING else got

    def events(self, timeout: float | None = None) -> Iterator[Event]:
        """Iterates over the events for the application as they come. Ends when none came for
        timeout seconds (None: never), on ``wakeup()``, and when the client is closed."""
        while True:
            try:
                ev = self.poll(timeout)
            except ClosedError:
                return
            if ev is None:
                return
            yield ev

    def wakeup(self) -> None:
        """Makes a blocked ``poll()`` return None (and ends an ``events()`` loop) now; with
        none blocked, the next ``poll()`` returns None at once."""
        with self._cond:
            h = self._live()
            self._wakeup_pending = True
            _n.rtm_client_wakeup(h)
            self._cond.notify_all()

    # -- events: asyncio -----------------------------------------------------------------

    def _wake_async(self) -> None:
        """Wakes the asyncio tasks waiting on this client (lock held), so they look again."""
        if not self._aio:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, waiters in list(self._aio.items()):
            futures = list(waiters)
            if loop is running:
                _set_all(futures)
            else:
                try:
                    loop.call_soon_threadsafe(_set_all, futures)
                except RuntimeError:  # that loop is closed
                    del self._aio[loop]

    def _on_readable(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._cond:
            futures = list(self._aio.get(loop, ()))
        _set_all(futures)

    def _ready_future(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        """A future done once the event fd is readable or the dispatcher has news."""
        fut: asyncio.Future[None] = loop.create_future()
        with self._cond:
            fd = self._fd()
            waiters = self._aio.get(loop)
            if waiters is None:
                waiters = self._aio[loop] = set()
                loop.add_reader(fd, self._on_readable, loop)
            waiters.add(fut)
        return fut

    def _drop_ready_future(self, loop: asyncio.AbstractEventLoop, fut: asyncio.Future[None]) -> None:
        with self._cond:
            waiters = self._aio.get(loop)
            if waiters is None:
                return
            waiters.discard(fut)
            if waiters:
                return
            del self._aio[loop]
            if self._event_fd is not None:
                loop.remove_reader(self._event_fd)

    def _drain(self, take: Callable[[], Any]) -> Any:
        """take() after moving what the native queue holds to its place, without blocking."""
        with self._cond:
            got = take()
            if got is not _NOTHING:
                return got
            h = self._live()
            if self._polling:  # another thread polls: it dispatches and wakes us
                return _NOTHING
            self._polling = True
        events = []
        try:
            for _ in range(_DRAIN_BATCH):
                ptr = _n.rtm_client_poll(h, 0)
                if ptr is None:
                    break
                events.append(Event._take(self, ptr))
        finally:
            self._polling = False
            with self._cond:
                if self._handle is not None:
                    for ev in events:
                        self._dispatch(ev)
                self._cond.notify_all()
        with self._cond:
            return take()

    async def _apump(self, take: Callable[[], Any], timeout: float | None) -> Any:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + max(0.0, timeout)
        while True:
            got = self._drain(take)
            if got is not _NOTHING:
                return got
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return _NOTHING
            fut = self._ready_future(loop)
            try:
                await asyncio.wait((fut,), timeout=remaining)
            finally:
                self._drop_ready_future(loop, fut)

    async def next_event(self, timeout: float | None = None) -> Event:
        """The next event for the application (asyncio: waits on the event fd with
        loop.add_reader). Raises TimeoutError when timeout seconds pass first, ClosedError
        when the client is closed. Cancelling it loses no event."""

        def take() -> Any:
            return self._app.popleft() if self._app else _NOTHING

        got = await self._apump(take, timeout)
        if got is _NOTHING:
            raise TimeoutError(f"no event within {timeout} s")
        ev: Event = got
        return ev

    async def aevents(self, timeout: float | None = None) -> AsyncIterator[Event]:
        """``async for`` over the events for the application; ends when none came for timeout
        seconds (None: never) and when the client is closed."""
        while True:
            try:
                ev = await self.next_event(timeout)
            except (ClosedError, TimeoutError):
                return
            yield ev

    async def wait_async(
        self, request: int, timeout: float | None = None, *, check: bool = True
    ) -> Event:
        """``wait()`` for asyncio (also what ``await request`` does)."""
        with self._cond:
            slot = self._begin_wait(request)

        def take() -> Any:
            return _NOTHING if slot.event is None else slot.event

        try:
            await self._apump(take, timeout)
        except BaseException:
            self._end_wait(slot, failed=True)
            raise
        ev = self._end_wait(slot, failed=False)
        return self._finish(int(request), ev, timeout, check)

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Frees the client: logs out (best effort, nothing waits for the server), ends every
        wait with ClosedError and drops events not yet taken. Its channels and invitations
        stay valid to close; every request on them raises ClosedError. Idempotent."""
        with self._cond:
            if self._handle is None:
                return
            self._release_async_readers()  # before librtm closes the event fd
            self._event_fd = None
            self._app.clear()
            self._outstanding.clear()
            self._finalizer()  # wakes a blocked poll, waits for it, frees the native client

    def _release_async_readers(self) -> None:
        """Unregisters the event fd from every asyncio loop before librtm closes it, and wakes
        the tasks waiting there (lock held)."""
        fd = self._event_fd
        if fd is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, waiters in self._aio.items():
            futures = list(waiters)
            if loop is running:
                loop.remove_reader(fd)
                _set_all(futures)
            else:
                try:
                    loop.call_soon_threadsafe(_remove_reader_and_set, loop, fd, futures)
                except RuntimeError:
                    pass
        self._aio.clear()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        with self._cond:
            if self._handle is None:
                state = "closed"
            else:
                state = ConnectionState(_n.rtm_client_connection_state(self._handle)).name
        user = f" user_id={self._user_id!r}" if self._user_id else ""
        return f"<Client app_id={self._app_id!r}{user} {state}>"


def _set_all(futures: Iterable[asyncio.Future[None]]) -> None:
    for f in futures:
        if not f.done():
            f.set_result(None)


def _remove_reader_and_set(
    loop: asyncio.AbstractEventLoop, fd: int, futures: Iterable[asyncio.Future[None]]
) -> None:
    loop.remove_reader(fd)
    _set_all(futures)
