"""On-sale lines where customers and staff meet them: the page's poll and the holds route (a
hostile client's view), the showtime page's state (the map withheld while queued), the admin
page's state with junk, and the line's figures in /metrics, with Redis away too."""

from __future__ import annotations

import asyncio
import functools
from datetime import timedelta

import pytest
import redis
from starlette.testclient import TestClient

from bookmyseat.api import api, showtimes
from bookmyseat.models import Role, utcnow
from bookmyseat.services.accounts import login_sessions
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking import holds
from bookmyseat.services.onsale import queue_admin, queues
from bookmyseat.services.onsale.line import line_for
from bookmyseat.services.operations import metrics
from tests.conftest import World
from tests.test_offer_states import routed, signed_in, texts
from tests.test_offer_states import staff_on as staff_on  # a fixture
from tests.test_onsale import bookings, local_form, rules, set_up
from tests.test_waitlist import run

# --- the routes -------------------------------------------------------------------------------


@pytest.fixture
def client(world: World, monkeypatch) -> TestClient:
    monkeypatch.setattr(queues, "rules_of", functools.partial(queues.rules_of, engine=world.engine))
    monkeypatch.setattr(showtimes, "hold_seats_signed_in", functools.partial(
        holds.hold_seats_signed_in, settings=world.settings, engine=world.engine))  # fmt: skip
    return TestClient(api)


def test_the_poll_and_the_holds_route_keep_to_the_line(client, world, boss) -> None:
    poll = f"/api/showtimes/{world.showtime_id}/queue"
    assert client.get(poll).json() == {"admitted": True, "text": ""}  # no line: the map
    set_up(world, boss, per_minute=1)
    queues.take_turn(rules(world), world.alice)  # in: Bob is number 1
    token = login_sessions.start_session(world.bob, engine=world.engine)
    bob_pass = queues.issue_pass(world.showtime_id, world.bob, token)
    client.cookies.set("bms_session", token)
    answer = client.get(poll, params={"pass": bob_pass})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert answer.json() == {"admitted": False, "text": "You are number 1, about 1 minute.",
                             "position": 1, "minutes": 1, "poll_seconds": 20.0}  # fmt: skip
    for junk in ("", "1.abc", queues.issue_pass(world.other_showtime_id, world.bob, token)):
        refused = client.get(poll, params={"pass": junk})
        assert refused.status_code == 403 and "Reload the page" in refused.json()["error"]
    assert client.get("/api/showtimes/abc/queue").status_code == 404

    held = client.post(f"/api/showtimes/{world.showtime_id}/holds",
                       json={"seat_ids": world.ids("C1")})  # fmt: skip
    assert held.status_code == 403 and held.json()["code"] == "not_your_turn"
    assert bookings(world) == 0


def test_a_leaked_poll_address_is_no_use_without_its_session(client, world, boss) -> None:
    """Probe finding 15: the pass was a bearer token that never expired, so anyone with the
    poll's address read the holder's place without a cookie, and their poll joined the holder
    to the line. Now it needs the cookie of the session it was issued to, and lasts a day."""
    set_up(world, boss, per_minute=1)
    queues.take_turn(rules(world), world.alice)  # in: the line's one admission
    bob_token = login_sessions.start_session(world.bob, engine=world.engine)
    alice_token = login_sessions.start_session(world.alice, engine=world.engine)
    bob_pass = queues.issue_pass(world.showtime_id, world.bob, bob_token)
    poll = f"/api/showtimes/{world.showtime_id}/queue"
    line = line_for(world.settings.redis_url)
    for cookie in ("", alice_token, "made-up"):
        client.cookies.clear()
        if cookie:
            client.cookies.set("bms_session", cookie)
        refused = client.get(poll, params={"pass": bob_pass})
        assert refused.status_code == 403 and "Reload the page" in refused.json()["error"]
    assert line.figures(world.showtime_id, utcnow().timestamp()) == (0, 1)  # Bob never joined
    client.cookies.set("bms_session", bob_token)
    stale = queues.issue_pass(world.showtime_id, world.bob, bob_token,
                              now=utcnow() - timedelta(seconds=queues.PASS_SECONDS))  # fmt: skip
    assert client.get(poll, params={"pass": stale}).status_code == 403  # a day old
    assert client.get(poll, params={"pass": bob_pass}).json()["position"] == 1
    assert line.figures(world.showtime_id, utcnow().timestamp()) == (1, 1)


