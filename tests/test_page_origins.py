"""Only the app's own pages may use the holds route, the websocket and cross-origin reads, in
development too (probe finding 12: a page on another port of localhost, the same *site*, held
seats as the signed-in customer with a text/plain POST, and the websocket took any Origin)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from reflex_base.config import get_config
from starlette.testclient import TestClient

import bookmyseat.bookmyseat
from bookmyseat.api import api, showtimes
from bookmyseat.server.page_origins import origin_of, page_origins
from bookmyseat.settings import get_settings, load_settings, with_changes
from tests.test_client_address import through_reflex

LOCAL = {"public_url": "http://localhost:3000", "environment": "development"}


def test_production_accepts_its_public_address_only() -> None:
    live = with_changes(load_settings(), environment="production",
                        public_url="https://tickets.example")  # fmt: skip
    environ = {"REFLEX_API_URL": "http://localhost:8001", "REFLEX_FRONTEND_PORT": "8001"}
    assert page_origins(live, environ) == ["https://tickets.example"]


def test_development_accepts_where_its_pages_are_served_under_each_local_name() -> None:
    dev = with_changes(load_settings(), **LOCAL)
    assert page_origins(dev, {}) == [
        "http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000",
    ]  # fmt: skip
    # The e2e servers and `reflex run --frontend-port N`: REFLEX_API_URL and the port.
    served = page_origins(dev, {"REFLEX_API_URL": "http://localhost:3321",
                                "REFLEX_FRONTEND_PORT": "3321"})  # fmt: skip
    assert {"http://localhost:3321", "http://127.0.0.1:3321"} <= set(served)
    assert "http://localhost:8999" not in served and "*" not in served


def test_an_origin_is_scheme_host_and_a_port_other_than_the_default() -> None:
    assert origin_of("https://Tickets.example:443/path?x") == "https://tickets.example"
    assert origin_of("http://localhost:3000/") == "http://localhost:3000"
    assert origin_of("http://[::1]:8080") == "http://[::1]:8080"
    assert origin_of("") is None and origin_of("tickets.example") is None


# --- the holds route ---------------------------------------------------------------------------


@pytest.fixture
def holds_tried(monkeypatch) -> list:
    """The hold itself stands in: whether a request got that far is all that matters here."""
    tried: list = []

    def hold(token, showtime_id, seat_ids, **_given):
        tried.append(seat_ids)
        return SimpleNamespace(reference="ABCD2345")

    monkeypatch.setattr(showtimes, "hold_seats_signed_in", hold)
    monkeypatch.setattr(showtimes.shared_figures, "count", lambda *args: None)
    return tried


def proceed(settings, monkeypatch, origin: str | None) -> int:
    monkeypatch.setattr(showtimes, "get_settings", lambda: settings)
    headers = {"Content-Type": "text/plain"} | ({"Origin": origin} if origin else {})
    client = TestClient(api)
    client.cookies.set("bms_session", "a-customers-session")
    answer = client.post("/api/showtimes/7/holds", content=b'{"seat_ids": [1, 2]}',
                         headers=headers)  # fmt: skip
    return answer.status_code


def test_in_development_another_ports_page_cannot_hold_seats(holds_tried, monkeypatch) -> None:
    dev = with_changes(load_settings(), **LOCAL)
    assert proceed(dev, monkeypatch, "http://localhost:8999") == 403
    assert proceed(dev, monkeypatch, "http://127.0.0.1:8999") == 403
    assert proceed(dev, monkeypatch, "null") == 403  # a sandboxed frame, a file:// page
    assert holds_tried == []
    assert proceed(dev, monkeypatch, "http://localhost:3000") == 201  # the app's own page
    assert proceed(dev, monkeypatch, "http://127.0.0.1:3000") == 201
    assert proceed(dev, monkeypatch, None) == 201  # no browser page at all
    assert len(holds_tried) == 3


def test_in_production_only_the_public_address_may_hold(holds_tried, monkeypatch) -> None:
    live = with_changes(load_settings(), environment="production",
                        public_url="https://tickets.example")  # fmt: skip
    assert proceed(live, monkeypatch, "http://localhost:3000") == 403
    assert proceed(live, monkeypatch, "https://tickets.example") == 201
    assert len(holds_tried) == 1


# --- the websocket and CORS --------------------------------------------------------------------


def test_reflex_and_socketio_are_given_the_same_origins_and_never_any() -> None:
    expected = page_origins(get_settings())
    assert list(get_config().cors_allowed_origins) == expected  # Starlette's CORS (rxconfig)
    eio = bookmyseat.bookmyseat.app.sio.eio
    assert eio.cors_allowed_origins == expected and "*" not in expected
    assert "http://localhost:8999" not in expected


def test_the_websocket_refuses_another_ports_page_and_takes_the_apps_own() -> None:
    own = page_origins(get_settings())[0].encode()
    refused = through_reflex("127.0.0.1", [(b"origin", b"http://localhost:8999")], [], [])
    assert refused[-1]["type"] == "websocket.close"
    assert "not an accepted origin" in refused[-1]["reason"]
    accepted = through_reflex("127.0.0.1", [(b"origin", own)], [], [])
    assert accepted[0] == {"type": "websocket.accept"}
