"""Ids as clients write them: only plain ASCII digits naming a possible row are read as one.
`²` passes `str.isdigit` and made `int()` raise (a 500 on holds, seat plans and best seats),
`٣` was read as 3 (another show), and a body nested 20,000 deep made the holds route's JSON
parser raise. Each route answers 404 (or 400 for the body) instead, and no service is asked."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from bookmyseat.api import api, showtimes
from bookmyseat.db import MAX_ROW_ID
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.references import (
    LONGEST_CLIENT_REFERENCE,
    client_reference,
    new_reference,
)
from bookmyseat.services.ids import parse_row_id
from bookmyseat.services.onsale import queues
from bookmyseat.state.seat_map import parse_seat_ids
from bookmyseat.state.waitlist import seats_from

ROUTES = {  # path (the id goes in {}), method
    "seat-plan": ("/api/showtimes/{}/seat-plan", "GET"),
    "best-seats": ("/api/showtimes/{}/best-seats?count=2", "GET"),
    "queue": ("/api/showtimes/{}/queue", "GET"),
    "holds": ("/api/showtimes/{}/holds", "POST"),
}
NOT_IDS = ["²", "٣", "３", "+3", "-3", " 3", "3 ", "1_0", "0", "00", "3.0", "0x3",
           str(MAX_ROW_ID + 1), "9" * 5000, "", "abc"]  # fmt: skip


def arabic(number: int) -> str:
    """The number in Arabic-Indic digits, which `int()` reads as the number itself."""
    return "".join(chr(0x660 + int(d)) for d in str(number))


@pytest.fixture
def asked(monkeypatch) -> list[int]:
    """The routes with their services replaced by recorders: the showtime ids they were given
    (none of which exists: every service answers "no such show")."""
    seen: list[int] = []

    def nothing(showtime_id, *args, **kwargs):
        seen.append(showtime_id)

    def refused(token, showtime_id, *args, **kwargs):
        seen.append(showtime_id)
        raise errors.ShowtimeNotFound()

    monkeypatch.setattr(showtimes, "seat_plan", nothing)
    monkeypatch.setattr(showtimes, "suggestions", nothing)
    monkeypatch.setattr(queues, "rules_of", nothing)
    monkeypatch.setattr(showtimes, "hold_seats_signed_in", refused)
    return seen


def call(client: TestClient, route: str, showtime: str, body: bytes = b'{"seat_ids": [1]}'):
    path, method = ROUTES[route]
    url = path.format(quote(showtime, safe=""))
    if method == "POST":
        return client.post(url, content=body, headers={"Content-Type": "application/json"})
    return client.get(url)


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("showtime", NOT_IDS)
def test_what_is_not_an_id_is_no_show(route: str, showtime: str, asked: list[int]) -> None:
    answer = call(TestClient(api), route, showtime)
    assert answer.status_code == 404, (answer.status_code, answer.text)
    assert asked == []


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_digits_of_another_script_are_not_read_as_a_show(route: str, asked: list[int]) -> None:
    """٣٧ is not show 37: before, the seat plan of show 37 was served for it."""
    assert call(TestClient(api), route, arabic(37)).status_code == 404
    assert asked == []
    call(TestClient(api), route, "37")
    assert asked == [37]  # the control: plain digits reach the service


def test_a_body_nested_too_deep_to_read_is_a_bad_request(asked: list[int]) -> None:
    deep = b"[" * 20_000 + b"]" * 20_000
    for body in (deep, b'{"seat_ids": ' + deep + b"}"):
        answer = call(TestClient(api), "holds", "37", body)
        assert answer.status_code == 400 and answer.json()["error"]
    assert asked == []


@hypothesis_settings(max_examples=150, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(showtime=st.one_of(st.text(max_size=12), st.from_regex(r"\A[0-9]{1,12}\Z")))
def test_only_plain_digits_reach_a_service(showtime: str, asked: list[int]) -> None:
    """As the number they write (every route and request, fuzzed on a real database:
    tests/api/test_route_fuzzing.py)."""
    client = TestClient(api)
    for route in ROUTES:
        asked.clear()
        answer = call(client, route, showtime)
        assert answer.status_code < 500, (route, showtime, answer.status_code)
        if asked:  # only plain digits reach a service, as the number they write
            assert showtime.isascii() and showtime.isdigit(), (route, showtime)
            assert asked == [int(showtime)], (route, showtime, asked)


@pytest.mark.parametrize("text", NOT_IDS + [arabic(5), None, 5, ["5"]])
def test_parse_row_id_refuses_what_is_not_one(text) -> None:
    assert parse_row_id(text) is None


def test_parse_row_id_reads_plain_digits() -> None:
    assert [parse_row_id(t) for t in ("1", "0042", str(MAX_ROW_ID))] == [1, 42, MAX_ROW_ID]


def test_a_reference_from_a_client_is_text_no_longer_than_any_reference() -> None:
    assert client_reference("A" * 5000) == "A" * LONGEST_CLIENT_REFERENCE
    assert [client_reference(r) for r in ("ABCD2345", 5, None)] == ["ABCD2345", "5", "None"]
    assert len(new_reference()) < LONGEST_CLIENT_REFERENCE


def test_the_pages_read_ids_and_counts_as_the_routes_do() -> None:
    assert parse_seat_ids("12,²,٣,+4,13, 14,0") == [12, 13]
    assert [seats_from({"seats": s}) for s in ("2", "²", "٣", "+2", " 2")] == [2, 0, 0, 0, 0]
