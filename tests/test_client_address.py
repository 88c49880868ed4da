"""Who the client is: X-Forwarded-For counts only when the peer is a configured proxy (probe
finding 2), and the one answer reaches every place that keys on it: the socket caps, Starlette's
`request.client`, and, through Reflex's websocket, the state handlers' `router.session.client_ip`
that the sign-up and sign-in throttles are keyed on."""

from __future__ import annotations

import asyncio
import json

import pytest
from reflex_base.config import get_config
from reflex_base.utils.format import format_event_handler
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import bookmyseat.bookmyseat
from bookmyseat.server.client_address import resolve, with_client_address
from bookmyseat.server.edge_limits import EdgeLimits, with_edge_limits
from bookmyseat.services.accounts import signing_in
from bookmyseat.services.errors import CustomerError
from bookmyseat.settings import SettingsError, load_settings, proxy_networks
from bookmyseat.state.auth import LoginState, SignupState

PROXIES = proxy_networks("10.0.0.0/8, 127.0.0.1, 2001:db8:1::/48")


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # Anyone else's header is theirs to make up: the peer is the client.
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),
        ("203.0.113.5", "", "203.0.113.5"),
        # Our proxy appended what it saw, to the right of whatever the client sent.
        ("127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        ("10.4.0.9", "198.51.100.7", "198.51.100.7"),  # a network's member (CIDR)
        # Two proxies of ours (both in 10/8): past both, the first address not ours.
        ("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        # Every entry ours: the leftmost is as far as anyone can tell.
        ("10.0.0.2", "10.0.0.7, 10.0.0.1", "10.0.0.7"),
        ("127.0.0.1", "", "127.0.0.1"),  # a proxy of ours asking for itself
        # An entry that is no address ends the walk at the last hop we trust.
        ("10.0.0.2", "198.51.100.7, unknown", "10.0.0.2"),
        ("10.0.0.2", "garbage, 10.0.0.1", "10.0.0.1"),
        # Ports, as some proxies write them.
        ("10.0.0.2", "198.51.100.7:5123", "198.51.100.7"),
        ("10.0.0.2", "[2001:db8:2::5]:443", "2001:db8:2::5"),
        # IPv6: a proxy in a v6 network, a client in v6 (normalised), a v4-mapped peer.
        ("2001:db8:1::10", "2001:DB8:2:0:0:0:0:5", "2001:db8:2::5"),
        ("2001:db8:2::10", "198.51.100.7", "2001:db8:2::10"),  # not our network
        ("::ffff:10.0.0.2", "198.51.100.7", "198.51.100.7"),
        ("::ffff:203.0.113.5", "198.51.100.7", "203.0.113.5"),
        ("::1", "198.51.100.7", "::1"),  # loopback, but not named a proxy
    ],
)
def test_the_client_is_the_first_address_not_a_trusted_proxy(peer, forwarded, client) -> None:
    assert resolve(peer, forwarded, PROXIES) == client


def test_with_no_proxies_configured_the_header_never_counts() -> None:
    assert resolve("127.0.0.1", "198.51.100.7", ()) == "127.0.0.1"


def test_the_proxies_setting_takes_addresses_and_networks(monkeypatch) -> None:
    monkeypatch.setenv("BOOKMYSEAT_TRUSTED_PROXIES", " 127.0.0.1, 10.0.0.0/8,,::1, 10.1.2.3/8 ")
    settings = load_settings()
    assert settings.trusted_proxies == "127.0.0.1/32,10.0.0.0/8,::1/128,10.0.0.0/8"
    assert [str(n) for n in settings.trusted_proxy_networks][:3] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    ]
    monkeypatch.delenv("BOOKMYSEAT_TRUSTED_PROXIES")
    assert load_settings().trusted_proxy_networks == ()  # by default: no proxy


def test_the_retired_hop_count_stops_start_up_naming_its_replacement(monkeypatch) -> None:
    """A deployment still saying BOOKMYSEAT_TRUSTED_PROXY_HOPS=1 would otherwise start with
    every customer sharing the proxy's address (and its throttles)."""
    monkeypatch.setenv("BOOKMYSEAT_TRUSTED_PROXY_HOPS", "1")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).startswith("BOOKMYSEAT_TRUSTED_PROXY_HOPS=1: ")
    assert "BOOKMYSEAT_TRUSTED_PROXIES" in str(refused.value)


