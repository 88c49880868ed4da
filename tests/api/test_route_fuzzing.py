"""Every plain HTTP route, fuzzed: whatever a client writes in the path, the query, the cookie
or the body, the answer is never a 5xx (what names no row is 404, a body that is no request a
4xx; services.ids.parse_row_id reads every id).

The routes are walked from `bookmyseat.api.api`, so a route added there is fuzzed here without
a word; a path parameter with no strategy below fails the test. The app runs as configured, its
default engine pointed at a migrated test database holding a world with a paid booking, so a
drawn id or reference that does name a row goes all the way through the services."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from starlette.routing import Route
from starlette.testclient import TestClient

from bookmyseat import db
from bookmyseat.api import api
from bookmyseat.api.common import SESSION_COOKIE
from bookmyseat.db import MAX_ROW_ID
from bookmyseat.services.accounts import login_sessions
from bookmyseat.services.booking.references import ALPHABET
from bookmyseat.services.operations import health
from tests.conftest import World

EXAMPLES = 120  # per route and database

# What clients write where a number is expected: digits of other scripts that `str.isdigit`
# passes (`²` made `int()` raise, `٣` was read as 3), signs, spaces, separators, numbers past
# the 32-bit column, and segments a path normaliser might act on.
TRICKY = ["²", "٣", "٣٧", "３", "+3", "-3", "-0", " 3", "3 ", "\t3", "1_0", "0", "00", "3.0",
          "1e3", "0x3", "inf", "NaN", str(MAX_ROW_ID), str(MAX_ROW_ID + 1), str(2**63),
          "9" * 40, "9" * 5000, "", " ", ".", "..", "%2e%2e", "%2F", "%00", "\x00", "é", "💺",
          "a/b", "?", "#", "null", "[]", "{}"]  # fmt: skip
NUMBERISH = st.one_of(
    st.sampled_from(TRICKY),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.from_regex(r"\A[0-9]{1,25}\Z"),
    st.text(max_size=16),
)


def often(good: st.SearchStrategy, other: st.SearchStrategy) -> st.SearchStrategy:
    """`good` about half the time (a plain one_of would give each of other's branches as much)."""
    return st.booleans().flatmap(lambda take: good if take else other)


def path_strategies(world: World, reference: str) -> dict[str, st.SearchStrategy[str]]:
    """Per path parameter, what to draw: the tricky, anything, and the world's real rows."""
    real_ids = st.sampled_from([str(world.showtime_id), str(world.other_showtime_id)])
    return {
        "showtime_id": often(real_ids, NUMBERISH),
        "reference": often(
            st.just(reference),
            st.one_of(
                NUMBERISH,
                st.text(alphabet=ALPHABET, min_size=7, max_size=9),
                st.sampled_from([reference.lower(), reference + "\n", " " + reference]),
            ),
        ),
        "name": st.one_of(
            NUMBERISH,
            st.from_regex(r"\A[a-z0-9-]{1,12}\.(png|jpg|webp|svg)\n?\Z"),
            st.sampled_from(["../../etc/passwd", "..%2F..%2Fsecret.png", "test-movie.png"]),
        ),
    }


# The query: the names the routes read (best seats' `count` and `wheelchair`, the line's
# `pass`), each maybe there, with a value that is sometimes right, then anything else.
VALUE = st.one_of(st.sampled_from(["1", "2", "4", "10", "11", "0"]), NUMBERISH)
COUNT = often(st.sampled_from(["1", "2", "4", "10"]), VALUE)
KNOWN_QUERY = st.fixed_dictionaries(
    {}, optional={"count": COUNT, "wheelchair": VALUE, "pass": VALUE}
)
QUERY = st.builds(
    lambda known, extra: [*known.items(), *extra],
    KNOWN_QUERY,
    st.lists(st.tuples(st.text(max_size=8), VALUE), max_size=3),
)


def bodies(world: World) -> st.SearchStrategy[bytes]:
    """Hold requests with the world's seats or any number, JSON that is no request, and bytes."""
    seat_ids = st.one_of(st.sampled_from(sorted(world.seats.values())),
                         st.integers(min_value=-(2**70), max_value=2**70))  # fmt: skip
    return st.one_of(
        st.sampled_from(
            [
                b"",
                b"{}",
                b"null",
                b'{"seat_ids": []}',
                b'{"seat_ids": [1e400]}',
                b'{"seat_ids": "1"}',
                b"[" * 5000 + b"]" * 5000,
                b"\xff\xfe",
            ]
        ),  # fmt: skip
        st.lists(seat_ids, max_size=5).map(lambda ids: json.dumps({"seat_ids": ids}).encode()),
        st.binary(max_size=64),
    )


def routes() -> list[Route]:
    return [route for route in api.routes if isinstance(route, Route)]


def test_every_route_of_the_app_is_fuzzed() -> None:
    """The walk sees all the app serves: a mounted sub-app would hide its routes from it."""
    assert routes() == list(api.routes)
    assert {r.path for r in routes()} >= {"/api/showtimes/{showtime_id}/holds", "/healthz"}


@dataclass
class Served:
    world: World
    reference: str  # alice's paid booking
    session: str  # alice's session token


@pytest.fixture
def served(world: World, monkeypatch) -> Served:
    """The app's default engine is the test database's, with a paid booking of alice's in it."""
    monkeypatch.setattr(db, "get_engine", lambda: world.engine)
    monkeypatch.setattr(health, "get_engine", lambda: world.engine)
    view = world.hold(world.alice, "C1", "C2")
    world.pay(view)
    session = login_sessions.start_session(world.alice, engine=world.engine)
    return Served(world, view.reference, session)


@pytest.mark.parametrize("route", routes(), ids=lambda route: route.path)
def test_no_request_makes_a_route_fail(route: Route, served: Served) -> None:
    strategies = path_strategies(served.world, served.reference)
    unknown = set(route.param_convertors) - set(strategies)
    assert not unknown, f"{route.path}: no strategy for the path parameters {sorted(unknown)}"
    methods = sorted(route.methods - {"HEAD"})
    client = TestClient(api, client=("127.0.0.1", 50000))  # this machine: /metrics answers
    path_params = st.fixed_dictionaries({name: strategies[name] for name in route.param_convertors})

    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(params=path_params, query=QUERY, body=bodies(served.world), signed_in=st.booleans(),
           method=st.sampled_from(methods), quoted=st.booleans())  # fmt: skip
    def fuzz(params, query, body, signed_in, method, quoted) -> None:
        url = route.path
        for name, value in params.items():  # as written, or each byte %-escaped
            url = url.replace("{" + name + "}", quote(value, safe="" if quoted else "%/?#"))
        client.cookies.clear()
        if signed_in:
            client.cookies.set(SESSION_COOKIE, served.session)
        headers = {"Content-Type": "application/json"}
        answer = client.request(method, url, params=query, content=body, headers=headers)
        event(f"{method} {answer.status_code}")  # what was reached: --hypothesis-show-statistics
        assert answer.status_code < 500, (method, url, query, body, answer.status_code, answer.text)

    fuzz()
