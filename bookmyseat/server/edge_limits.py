"""Caps applied at the edge, before the app does any work, as ASGI middleware around the whole
backend (pages, API, uploads and the event websocket).

- Request bodies: an upload, a Stripe webhook or any other body larger than its cap is refused
  with 413 while it streams in (a declared Content-Length over the cap is refused unread); one
  that takes more than 30 seconds to arrive gets 408. A body is read to its end before the app
  sees it, into a file that stays in memory up to 64 kB and is on disk past that, so a body
  in flight costs the worker at most 64 kB of memory whatever its cap.
- Bodies in flight: a body that does not arrive in one piece holds a place while the rest
  streams in and until the app has answered (the app reads it into memory, up to its cap), and
  one client address may hold only a few places per worker, a worker only so many in all;
  past that a body is refused before more of it is read (429 for the address, 503 for the
  worker, each with Retry-After). A body that came whole (every small JSON request) needs no
  place, so customers sharing an address do not take turns for them.
- Uploads (`/_upload`, only staff upload posters): refused before a byte of the body is read
  unless the request names the page's token and one of the staff upload handlers (Reflex's
  `reflex-client-token` and `reflex-event-handler` headers) and comes with the session cookie
  of an admin (a database read, in a thread, once the upload holds its place). Anyone else's
  upload would be refused by the handler anyway, but only after the whole body had arrived.
- Websockets: one client address may hold only so many open sockets per worker, and a worker
  only so many in all (each open page costs the worker ~0.3 MB); more are refused at the
  handshake (HTTP 403), and the page retries. A socket that has not joined the app's event namespace
  (which a real page does at once, carrying its first event) within a few seconds is closed, so
  idle sockets cannot pile up.
- Page loads: each websocket connect, and each hydration (the socket.io CONNECT that carries a
  page's first event, or a hydrate event sent later), costs the page's heaviest work: its
  whole state loaded and its on_load run. One client address may connect a burst of 20 times
  per worker, then once a second (a token bucket), and hydrate as often; a connect over that
  is refused at the handshake, a socket hydrating over that is closed. A page reconnects once
  after a server restart and backs off when refused, so it gets in within seconds; an address
  looping sockets to make the server load pages gets one a second.

The client's address is the scope's `client`, as the app's outermost layer resolved it
(bookmyseat.server.client_address).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile

from reflex_base.event import EventHandler
from reflex_base.utils.format import format_event_handler
from sqlalchemy.engine import Engine
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bookmyseat.server.client_address import client_address
from bookmyseat.services.accounts.login_sessions import SESSION_COOKIE, account_for_token
from bookmyseat.services.staff.access import AccessDenied, require_staff
from bookmyseat.settings import Settings

log = logging.getLogger(__name__)

EVENT_SOCKET_PATH = "/_event"
UPLOAD_PATH = "/_upload"
# socket.io over engine.io: "4" is an engine.io message, "0" a socket.io CONNECT (joining a
# namespace; Reflex's page puts its first event in it), "2" an EVENT and "5" a binary EVENT.
JOIN_PREFIX = "40"
EVENT_PREFIXES = ("42", "45")
HYDRATE_EVENTS = frozenset({"hydrate", "hydrate_and_load"})  # a handler's last name part
POLICY_VIOLATION = 1008
REPLAY_CHUNK = 64_000  # a spooled body goes to the app in pieces of this size


@dataclass(frozen=True)
class EdgeLimits:
    body_caps: dict[str, int]  # path prefix → bytes, longest prefix wins
    default_body_cap: int
    sockets_per_address: int
    socket_join_seconds: float
    body_seconds: float = 30.0  # the longest a request body may take to arrive
    sockets_per_worker: int = 100_000
    body_in_memory: int = 64_000  # bytes of a body kept in memory; the rest goes to disk
    bodies_per_address: int = 4  # bodies streaming in at once from one address, per worker
    bodies_per_worker: int = 64  # and from everyone
    connects_burst: int = 20  # websocket connects (and hydrations) one address makes at once
    connects_per_second: float = 1.0  # and then, per worker

    @classmethod
    def from_settings(cls, settings: Settings) -> EdgeLimits:
        return cls(
            body_caps={
                "/_upload": settings.upload_max_kb * 1000,
                "/api/stripe/webhook": settings.webhook_max_kb * 1000,
            },
            default_body_cap=64_000,
            sockets_per_address=settings.sockets_per_address,
            sockets_per_worker=settings.sockets_per_worker,
            socket_join_seconds=settings.socket_join_seconds,
            bodies_per_address=settings.bodies_per_address,
            bodies_per_worker=settings.bodies_per_worker,
            connects_burst=settings.connects_burst,
            connects_per_second=settings.connects_per_second,
        )

    def body_cap(self, path: str) -> int:
        matches = [prefix for prefix in self.body_caps if path.startswith(prefix)]
        return self.body_caps[max(matches, key=len)] if matches else self.default_body_cap


class _TooLarge(Exception):
    pass


async def _refuse(send: Send, status: int, text: str, retry_after: int | None = None) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text.encode()})


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            with contextlib.suppress(ValueError):
                return int(value)
    return None


class _ClientLeft(Exception):
    pass


class _NoPlace(Exception):
    def __init__(self, status: int, text: str) -> None:
        self.status, self.text = status, text


class _BodyPlaces:
    """The bodies streaming in at once, per client address and in all (this worker's)."""

    def __init__(self, limits: EdgeLimits) -> None:
        self.limits = limits
        self.per_address: Counter[str] = Counter()
        self.in_all = 0

    def take(self, address: str) -> None:
        """A place for a body from `address`, or _NoPlace saying why."""
        if self.per_address[address] >= self.limits.bodies_per_address:
            raise _NoPlace(429, "Too many requests from your address at once: try again.")
        if self.in_all >= self.limits.bodies_per_worker:
            raise _NoPlace(503, "The server is busy: try again in a moment.")
        self.per_address[address] += 1
        self.in_all += 1

    def give_back(self, address: str) -> None:
        self.in_all -= 1
        self.per_address[address] -= 1
        if self.per_address[address] <= 0:
            del self.per_address[address]


class _Place:
    """One request's place among the bodies in flight: taken at most once, when the request
    first needs it, and given back when the app has answered (or the body was refused)."""

    def __init__(self, places: _BodyPlaces, address: str) -> None:
        self.places, self.address, self.held = places, address, False

    def take(self) -> None:
        if not self.held:
            self.places.take(self.address)
            self.held = True

    def give_back(self) -> None:
        if self.held:
            self.places.give_back(self.address)
            self.held = False


class _Spooled:
    """A body read into a file: in memory up to `in_memory` bytes, on disk past that."""

    def __init__(self, in_memory: int) -> None:
        self.file = SpooledTemporaryFile(max_size=in_memory)  # noqa: SIM115 - see close
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.size += len(chunk)

    def close(self) -> None:
        self.file.close()


async def _read_capped(
    receive: Receive, cap: int, in_memory: int, place: _Place
) -> list[Message] | _Spooled:
    """The request's body: the one message it came in, or else a file holding it, the rest
    read only once `place` is held. _TooLarge as soon as it passes `cap` bytes, _ClientLeft
    when the client went away before the end, _NoPlace when no place is free for the rest."""
    message = await receive()
    if message["type"] != "http.request":
        raise _ClientLeft
    if len(message.get("body", b"")) > cap:
        raise _TooLarge
    if not message.get("more_body", False):
        return [message]
    place.take()
    spooled = _Spooled(in_memory)
    try:
        while True:
            spooled.write(message.get("body", b""))
            if spooled.size > cap:
                raise _TooLarge
            if not message.get("more_body", False):
                spooled.file.seek(0)
                return spooled
            message = await receive()
            if message["type"] != "http.request":
                raise _ClientLeft
    except BaseException:
        spooled.close()
        raise


def _replay(body: list[Message] | _Spooled, receive: Receive) -> Receive:
    """A receive() that hands the app the body read, then the client's own messages."""
    if isinstance(body, list):

        async def from_messages() -> Message:
            return body.pop(0) if body else await receive()

        return from_messages
    done = False

    async def from_file() -> Message:
        nonlocal done
        if done:
            return await receive()
        chunk = body.file.read(REPLAY_CHUNK)
        done = body.file.tell() >= body.size
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return from_file


Refusal = tuple[int, str]  # an HTTP status and the short text said with it


def staff_session_refusal(session_token: str, *, engine: Engine | None = None) -> Refusal | None:
    """None when the browser's session is an admin's, who alone may upload (every upload
    changes the catalogue; the rule is services.staff.access's); else the status and text to
    refuse with. A database read: call it in a thread."""
    account = account_for_token(session_token, engine=engine)
    if account is None:
        return 401, "Sign in as staff to upload."
    try:
        require_staff(account, "an upload", write=True, engine=engine)
    except AccessDenied as refusal:
        return 403, refusal.message
    return None


def _header(scope: Scope, wanted: bytes) -> str:
    """A request header's first value ("" when absent), as Starlette reads it."""
    for name, value in scope.get("headers", []):
        if name.lower() == wanted:
            return value.decode("latin-1")
    return ""


def _session_cookie(scope: Scope) -> str:
    cookies: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name.lower() == b"cookie":
            cookies.update(cookie_parser(value.decode("latin-1")))
    return cookies.get(SESSION_COOKIE, "")


def is_upload(path: str) -> bool:
    return path == UPLOAD_PATH or path.startswith(UPLOAD_PATH + "/")


@dataclass(frozen=True)
class UploadGate:
    """Who may send a body to the upload endpoint: a request naming its page's token and one
    of `handlers` (the full names Reflex gives the staff's upload handlers), from a browser
    whose session cookie `refusal_for` lets through. The browser sends its cookies with the
    upload, and the tab's own session is that cookie, so no tab state need be loaded."""

    handlers: frozenset[str] = frozenset()
    refusal_for: Callable[[str], Refusal | None] = staff_session_refusal

    @classmethod
    def of(cls, *handlers: EventHandler) -> UploadGate:
        return cls(frozenset(format_event_handler(handler) for handler in handlers))

    async def refusal(self, scope: Scope, place: _Place) -> Refusal | None:
        """None to let the upload in; else why not. Headers first, then the database, once
        `place` is held (_NoPlace if it cannot be): an address asks only so many at once."""
        if not _header(scope, b"reflex-client-token") or not (
            handler := _header(scope, b"reflex-event-handler")
        ):
            return 400, "An upload must name its page and handler."
        if handler not in self.handlers:
            return 403, "Nothing here takes uploads by that name."
        session = _session_cookie(scope)
        if not session:
            return 401, "Sign in as staff to upload."
        place.take()
        try:
            return await asyncio.to_thread(self.refusal_for, session)
        except Exception:  # the database away: nothing was read, nothing kept
            log.exception("Checking an upload's session failed")
            return 503, "Uploads are not possible just now: try again in a moment."


class _Buckets:
    """A token bucket per client address (this worker's): `burst` at once, then `per_second`.
    A bucket rather than `limits`' windows: after a burst a window makes a page wait until the
    window ends, a bucket lets it in a second later. Full buckets are forgotten now and then,
    so an address costs memory only while it is being limited."""

    def __init__(self, burst: int, per_second: float, clock: Callable[[], float]) -> None:
        self.burst, self.per_second, self.clock = burst, per_second, clock
        self.levels: dict[str, tuple[float, float]] = {}  # address → (tokens, when counted)
        self.forget_past = 1024

    def take(self, address: str) -> bool:
        now = self.clock()
        tokens, then = self.levels.get(address, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.per_second)
        taken = tokens >= 1
        self.levels[address] = (tokens - 1 if taken else tokens, now)
        if len(self.levels) > self.forget_past:
            self.levels = {
                who: (left, when)
                for who, (left, when) in self.levels.items()
                if left + (now - when) * self.per_second < self.burst
            }
            self.forget_past = max(1024, 2 * len(self.levels))
        return taken


def is_hydrate(text: str) -> bool:
    """Whether a socket.io message is an EVENT whose handler is a hydrate. Parsed only when it
    may be one (it says "hydrate", or escapes a character that could spell it)."""
    if not text.startswith(EVENT_PREFIXES) or ("hydrate" not in text and "\\u" not in text):
        return False
    start = text.find("[")
    try:
        packet = json.loads(text[start:]) if start >= 0 else None
        event = packet[1] if isinstance(packet, list) and len(packet) > 1 else None
        if isinstance(event, str):  # Reflex takes an event sent as JSON text, too
            event = json.loads(event)
    except ValueError:
        return False
    name = event.get("name") if isinstance(event, dict) else None
    return isinstance(name, str) and name.rsplit(".", 1)[-1] in HYDRATE_EVENTS


_GUARDS: list[_SocketGuard] = []  # this worker's (one per app), for `open_sockets`


def open_sockets() -> int:
    """This worker's open websockets (reported to /metrics by tasks.report_open_sockets)."""
    return sum(guard.open_in_all for guard in _GUARDS)


class _SocketGuard:
    """Counts a worker's open sockets (per address and in all), limits how often an address
    connects and hydrates, and closes sockets that never join."""

    def __init__(self, limits: EdgeLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.open_per_address: Counter[str] = Counter()
        self.open_in_all = 0
        self.connects = _Buckets(limits.connects_burst, limits.connects_per_second, clock)
        self.hydrates = _Buckets(limits.connects_burst, limits.connects_per_second, clock)
        _GUARDS.append(self)

    async def __call__(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        address = client_address(scope)
        if (
            self.open_per_address[address] >= self.limits.sockets_per_address
            or self.open_in_all >= self.limits.sockets_per_worker
            or not self.connects.take(address)
        ):
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": POLICY_VIOLATION})
            return
        self.open_per_address[address] += 1
        self.open_in_all += 1
        try:
            await self._serve(app, scope, receive, send, address)
        finally:
            self.open_in_all -= 1
            self.open_per_address[address] -= 1
            if self.open_per_address[address] <= 0:
                del self.open_per_address[address]

    async def _serve(
        self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, address: str
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.socket_join_seconds
        joined = closed = False
        pending: asyncio.Future | None = None

        async def guarded_receive() -> Message:
            nonlocal joined, closed, pending
            if closed:
                return {"type": "websocket.disconnect", "code": POLICY_VIOLATION}
            if pending is None:
                pending = asyncio.ensure_future(receive())
            # Waiting (not awaiting the future itself) leaves the read alive if the caller is
            # cancelled, as engine.io's own timeouts do: the next call picks it up.
            timeout = None if joined else max(0, deadline - loop.time())
            done, _ = await asyncio.wait({pending}, timeout=timeout)
            if not done:  # never joined: close it, and tell the app the client left
                return await close()
            message, pending = pending.result(), None
            text = (message.get("text") or "") if message["type"] == "websocket.receive" else ""
            hydrates = text.startswith(JOIN_PREFIX) or is_hydrate(text)
            joined = joined or text.startswith(JOIN_PREFIX)
            if hydrates and not self.hydrates.take(address):  # closed before the app loads it
                return await close()
            return message

        async def close() -> Message:
            nonlocal closed
            closed = True
            await send({"type": "websocket.close", "code": POLICY_VIOLATION})
            return {"type": "websocket.disconnect", "code": POLICY_VIOLATION}

        async def guarded_send(message: Message) -> None:
            if not closed:
                await send(message)

        try:
            await app(scope, guarded_receive, guarded_send)
        finally:
            if pending is not None:
                pending.cancel()


def with_edge_limits(
    limits: EdgeLimits,
    uploads: UploadGate = UploadGate(),
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[ASGIApp], ASGIApp]:
    """An api_transformer for rx.App: caps bodies and sockets before the app sees them, and
    lets only `uploads` upload (nobody, unless it names handlers)."""
    sockets = _SocketGuard(limits, clock)
    bodies = _BodyPlaces(limits)

    def wrap(app: ASGIApp) -> ASGIApp:
        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "websocket" and scope["path"].startswith(EVENT_SOCKET_PATH):
                await sockets(app, scope, receive, send)
                return
            if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
                await app(scope, receive, send)
                return
            place = _Place(bodies, client_address(scope))
            try:
                await with_body(scope, receive, send, place)
            finally:  # held from the body's second piece until the app has answered
                place.give_back()

        async def with_body(scope: Scope, receive: Receive, send: Send, place: _Place) -> None:
            cap = limits.body_cap(scope["path"])
            declared = _declared_length(scope)
            try:
                if declared is not None and declared > cap:
                    raise _TooLarge
                if is_upload(scope["path"]) and (refusal := await uploads.refusal(scope, place)):
                    await _refuse(send, *refusal)
                    return
                async with asyncio.timeout(limits.body_seconds):
                    body = await _read_capped(receive, cap, limits.body_in_memory, place)
            except _NoPlace as full:
                await _refuse(send, full.status, full.text, retry_after=1)
                return
            except _TooLarge:
                await _refuse(send, 413, f"Request too large: at most {cap // 1000} kB here.")
                return
            except TimeoutError:  # a body trickling in would hold its place for ever
                await _refuse(send, 408, "The request body took too long to arrive.")
                return
            except _ClientLeft:  # nobody to answer, nothing for the app to do
                return
            try:
                await app(scope, _replay(body, receive), send)
            finally:
                if isinstance(body, _Spooled):
                    body.close()

        return guarded

    return wrap
