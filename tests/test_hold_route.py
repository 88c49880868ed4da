"""Proceed on the seat map: `POST /api/showtimes/<id>/holds` with the session cookie.

The route is public, so it is tested as a hostile client would use it: no cookie, a stale one,
malformed bodies, another site's page, a database that is away. Each refusal is a 4xx (or 503)
with a message for the customer, and nothing is held. The session is checked by the statement
that locks the customer's row, so one customer's parallel holds still take turns.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from bookmyseat.api import api, showtimes
from bookmyseat.db import write_session
from bookmyseat.models import LoginSession, User, utcnow
from bookmyseat.services.accounts import login_sessions
from bookmyseat.services.booking import errors, holds
from bookmyseat.services.booking.rules import MAX_OPEN_HOLDS
from bookmyseat.settings import with_changes
from tests.conftest import World
from tests.test_race import most_at_once, transaction_spans


@pytest.fixture
def client(world: World, settings, monkeypatch) -> TestClient:
    monkeypatch.setattr(
        showtimes,
        "hold_seats_signed_in",
        lambda token, showtime_id, seat_ids, **given: holds.hold_seats_signed_in(
            token, showtime_id, seat_ids, settings=settings, engine=world.engine, **given
        ),
    )
    return TestClient(api)


def held_bookings(world: World) -> int:
    with world.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM booking")).scalar()


def post(client: TestClient, world: World, token: str, body, showtime: object = None):
    path = f"/api/showtimes/{world.showtime_id if showtime is None else showtime}/holds"
    client.cookies.clear()
    if token:
        client.cookies.set("bms_session", token)
    if isinstance(body, bytes):
        return client.post(path, content=body, headers={"Content-Type": "application/json"})
    return client.post(path, json=body)


def test_a_signed_in_customer_holds_and_is_sent_to_checkout(client, world: World) -> None:
    token = login_sessions.start_session(world.alice, engine=world.engine)
    answer = post(client, world, token, {"seat_ids": world.ids("C2", "C1")})
    assert answer.status_code == 201
    reference = answer.json()["reference"]
    assert answer.json()["checkout"] == f"/checkout/{reference}"
    with world.engine.connect() as conn:
        owner, seats = conn.execute(
            text("SELECT user_id, seat_count FROM booking WHERE reference = :r"), {"r": reference}
        ).one()
    assert (owner, seats) == (world.alice, 2)


def test_nobody_signed_in_is_sent_to_sign_in_with_the_seats_kept(client, world: World) -> None:
    expired = login_sessions.start_session(
        world.alice, now=utcnow() - timedelta(days=30), engine=world.engine
    )
    for token in ("", "made-up-token", expired):
        answer = post(client, world, token, {"seat_ids": world.ids("C2", "C1")})
        assert answer.status_code == 401
        assert answer.json()["error"] == "Please sign in to book seats."
        c1, c2 = world.ids("C1", "C2")
        back = f"%2Fshowtimes%2F{world.showtime_id}%3Fseats%3D{c1}%2C{c2}"
        assert answer.json()["sign_in"] == f"/login?next={back}"
    assert held_bookings(world) == 0


def test_a_disabled_account_cannot_hold(client, world: World) -> None:
    token = login_sessions.start_session(world.bob, engine=world.engine)
    with write_session(world.engine) as session:
        session.execute(
            text("UPDATE app_user SET is_active = false WHERE id = :u"), {"u": world.bob}
        )
    assert post(client, world, token, {"seat_ids": world.ids("C1")}).status_code == 401
    assert held_bookings(world) == 0


def test_a_taken_seat_is_named_with_every_seat_claimed_at_that_moment(client, world) -> None:
    """The refusal gives the map what it needs to pick again at once: the seats claimed by
    others now (its live codes may lag in a rush), not the seats this request half-claimed."""
    world.hold(world.bob, "C2", "C3", "A1")
    sold = world.hold(world.bob, "B5")
    world.pay(sold)
    token = login_sessions.start_session(world.alice, engine=world.engine)
    answer = post(client, world, token, {"seat_ids": world.ids("C1", "C2")})
    assert answer.status_code == 409
    assert answer.json() == {
        "error": "Seat C2 was just taken. Please choose another seat.",
        "code": "seat_unavailable",
        "taken": world.ids("C2"),
        "unavailable": sorted(world.ids("A1", "B5", "C2", "C3")),
    }
    assert held_bookings(world) == 2  # Bob's, and nothing of Alice's half-written


@pytest.mark.parametrize(
    ("body", "showtime"),
    [
        (b"not json", None),
        (b"", None),
        (b"\xff\xfe", None),
        ([1, 2], None),
        ({"seats": [1]}, None),
        ({"seat_ids": "1,2"}, None),
        ({"seat_ids": ["1"]}, None),
        ({"seat_ids": [True]}, None),
        ({"seat_ids": [1.0]}, None),
        ({"seat_ids": [None]}, None),
        ({"seat_ids": list(range(1, 200))}, None),
        ({"seat_ids": [1]}, "abc"),
        ({"seat_ids": [1]}, "1e9"),
        ({"seat_ids": [1]}, "99999999999999999999"),
    ],
)
def test_malformed_requests_are_refused_with_a_message(client, world: World, body, showtime):
    token = login_sessions.start_session(world.alice, engine=world.engine)
    answer = post(client, world, token, body, showtime)
    assert answer.status_code in (400, 404)
    assert answer.json()["error"]
    assert held_bookings(world) == 0


@pytest.mark.parametrize(
    ("seat_ids", "status", "message"),
    [
        ([], 422, "Choose at least one seat."),
        ([0], 422, "Seat 0 does not exist in this screen."),
        ([-4], 422, "Seat -4 does not exist in this screen."),
        ([2**40], 422, f"Seat {2**40} does not exist in this screen."),
        ([999_999], 422, "Seat 999999 does not exist in this screen."),
        (list(range(1, 12)), 422, "You can book at most 10 seats at a time."),
    ],
)
def test_seats_the_rules_refuse_are_refused_with_their_reason(
    client, world: World, seat_ids, status, message
):
    token = login_sessions.start_session(world.alice, engine=world.engine)
    answer = post(client, world, token, {"seat_ids": seat_ids})
    assert (answer.status_code, answer.json()["error"]) == (status, message)
    assert held_bookings(world) == 0


def test_a_choice_that_leaves_a_seat_alone_is_refused_by_the_server(client, world) -> None:
    """A forged request that skips the picker's own check meets the same rule here: C2 alone
    strands C1 at the row's end; the answer names it and points the map at it."""
    token = login_sessions.start_session(world.alice, engine=world.engine)
    answer = post(client, world, token, {"seat_ids": world.ids("C2")})
    assert answer.status_code == 422
    assert answer.json() == {
        "error": "Please don't leave C1 on its own: choose it too, or move your seats so that "
        "no single empty seat is left beside them.",
        "code": "leaves_seat_alone",
        "alone": world.ids("C1")[0],
    }
    assert held_bookings(world) == 0
    # Taken from the row's end, the same number of seats is held; and once C3 and C4 are sold,
    # a lone seat that nothing could have spared is no refusal.
    assert post(client, world, token, {"seat_ids": world.ids("C1")}).status_code == 201
    world.pay(world.hold(world.bob, "C3", "C4", "C5"))
    assert post(client, world, token, {"seat_ids": world.ids("C2")}).status_code == 201