# --- the layer ---------------------------------------------------------------------------------


async def _who(request: Request) -> JSONResponse:
    return JSONResponse({"client": request.client.host, "headers": dict(request.headers),
                         "url": str(request.url)})  # fmt: skip


ROUTES = Starlette(routes=[Route("/who", _who)])


def asked(peer: str, headers: dict[str, str]) -> dict:
    layered = with_client_address(PROXIES)(ROUTES)
    return TestClient(layered, client=(peer, 5000)).get("/who", headers=headers).json()


SPOOFING = {"X-Forwarded-For": "198.51.100.7", "X-Real-IP": "198.51.100.8",
            "Forwarded": "for=198.51.100.9", "X-Forwarded-Proto": "https"}  # fmt: skip


def test_a_route_sees_the_peer_and_no_forwarding_headers_from_anyone_else() -> None:
    seen = asked("203.0.113.5", SPOOFING)
    assert seen["client"] == "203.0.113.5"
    assert not {"x-forwarded-for", "x-real-ip", "forwarded", "x-forwarded-proto"} & set(
        seen["headers"]
    )


def test_a_route_sees_the_client_a_trusted_proxy_names_and_its_headers() -> None:
    seen = asked("10.0.0.2", SPOOFING)
    assert seen["client"] == "198.51.100.7"
    assert seen["headers"]["x-forwarded-for"] == "198.51.100.7"


def test_behind_a_trusted_tls_proxy_the_app_builds_https_urls() -> None:
    """E's finding: behind TLS, a redirect built from the request (a trailing slash) said
    http://. The scheme is the one a trusted proxy says the customer used, never a stranger's."""
    assert asked("10.0.0.2", SPOOFING)["url"].startswith("https://")
    assert asked("10.0.0.2", {"X-Forwarded-Proto": "gopher"})["url"].startswith("http://")
    assert asked("203.0.113.5", SPOOFING)["url"].startswith("http://")


# --- the socket caps ---------------------------------------------------------------------------

LIMITS = EdgeLimits(body_caps={}, default_body_cap=100, sockets_per_address=2,
                    socket_join_seconds=5)  # fmt: skip


async def _held_socket(scope, receive, send) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


def sockets_refused(peer: str, claims: list[str]) -> list[bool]:
    """Open one socket from `peer` per claimed X-Forwarded-For, all at once, through the app's
    layers in their order; which were refused at the handshake."""
    app = with_client_address(PROXIES)(with_edge_limits(LIMITS)(_held_socket))

    async def scenario() -> list[bool]:
        inboxes, sent, tasks = [], [], []
        for claim in claims:
            inbox: asyncio.Queue = asyncio.Queue()
            inbox.put_nowait({"type": "websocket.connect"})
            inbox.put_nowait({"type": "websocket.receive", "text": "40/_event,"})
            out: list = []
            scope = {"type": "websocket", "path": "/_event/", "client": (peer, 5000),
                     "headers": [(b"x-forwarded-for", claim.encode())]}  # fmt: skip

            async def send(message, out=out):
                out.append(message)

            tasks.append(asyncio.create_task(app(scope, inbox.get, send)))
            inboxes.append(inbox)
            sent.append(out)
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        refused = [any(m["type"] == "websocket.close" for m in out) for out in sent]
        for inbox in inboxes:
            inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await asyncio.gather(*tasks)
        return refused

    return asyncio.run(scenario())


def test_a_spoofed_header_does_not_open_more_sockets_than_an_address_may_hold() -> None:
    claims = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]
    assert sockets_refused("203.0.113.5", claims) == [False, False, True, True]


def test_behind_a_trusted_proxy_each_client_has_its_own_sockets() -> None:
    claims = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]
    assert sockets_refused("10.0.0.2", claims) == [False, False, False, False]
    assert sockets_refused("10.0.0.2", ["198.51.100.1"] * 3) == [False, False, True]


# --- Reflex's websocket: what the state handlers see ---------------------------------------------