def test_the_poll_says_so_when_the_line_cannot_be_read(client, world, boss, monkeypatch) -> None:
    set_up(world, boss)

    def away(*args, **kwargs):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(queues, "take_turn", away)
    bob_pass = queues.issue_pass(world.showtime_id, world.bob, "bobs-session")
    client.cookies.set("bms_session", "bobs-session")
    answer = client.get(f"/api/showtimes/{world.showtime_id}/queue", params={"pass": bob_pass})
    assert answer.status_code == 503 and "could not be read" in answer.json()["error"]


# --- the states -------------------------------------------------------------------------------


def map_state(world: World, account: Account | None, monkeypatch):
    import bookmyseat.bookmyseat  # noqa: F401 - builds the app, registering every state
    from bookmyseat.state import seat_map

    for name in ("showtime_summary", "seat_map"):
        on_world = functools.partial(getattr(seat_map, name), engine=world.engine)
        monkeypatch.setattr(seat_map, name, on_world)
    monkeypatch.setattr(queues, "rules_of", functools.partial(queues.rules_of, engine=world.engine))
    joined = []

    async def join(session_id, showtime_id):
        joined.append(showtime_id)

    monkeypatch.setattr(seat_map.live_seats, "join", join)
    signed_in(monkeypatch, seat_map.SeatMapState, account)
    state = routed(seat_map.SeatMapState(_reflex_internal_init=True),
                   f"/showtimes/{world.showtime_id}", id=str(world.showtime_id))  # fmt: skip
    return state, joined


def test_the_map_waits_behind_the_line_until_the_customers_turn(world, boss, monkeypatch) -> None:
    set_up(world, boss, per_minute=1)
    alice = Account(world.alice, "alice", "alice@example.com", "", Role.CUSTOMER)
    bob = Account(world.bob, "bob", "bob@example.com", "", Role.CUSTOMER)
    state, joined = map_state(world, alice, monkeypatch)
    asyncio.run(run(state, "load"))
    assert not state.queued and state.codes and state.turn_text.startswith("It is your turn")

    state, joined = map_state(world, bob, monkeypatch)
    state.session_token = "bobs-session"
    asyncio.run(run(state, "load"))
    assert (state.queued, state.codes, state.loading) == (True, "", False)
    assert state.queue_text == "You are number 1, about 1 minute."
    address, pass_token = state.queue_poll_url.split("?pass=")
    assert address == f"/api/showtimes/{world.showtime_id}/queue"
    assert queues.read_pass(world.showtime_id, pass_token, "bobs-session") == world.bob
    assert queues.read_pass(world.showtime_id, pass_token, "another-session") is None
    asyncio.run(run(state, "load"))  # a reload: the same place
    assert state.queue_text == "You are number 1, about 1 minute."
    state._loaded_at = 0.0
    asyncio.run(run(state, "join_live"))
    assert joined == []  # a queued tab hears no seat changes

    state, _ = map_state(world, None, monkeypatch)
    asyncio.run(run(state, "load"))
    assert state.queued and state.queue_poll_url == ""
    assert state.queue_text == "Sign in to take your place in line."


def test_the_map_page_takes_the_lines_settings_from_memory_when_it_can(
    world, boss, monkeypatch
) -> None:
    """A page load in a crowd reads the settings from memory on its own loop: no thread (busy
    with holds) to wait for. Only a read the process has not made lately goes to the database."""
    monkeypatch.setattr(queues, "RULES_FRESH_SECONDS", 60.0)  # however slow this machine is
    set_up(world, boss, per_minute=1)
    queues.forget_rules()
    alice = Account(world.alice, "alice", "alice@example.com", "", Role.CUSTOMER)
    state, _ = map_state(world, alice, monkeypatch)
    reads, read = [], queues.rules_of
    monkeypatch.setattr(queues, "rules_of", lambda *a, **k: reads.append(a) or read(*a, **k))
    for _ in range(3):
        asyncio.run(run(state, "load"))
    assert reads == [(world.showtime_id,)]
    assert state.turn_text.startswith("It is your turn")
    assert queues.remembered_rules(world.showtime_id) == (
        True,
        queues.read_rules(world.showtime_id, engine=world.engine),
    )
    monkeypatch.setattr(queues, "RULES_FRESH_SECONDS", 0.0)  # as if long after
    assert queues.remembered_rules(world.showtime_id) == (False, None)
    asyncio.run(run(state, "load"))
    assert len(reads) == 2