def test_seats_taken_by_others_blocked_or_in_a_lapsed_hold_count_as_the_server_sees_them(
    client, world: World
) -> None:
    """The rule reads the row as it is now: a lapsed hold frees its seats (C2 then strands C1
    again), a live one bounds the stretch."""
    token = login_sessions.start_session(world.alice, engine=world.engine)
    world.hold(world.bob, "C1", now=utcnow() - timedelta(minutes=30))  # lapsed, never swept
    assert post(client, world, token, {"seat_ids": world.ids("C2")}).json()["code"] == (
        "leaves_seat_alone"
    )
    world.hold(world.bob, "C1")
    assert post(client, world, token, {"seat_ids": world.ids("C2")}).status_code == 201


def test_an_unknown_showtime_is_404(client, world: World) -> None:
    token = login_sessions.start_session(world.alice, engine=world.engine)
    answer = post(client, world, token, {"seat_ids": world.ids("C1")}, showtime=987_654)
    assert answer.status_code == 404 and answer.json()["error"] == "This show is not available."


def test_in_production_another_sites_page_is_refused(client, world, settings, monkeypatch):
    live = with_changes(settings, environment="production", public_url="https://seats.example")
    monkeypatch.setattr(showtimes, "get_settings", lambda: live)
    token = login_sessions.start_session(world.alice, engine=world.engine)
    client.cookies.set("bms_session", token)
    path = f"/api/showtimes/{world.showtime_id}/holds"
    body = {"seat_ids": world.ids("C1")}
    refused = client.post(path, json=body, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and held_bookings(world) == 0
    assert (
        client.post(path, json=body, headers={"Origin": "https://seats.example"}).status_code == 201
    )


def test_a_database_away_is_503_with_a_message_and_the_route_keeps_answering(
    client, world: World, monkeypatch
) -> None:
    def away(*_args):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(showtimes, "hold_seats_signed_in", away)
    answer = post(client, world, "any-token", {"seat_ids": world.ids("C1")})
    assert answer.status_code == 503
    assert answer.json() == {"error": showtimes.HOLD_FAILED}


def test_one_customers_parallel_holds_take_turns(world: World, settings, monkeypatch) -> None:
    """Eight holds at once with one session (eight tabs): the open-holds limit still holds,
    because the statement that checks the session locks the customer's row."""
    outcomes = race_one_customer(world, settings, monkeypatch)
    assert outcomes.count("won") == MAX_OPEN_HOLDS, outcomes
    assert outcomes.count("too many") == len(outcomes) - MAX_OPEN_HOLDS, outcomes


def test_negative_control_without_the_lock_the_limit_is_overrun(world, settings, monkeypatch):
    if world.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers queue anyway; the lock matters on PostgreSQL")
    unlocked = (
        select(User.id)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.token_hash == bindparam("token_hash"),
            LoginSession.expires_at
            > bindparam("now", type_=LoginSession.__table__.c.expires_at.type),
        )
    )
    monkeypatch.setattr(login_sessions, "_LOCK_SIGNED_IN", unlocked)
    outcomes = race_one_customer(world, settings, monkeypatch)
    assert outcomes.count("won") > MAX_OPEN_HOLDS, outcomes


def race_one_customer(world: World, settings, monkeypatch) -> list[str]:
    token = login_sessions.start_session(world.alice, engine=world.engine)
    # Pairs between aisles: any one of them alone leaves no seat on its own, in any order.
    seats = world.ids("A1", "A2", "A4", "A5", "B4", "B5", "C4", "C5")
    barrier = threading.Barrier(len(seats))
    outcomes = [""] * len(seats)
    mark_changed = holds.mark_changed

    def slow_mark_changed(session, showtime_id):  # a wider window between check and commit
        time.sleep(0.05)
        mark_changed(session, showtime_id)

    monkeypatch.setattr(holds, "mark_changed", slow_mark_changed)

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            holds.hold_seats_signed_in(
                token, world.showtime_id, [seats[i]], settings=settings, engine=world.engine
            )
            outcomes[i] = "won"
        except errors.TooManyOpenHolds:
            outcomes[i] = "too many"
        except Exception as exc:  # shown by the assertions
            outcomes[i] = repr(exc)

    with transaction_spans(world.engine) as spans:
        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(seats))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    if world.engine.dialect.name == "postgresql":
        assert most_at_once(spans) >= 2, "the transactions never overlapped: no race was run"
    return outcomes
