"""Caps applied at the edge, before the app does any work, as ASGI middleware around the whole
backend (pages, API, uploads and the event websocket).

- Request bodies: an upload, a Stripe webhook or any other body larger than its cap is refused
  with 413 while it streams in (a declared Content-Length over the cap is refused unread), so a
  300 MB body costs the server at most the cap in memory; one that takes more than 30 seconds
  to arrive gets 408.
- Websockets: one client address may hold only so many open sockets per worker, and a worker
  only so many in all (each open page costs the worker ~0.3 MB); more are refused at the
  handshake (HTTP 403), and the page retries. A socket that has not joined the app's event namespace
  (which a real page does at once, carrying its first event) within a few seconds is closed, so
  idle sockets cannot pile up.

The client's address is the peer's, or with trusted proxies in front the entry they appended to
X-Forwarded-For (the same rule Reflex uses for `router.session.client_ip`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bookmyseat.settings import Settings

EVENT_SOCKET_PATH = "/_event"
# socket.io over engine.io: "4" is an engine.io message, "0" a socket.io CONNECT (joining a
# namespace; Reflex's page puts its first event in it).
JOIN_PREFIX = "40"
POLICY_VIOLATION = 1008


def client_address(scope: Scope, trusted_proxy_hops: int) -> str:
    """Who is asking: the peer, or the address the trusted proxies saw."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted_proxy_hops:
        return peer
    forwarded = ", ".join(
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name.lower() == b"x-forwarded-for"
    )
    hops = [part.strip() for part in forwarded.split(",") if part.strip()]
    return hops[-trusted_proxy_hops] if len(hops) >= trusted_proxy_hops else peer


@dataclass(frozen=True)
class EdgeLimits:
    body_caps: dict[str, int]  # path prefix → bytes, longest prefix wins
    default_body_cap: int
    sockets_per_address: int
    socket_join_seconds: float
    trusted_proxy_hops: int
    body_seconds: float = 30.0  # the longest a request body may take to arrive
    sockets_per_worker: int = 100_000

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
            trusted_proxy_hops=settings.trusted_proxy_hops,
        )

    def body_cap(self, path: str) -> int:
        matches = [prefix for prefix in self.body_caps if path.startswith(prefix)]
        return self.body_caps[max(matches, key=len)] if matches else self.default_body_cap


class _TooLarge(Exception):
    pass


async def _refuse(send: Send, status: int, text: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": text.encode()})


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            with contextlib.suppress(ValueError):
                return int(value)
    return None


class _ClientLeft(Exception):
    pass


async def _read_capped(receive: Receive, cap: int) -> list[Message]:
    """The request's body messages, or _TooLarge as soon as they pass `cap` bytes, or
    _ClientLeft when the client went away before the end."""
    messages, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _ClientLeft
        messages.append(message)
        size += len(message.get("body", b""))
        if size > cap:
            raise _TooLarge
        if not message.get("more_body", False):
            return messages


_GUARDS: list[_SocketGuard] = []  # this worker's (one per app), for `open_sockets`


def open_sockets() -> int:
    """This worker's open websockets (reported to /metrics by tasks.report_open_sockets)."""
    return sum(guard.open_in_all for guard in _GUARDS)


class _SocketGuard:
    """Counts a worker's open sockets (per address and in all) and closes sockets that never
    join."""

    def __init__(self, limits: EdgeLimits) -> None:
        self.limits = limits
        self.open_per_address: Counter[str] = Counter()
        self.open_in_all = 0
        _GUARDS.append(self)

    async def __call__(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        address = client_address(scope, self.limits.trusted_proxy_hops)
        if (
            self.open_per_address[address] >= self.limits.sockets_per_address
            or self.open_in_all >= self.limits.sockets_per_worker
        ):
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": POLICY_VIOLATION})
            return
        self.open_per_address[address] += 1
        self.open_in_all += 1
        try:
            await self._serve(app, scope, receive, send)
        finally:
            self.open_in_all -= 1
            self.open_per_address[address] -= 1
            if self.open_per_address[address] <= 0:
                del self.open_per_address[address]

    async def _serve(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
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
                closed = True
                await send({"type": "websocket.close", "code": POLICY_VIOLATION})
                return {"type": "websocket.disconnect", "code": POLICY_VIOLATION}
            message, pending = pending.result(), None
            text = message.get("text") or ""
            if message["type"] == "websocket.receive" and text.startswith(JOIN_PREFIX):
                joined = True
            return message

        async def guarded_send(message: Message) -> None:
            if not closed:
                await send(message)

        try:
            await app(scope, guarded_receive, guarded_send)
        finally:
            if pending is not None:
                pending.cancel()


def with_edge_limits(limits: EdgeLimits) -> Callable[[ASGIApp], ASGIApp]:
    """An api_transformer for rx.App: caps bodies and sockets before the app sees them."""
    sockets = _SocketGuard(limits)

    def wrap(app: ASGIApp) -> ASGIApp:
        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "websocket" and scope["path"].startswith(EVENT_SOCKET_PATH):
                await sockets(app, scope, receive, send)
                return
            if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
                await app(scope, receive, send)
                return
            cap = limits.body_cap(scope["path"])
            declared = _declared_length(scope)
            try:
                if declared is not None and declared > cap:
                    raise _TooLarge
                async with asyncio.timeout(limits.body_seconds):
                    messages = await _read_capped(receive, cap)
            except _TooLarge:
                await _refuse(send, 413, f"Request too large: at most {cap // 1000} kB here.")
                return
            except TimeoutError:  # a body trickling in would hold its buffer for ever
                await _refuse(send, 408, "The request body took too long to arrive.")
                return
            except _ClientLeft:  # nobody to answer, nothing for the app to do
                return

            async def replay() -> Message:
                return messages.pop(0) if messages else await receive()

            await app(scope, replay, send)

        return guarded

    return wrap
