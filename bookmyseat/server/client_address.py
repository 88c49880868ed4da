"""Who is asking: the one place that decides a request's client address, which the throttles
(sign-up, sign-in, password resets), the websocket caps and /metrics' this-machine rule key on.

The client is the peer (the other end of the connection), unless the peer is one of the reverse
proxies named in BOOKMYSEAT_TRUSTED_PROXIES. Then X-Forwarded-For says whom it spoke for: each
proxy appends the address it was connected from, so the header is read from the right, past the
entries of trusted proxies, and the first address that is not one is the client. Whatever lies
further left was written by the client and proves nothing; if every entry is a trusted proxy,
the leftmost is the client, and an entry that is no address ends the walk at the last trusted
hop. From any other peer the forwarding headers are dropped, so nothing below can be misled by
them: anyone can send X-Forwarded-For, and only our proxies' counts.

`with_client_address` decides this once per request or websocket, outermost in the app, and
writes the answer into the ASGI scope's `client` (and a trusted proxy's X-Forwarded-Proto into
its `scheme`). Starlette's `request.client`, the edge limits
and Reflex's `router.session.client_ip` (which, with Reflex's own `trusted_proxy_hops` left at
0 in rxconfig.py, is the websocket scope's `client`) then all see the same address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from bookmyseat.settings import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Headers only a proxy of ours may set: dropped from everyone else's requests.
FORWARDING_HEADERS = frozenset(
    {b"x-forwarded-for", b"x-real-ip", b"forwarded", b"x-forwarded-host",
     b"x-forwarded-proto", b"x-forwarded-port"}
)  # fmt: skip


def parse_address(text: str) -> IPAddress | None:
    """An address as a proxy or server writes it (`203.0.113.7`, `2001:db8::1`, with a port
    `203.0.113.7:5123` or `[2001:db8::1]:443`); an IPv4 address mapped into IPv6 (a dual-stack
    socket's `::ffff:203.0.113.7`) is the IPv4 address. None for anything else."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # IPv4 with a port; IPv6 has at least two colons
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: IPAddress | None, proxies: Sequence[IPNetwork]) -> bool:
    return address is not None and any(address in network for network in proxies)


def resolve(peer: str, forwarded_for: str, proxies: Sequence[IPNetwork]) -> str:
    """The client's address, from the peer and its X-Forwarded-For (the module's rule)."""
    peer_address = parse_address(peer)
    if not is_trusted(peer_address, proxies):
        return str(peer_address) if peer_address is not None else peer
    client = peer_address
    for entry in reversed([part for part in forwarded_for.split(",") if part.strip()]):
        hop = parse_address(entry)
        if hop is None:  # not written by a proxy of ours: the last trusted hop is all we know
            break
        client = hop
        if not is_trusted(hop, proxies):
            break
    return str(client)


def _forwarded_for(headers: list[tuple[bytes, bytes]]) -> str:
    """Every X-Forwarded-For header as one list (several headers of a name read as one)."""
    return ", ".join(
        value.decode("latin-1") for name, value in headers if name.lower() == b"x-forwarded-for"
    )


def _forwarded_scheme(scope: Scope, headers: list[tuple[bytes, bytes]]) -> dict:
    """The scheme the client used, as a trusted proxy says (X-Forwarded-Proto: the TLS proxy in
    front speaks https to the customer and plain http to us), so that an absolute URL the app
    builds, a trailing-slash redirect say, is not http:// behind TLS."""
    said = [v.decode("latin-1").split(",")[0].strip().lower() for n, v in headers
            if n.lower() == b"x-forwarded-proto"]  # fmt: skip
    if not said or said[0] not in ("http", "https"):
        return {}
    secure = said[0] == "https"
    if scope["type"] == "websocket":
        return {"scheme": "wss" if secure else "ws"}
    return {"scheme": "https" if secure else "http"}


def client_address(scope: Scope) -> str:
    """The client's address of a request that passed `with_client_address`."""
    return (scope.get("client") or ("unknown", 0))[0]


def with_client_address(proxies: Sequence[IPNetwork]) -> Callable[[ASGIApp], ASGIApp]:
    """An api_transformer for rx.App (the outermost): each request's and websocket's scope
    gets the client's address as its `client`, and loses the forwarding headers unless a
    trusted proxy sent them."""
    proxies = tuple(proxies)

    def wrap(app: ASGIApp) -> ASGIApp:
        async def resolved(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] not in ("http", "websocket"):
                await app(scope, receive, send)
                return
            peer, port = scope.get("client") or ("", 0)
            headers = list(scope.get("headers") or [])
            client = resolve(peer, _forwarded_for(headers), proxies)
            changed: dict = {}
            if not is_trusted(parse_address(peer), proxies):
                headers = [(n, v) for n, v in headers if n.lower() not in FORWARDING_HEADERS]
            else:
                if client != resolve(peer, "", proxies):  # a proxy named it: no port of its own
                    port = 0
                changed = _forwarded_scheme(scope, headers)
            changed.update(headers=headers, client=(client, port) if peer else None)
            await app({**scope, **changed}, receive, send)

        return resolved

    return wrap