def test_the_admin_page_sets_up_pauses_and_refuses_junk(world, boss, staff_on) -> None:
    from bookmyseat.state.admin_onsale import OnSaleState

    state = staff_on(OnSaleState, boss)
    asyncio.run(run(state, "load"))
    label = next(s for s in state.show_labels if "Screen 1" in s)
    assert state.rows == [] and state.default_per_minute.isdigit()
    for junk in (None, "form", {"show": ["x"]}, {"show": "No such show"}):
        assert "Choose a show" in texts(asyncio.run(run(state, "set_up", junk)))
    form = {"show": label, "opens_at": local_form(utcnow()), "per_minute": "120",
            "admission_minutes": "4"}  # fmt: skip
    assert "set up and open" in texts(asyncio.run(run(state, "set_up", form)))
    asyncio.run(run(state, "load"))
    [row] = state.rows
    assert (row.status, row.pace) == ("open", "120 a minute, 4 minutes to choose")
    assert "paused" in texts(asyncio.run(run(state, "change", row.showtime_id, "paused")))
    for showtime, status in ((10**20, "open"), (None, "open"), (row.showtime_id, "gone")):
        assert "no such line" in texts(asyncio.run(run(state, "change", showtime, status)))
    auditor = Account(world.bob, "bob", "bob@example.com", "", Role.AUDITOR)
    watcher = staff_on(OnSaleState, auditor)
    assert "error" in texts(asyncio.run(run(watcher, "change", row.showtime_id, "open")))
    assert rules(world).admitting is False


def test_metrics_count_who_waits_in_each_line(world, boss, settings) -> None:
    from tests.test_operations import scrape

    set_up(world, boss, per_minute=1)
    for user in (world.alice, world.bob):
        queues.take_turn(rules(world), user)
    found = scrape(metrics.metrics_text(settings.redis_url, engine=world.engine))
    label = (("showtime", str(world.showtime_id)),)
    assert found[("bookmyseat_onsale_waiting", label)] == 1
    assert found[("bookmyseat_onsale_admitted", label)] == 1


def test_the_poll_lets_in_and_junk_digits_are_refused(client, world, boss) -> None:
    set_up(world, boss, per_minute=1)
    alice_pass = queues.issue_pass(world.showtime_id, world.alice, "alices-session")
    client.cookies.set("bms_session", "alices-session")
    answer = client.get(f"/api/showtimes/{world.showtime_id}/queue", params={"pass": alice_pass})
    assert answer.json()["admitted"] is True  # an empty line: in at once
    assert client.get("/api/showtimes/%C2%B2/queue").status_code == 404  # "²" is no id
    assert queues.read_pass(world.showtime_id, "².abc", "alices-session") is None
    assert queues.read_pass(world.showtime_id, "².9.abc", "alices-session") is None
    for junk in ({"per_minute": "²"}, {"opens_at": "0001-01-01T00:00"}):
        form = {"showtime_id": str(world.showtime_id), "opens_at": local_form(utcnow()),
                "per_minute": "5", "admission_minutes": "5", **junk}  # fmt: skip
        with pytest.raises(queue_admin.QueueRefused):
            queue_admin.set_up_line(boss, form, engine=world.engine)


def test_redis_away_is_said_on_the_page_and_left_out_of_metrics(world, boss, monkeypatch) -> None:
    from tests.test_operations import scrape

    set_up(world, boss)

    def away(*args, **kwargs):
        raise redis.ConnectionError("Redis is away")

    line = line_for("")
    monkeypatch.setattr(line, "visit", away)
    monkeypatch.setattr(line, "figures_of", away)
    turn = queues.take_turn(rules(world), world.alice)
    assert not turn.admitted and turn.waiting_text == queues.LINE_AWAY
    found = scrape(metrics.metrics_text("", engine=world.engine))
    assert ("bookmyseat_holds_open", ()) in found
    assert not [key for key in found if key[0] == "bookmyseat_onsale_waiting"]
