"""The seat plan the browser's picker draws, and the codes that index into it: the same order,
a cached answer with an ETag, and seat ids from a client taken only when they are ids."""

from __future__ import annotations

import json

import pytest

from bookmyseat.services.booking import seat_plan as plans
from bookmyseat.services.booking.availability import seat_codes
from bookmyseat.state.seat_map import parse_seat_ids
from tests.conftest import World


@pytest.fixture(autouse=True)
def no_cached_plans():
    plans._cache.clear()
    yield
    plans._cache.clear()


def test_the_plan_and_the_codes_name_the_same_seats_in_the_same_order(world: World) -> None:
    world.hold(world.alice, "C1")
    plan = json.loads(plans.seat_plan(world.showtime_id, engine=world.engine).body)
    codes = seat_codes(world.showtime_id, engine=world.engine)
    assert len(plan["seats"]) == len(codes) == len(world.seats)
    by_label = {seat[1]: (seat, codes[i]) for i, seat in enumerate(plan["seats"])}
    assert by_label["C1"][1] == "h" and by_label["C2"][1] == "a"  # nobody's seats are "mine"
    assert by_label["C1"][0][0] == world.seats["C1"]
    assert by_label["C1"][0][7] == 30000 and plan["prices"]["Prime"] == "₹300"
    assert by_label["B1"][0][8] is True  # the wheelchair space
    assert [row for row, _ in plan["rows"]] == ["A", "B", "C"]


def test_the_plan_is_read_once_a_minute_and_unknown_shows_have_none(world: World) -> None:
    first = plans.seat_plan(world.showtime_id, engine=world.engine)
    assert plans.seat_plan(world.showtime_id, engine=world.engine) is first
    assert plans.seat_plan(999_999, engine=world.engine) is None


def test_the_route_answers_with_an_etag_and_304_when_unchanged(world: World, monkeypatch):
    from starlette.testclient import TestClient

    from bookmyseat.api import api, showtimes

    monkeypatch.setattr(
        showtimes,
        "seat_plan",
        lambda showtime_id: plans.seat_plan(showtime_id, engine=world.engine),
    )
    client = TestClient(api)
    answer = client.get(f"/api/showtimes/{world.showtime_id}/seat-plan")
    assert answer.status_code == 200 and "max-age=60" in answer.headers["cache-control"]
    again = client.get(
        f"/api/showtimes/{world.showtime_id}/seat-plan",
        headers={"If-None-Match": answer.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""
    assert client.get("/api/showtimes/999999/seat-plan").status_code == 404
    assert client.get("/api/showtimes/1e9/seat-plan").status_code == 404


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("12,13,x,14", [12, 13, 14]),
        ([5, 5, 6], [5, 6]),
        ([True, -1, 0, 2**40, 1.5, None, "7"], [7]),
        ({"a": 1}, []),
        (None, []),
        (list(range(1, 100)), list(range(1, 21))),
    ],
)
def test_seat_ids_from_a_client_are_only_ever_ids(given, expected) -> None:
    assert parse_seat_ids(given) == expected