class Recorded:
    """Stands in for the sign-up and sign-in services: notes the arguments, refuses politely."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def __call__(self, *args, **_kwargs):
        self.calls.append(args)
        raise CustomerError("Recorded.")


def through_reflex(peer: str, headers: list[tuple[bytes, bytes]], events: list[dict],
                   calls: list) -> list[dict]:  # fmt: skip
    """One page's websocket into the real app's socket.io server and event namespace (behind
    `with_client_address`, as the app mounts it), sending `events` once joined; what the server
    sent. Waits until every event reached the services (`calls`) or the socket was refused."""
    app = bookmyseat.bookmyseat.app
    layered = with_client_address(PROXIES)(app._api)
    scope = {"type": "websocket", "path": "/_event/", "raw_path": b"/_event/", "root_path": "",
             "query_string": b"EIO=4&transport=websocket&token=tab-1", "scheme": "ws",
             "headers": [(b"upgrade", b"websocket"), (b"connection", b"Upgrade"), *headers],
             "client": (peer, 5000), "server": ("127.0.0.1", 3000), "subprotocols": [],
             "asgi": {"version": "3.0"}}  # fmt: skip
    sent: list[dict] = []

    async def scenario() -> None:
        inbox: asyncio.Queue = asyncio.Queue()
        inbox.put_nowait({"type": "websocket.connect"})
        for text in ["40/_event,", *("42/_event," + json.dumps(["event", e]) for e in events)]:
            inbox.put_nowait({"type": "websocket.receive", "text": text})

        async def send(message) -> None:
            sent.append(message)

        async with app._setup_event_processor():  # noqa: SLF001 - the server's lifespan does it
            with app.set_contexts():
                task = asyncio.create_task(layered(scope, inbox.get, send))
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 20
                while len(calls) < len(events) and not task.done() and loop.time() < deadline:
                    await asyncio.sleep(0.02)
                inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
                await asyncio.wait_for(task, 10)

    asyncio.run(scenario())
    return sent


def form_events() -> list[dict]:
    signup = {"pathname": "/signup", "asPath": "/signup", "query": {}}
    login = {"pathname": "/login", "asPath": "/login", "query": {}}
    sign_up_form = {"username": "newfan", "email": "newfan@example.com",
                    "password": "tamarind-kite-42", "confirm": "tamarind-kite-42"}  # fmt: skip
    return [
        {"name": format_event_handler(SignupState.submit), "payload": {"form": sign_up_form},
         "router_data": signup},
        {"name": format_event_handler(LoginState.submit),
         "payload": {"form": {"login": "victim1", "password": "guess-1"}}, "router_data": login},
    ]  # fmt: skip


ORIGIN = (b"origin", b"http://localhost:3000")


@pytest.mark.parametrize(
    ("peer", "forwarded", "address"),
    [
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),  # spoofed: the peer is who counts
        ("10.0.0.2", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # through our proxy
        ("2001:db8:1::10", "2001:db8:2::5", "2001:db8:2::5"),  # an IPv6 proxy and client
    ],
)
def test_the_sign_up_and_sign_in_throttles_are_keyed_on_the_resolved_address(
    monkeypatch, peer: str, forwarded: str, address: str
) -> None:
    """The forms' handlers pass `router.session.client_ip` to the services, which key the
    sign-up and sign-in throttles on it; Reflex computes it from the websocket's scope."""
    assert get_config().trusted_proxy_hops == 0  # Reflex counts no hops of its own
    recorded = Recorded()
    monkeypatch.setattr(signing_in, "with_new_account", recorded)
    monkeypatch.setattr(signing_in, "with_password", recorded)
    headers = [ORIGIN, (b"x-forwarded-for", forwarded.encode())]
    through_reflex(peer, headers, form_events(), recorded.calls)
    [sign_up, sign_in] = recorded.calls
    claimed = {part.strip() for part in forwarded.split(",")} - {address}
    for call in (sign_up, sign_in):
        assert address in call and not claimed & set(call), call


def test_the_apps_outermost_layer_is_the_one_that_decides() -> None:
    """rx.App applies its api_transformers in order, so the last one wraps all the others."""
    outermost = bookmyseat.bookmyseat.app.api_transformer[-1]
    seen: list[dict] = []

    async def inner(scope, receive, send) -> None:
        seen.append(scope)

    spoofed = {"type": "http", "method": "GET", "path": "/", "client": ("203.0.113.5", 1),
               "headers": [(b"x-forwarded-for", b"198.51.100.7")]}  # fmt: skip
    asyncio.run(outermost(inner)(spoofed, None, None))
    assert seen[0]["client"][0] == "203.0.113.5" and seen[0]["headers"] == []
