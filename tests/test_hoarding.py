"""Seat hoarding with cheap accounts (probe finding 3) and retired movies (finding 15): holds
capped per client address whatever the accounts (IPv6 by its /64), parallel holds of one
address taking turns, a cooldown after a hold that ran out unpaid, the waiting list shut to a
customer holding seats of the show and its offers passing them over, and a retired movie's
shows not on sale (the hold, the route, the seat map's state, the waiting list)."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import String, bindparam, select
from starlette.testclient import TestClient

from bookmyseat.api import api, showtimes
from bookmyseat.db import read_session, write_session
from bookmyseat.models import Booking, BookingStatus, Movie, Role, WaitlistStatus, utcnow
from bookmyseat.services.accounts import login_sessions
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking import errors, holds
from bookmyseat.services.booking.holds import expire_lapsed_holds, hold_seats, release_hold
from bookmyseat.services.client_address import address_key
from bookmyseat.services.offers import waitlist
from bookmyseat.settings import with_changes
from tests.conftest import World
from tests.test_race import most_at_once, transaction_spans
from tests.test_waitlist import add_user, cancel, entry, join, offer, sell_out
from tests.test_waitlist import now as now  # a fixture

OFFICE = "203.0.113.7"  # one client address (an office's NAT, or one attacker)


def hold(world: World, user: int, *labels: str, address=OFFICE, now=None, showtime=None):
    seats = world.ids(*labels) if showtime is None else labels
    return hold_seats(user, showtime or world.showtime_id, list(seats), now=now,
                      settings=world.settings, engine=world.engine, address=address)  # fmt: skip


def other_seats(world: World, *labels: str) -> list[int]:
    from tests.test_waitlist import other_screen_seats

    return other_screen_seats(world, *labels)


@pytest.fixture
def tight(world: World) -> World:
    """Caps small enough for the small test screen: 4 seats of a show, 3 open holds."""
    world.settings = with_changes(
        world.settings, hold_seats_per_address=4, open_holds_per_address=3
    )
    return world


# --- per address --------------------------------------------------------------------------------


def test_accounts_from_one_address_share_its_seats_of_a_show(tight: World) -> None:
    world = tight
    carol = add_user(world, "carol")
    assert hold(world, world.alice, "A1", "A2").seat_labels == ["A1", "A2"]
    assert hold(world, world.bob, "A4", "A5")  # 4 seats from the office: its allowance
    with pytest.raises(errors.AddressHoldingTooMany) as refused:
        hold(world, carol, "C4", "C5")
    assert refused.value.code == "address_holding_too_many" and "4" in refused.value.message
    assert hold(world, carol, "C4", "C5", address="198.51.100.9")  # another network: its own
    with read_session(world.engine) as session:
        kept = session.execute(select(Booking.client_address).order_by(Booking.id)).scalars()
        assert list(kept) == [OFFICE, OFFICE, "198.51.100.9"]


def test_an_address_has_so_many_open_holds_across_shows(tight: World) -> None:
    world = tight
    carol, dan = add_user(world, "carol"), add_user(world, "dan")
    hold(world, world.alice, "A1", "A2")
    hold(world, world.bob, *other_seats(world, "A1", "A2"), showtime=world.other_showtime_id)
    hold(world, carol, *other_seats(world, "A4", "A5"), showtime=world.other_showtime_id)
    with pytest.raises(errors.AddressTooManyOpenHolds):
        hold(world, dan, "C4", "C5")


def test_paid_and_lapsed_holds_no_longer_count_for_the_address(tight: World) -> None:
    world = tight
    start = utcnow()
    world.pay(hold(world, world.alice, "A1", "A2", now=start))
    hold(world, world.bob, "A4", "A5", now=start)
    carol = add_user(world, "carol")
    assert hold(world, carol, "C4", "C5", now=start)  # Alice's paid seats are not held
    with pytest.raises(errors.AddressHoldingTooMany):
        hold(world, add_user(world, "dan"), "B4", "B5", now=start)
    later = start + timedelta(minutes=11)  # Bob's and Carol's holds ran out
    assert hold(world, add_user(world, "erin"), "B4", "B5", now=later)
    assert hold(world, add_user(world, "fay"), "C4", "C5", now=later)


def test_an_ipv6_client_is_one_network_however_many_addresses_it_takes(tight: World) -> None:
    world = tight
    assert address_key("2001:db8:1:2::5") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::5") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::5") != address_key("2001:db8:1:2::5")
    assert address_key("::ffff:203.0.113.7") == OFFICE == address_key(f" {OFFICE} ")
    assert address_key("") is None and address_key(None) is None
    hold(world, world.alice, "A1", "A2", address="2001:db8:1:2::5")
    hold(world, world.bob, "A4", "A5", address="2001:db8:1:2:abcd::1")
    with pytest.raises(errors.AddressHoldingTooMany):
        hold(world, add_user(world, "carol"), "C4", "C5", address="2001:db8:1:2::77")
    assert hold(world, add_user(world, "dan"), "C4", "C5", address="2001:db8:1:3::5")


def test_holds_no_client_asked_for_count_for_no_address(tight: World) -> None:
    """A waiting list's offer, or a hold made by the services themselves, has no address."""
    world = tight
    for user, block in ((world.alice, ("A1", "A2")), (world.bob, ("A4", "A5")),
                        (add_user(world, "carol"), ("C4", "C5"))):  # fmt: skip
        assert hold(world, user, *block, address=None)


def test_the_holds_route_caps_the_client_it_was_asked_by(world: World, monkeypatch) -> None:
    """Through the route, as the edge resolved the client (the scope's `client`)."""
    settings = with_changes(world.settings, hold_seats_per_address=2)
    monkeypatch.setattr(showtimes, "hold_seats_signed_in", functools.partial(
        holds.hold_seats_signed_in, settings=settings, engine=world.engine))  # fmt: skip

    def post(user: int, labels, peer: str):
        client = TestClient(api, client=(peer, 5123))
        client.cookies.set("bms_session", login_sessions.start_session(user, engine=world.engine))
        return client.post(f"/api/showtimes/{world.showtime_id}/holds",
                           json={"seat_ids": world.ids(*labels)})  # fmt: skip

    assert post(world.alice, ("A1", "A2"), OFFICE).status_code == 201
    refused = post(world.bob, ("A4", "A5"), OFFICE)
    assert refused.status_code == 422
    assert refused.json()["code"] == "address_holding_too_many"
    assert "held from your network" in refused.json()["error"]
    assert post(world.bob, ("A4", "A5"), "198.51.100.9").status_code == 201
    with read_session(world.engine) as session:
        kept = session.execute(select(Booking.client_address).order_by(Booking.id)).scalars()
        assert list(kept) == [OFFICE, "198.51.100.9"]


def race_one_address(world: World, monkeypatch) -> list[str]:
    """Four accounts of one address each holding a pair at the same moment, with a wider
    window between each hold's check and its commit."""
    users = [world.alice, world.bob, add_user(world, "carol"), add_user(world, "dan")]
    pairs = [("A1", "A2"), ("A4", "A5"), ("B4", "B5"), ("C4", "C5")]
    barrier = threading.Barrier(len(users))
    outcomes = [""] * len(users)
    mark_changed = holds.mark_changed

    def slow_mark_changed(session, showtime_id):
        time.sleep(0.05)
        mark_changed(session, showtime_id)

    monkeypatch.setattr(holds, "mark_changed", slow_mark_changed)

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            hold(world, users[i], *pairs[i])
            outcomes[i] = "held"
        except errors.AddressHoldingTooMany:
            outcomes[i] = "refused"
        except Exception as exc:  # shown by the assertions
            outcomes[i] = repr(exc)

    with transaction_spans(world.engine) as spans:
        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(users))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    if world.engine.dialect.name == "postgresql":
        assert most_at_once(spans) >= 2, "the transactions never overlapped: no race was run"
    return outcomes


def test_parallel_holds_of_one_address_take_turns(tight: World, monkeypatch) -> None:
    outcomes = race_one_address(tight, monkeypatch)
    assert sorted(outcomes) == ["held", "held", "refused", "refused"], outcomes


def test_negative_control_without_the_address_lock_the_cap_is_overrun(tight, monkeypatch):
    if tight.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers queue anyway; the lock matters on PostgreSQL")
    monkeypatch.setattr(holds, "_LOCK_ADDRESS", select(bindparam("address", type_=String())))
    outcomes = race_one_address(tight, monkeypatch)
    assert outcomes.count("held") > 2, outcomes


# --- the cooldown after a lapsed hold ----------------------------------------------------------


def test_a_hold_that_ran_out_unpaid_cannot_be_renewed_at_once(world: World) -> None:
    start = utcnow()
    hold(world, world.alice, "A1", "A2", now=start)
    expired = start + timedelta(minutes=10, seconds=30)  # ran out 30 s ago
    with pytest.raises(errors.HoldCooldown) as refused:
        hold(world, world.alice, "A1", "A2", now=expired)
    assert refused.value.code == "hold_cooldown"
    assert "ran out without payment" in refused.value.message
    assert "again in 5 minutes" in refused.value.message  # 4.5 minutes, said whole
    expire_lapsed_holds(now=expired, engine=world.engine)  # the sweeper: EXPIRED, the same
    with pytest.raises(errors.HoldCooldown, match="again in 1 minute\\."):
        hold(world, world.alice, "C4", "C5", now=start + timedelta(minutes=14, seconds=30))
    # Others, and Alice's other shows, are not held back.
    assert hold(world, world.bob, "A1", "A2", now=expired)
    assert hold(world, world.alice, *other_seats(world, "A4", "A5"), now=expired,
                showtime=world.other_showtime_id)  # fmt: skip
    assert hold(world, world.alice, "C4", "C5", now=start + timedelta(minutes=15))


def test_letting_go_of_a_hold_after_it_ran_out_is_no_way_round(world: World) -> None:
    """Released (or cancelled) before the sweeper came by, a hold that had run out still ran
    out: the cooldown follows."""
    start = utcnow()
    lapsed = hold(world, world.alice, "A1", "A2", now=start)
    after = start + timedelta(minutes=10, seconds=5)
    release_hold(lapsed.reference, user_id=world.alice, now=after, engine=world.engine)
    with pytest.raises(errors.HoldCooldown):
        hold(world, world.alice, "A1", "A2", now=after)


def test_released_and_paid_holds_start_no_cooldown_and_zero_turns_it_off(world: World) -> None:
    start = utcnow()
    released = hold(world, world.alice, "A1", "A2", now=start)
    release_hold(released.reference, user_id=world.alice, now=start, engine=world.engine)
    assert hold(world, world.alice, "A1", "A2", now=start + timedelta(minutes=1))  # changed seats
    world.pay(hold(world, world.bob, "C4", "C5", now=start))
    assert hold(world, world.bob, "B4", "B5", now=start + timedelta(minutes=11))
    world.settings = with_changes(world.settings, hold_cooldown_minutes=0)
    later = start + timedelta(minutes=11)  # Alice's second hold ran out at 11: no wait now
    assert hold(world, world.alice, "A4", "A5", now=later + timedelta(seconds=1))


# --- the waiting list ----------------------------------------------------------------------------


def test_a_customer_holding_seats_of_a_show_may_not_join_its_waiting_list(world, now) -> None:
    sell_out(world, now, unpaid=("C4", "C5"))
    with write_session(world.engine) as session:  # the unpaid block is Alice's
        filler_hold = session.execute(
            select(Booking).where(Booking.status == BookingStatus.HELD)
        ).scalar_one()
        filler_hold.user_id = world.alice
    with pytest.raises(waitlist.HoldingSeatsHere) as refused:
        join(world, world.alice, 2, now)
    assert refused.value.code == "waitlist_holding_seats"
    assert join(world, world.bob, 2, now).position == 1  # others may
    later = now + timedelta(minutes=11)  # her hold ran out, and Carol took the seats
    world.hold(add_user(world, "carol"), "C4", "C5", now=later)
    assert join(world, world.alice, 2, later).position == 2  # she may join, at the end


def test_the_showtime_pages_waiting_list_says_why_a_holder_may_not_join(
    world, now, monkeypatch
) -> None:
    from tests.test_waitlist import page_state, run

    sell_out(world, now, unpaid=("C4", "C5"))
    with write_session(world.engine) as session:
        session.execute(
            select(Booking).where(Booking.status == BookingStatus.HELD)
        ).scalar_one().user_id = world.alice
    alice = Account(world.alice, "alice", "alice@example.com", "", Role.CUSTOMER)
    state = page_state(world, alice, monkeypatch)
    events = asyncio.run(run(state, "join", {"seats": "2"}))
    assert "You are holding seats of this show" in str(events[-1])
    assert not state.in_line and not state.busy


def test_offers_pass_over_a_customer_holding_seats_of_the_show(world, now) -> None:
    bookings = sell_out(world, now, unpaid=("C4", "C5"))
    join(world, world.alice, 2, now)
    join(world, world.bob, 2, now)
    with write_session(world.engine) as session:  # Alice comes to hold the unpaid block
        session.execute(
            select(Booking).where(Booking.status == BookingStatus.HELD)
        ).scalar_one().user_id = world.alice
    cancel(world, bookings["A1"])
    assert offer(world, now) == 1
    assert entry(world, world.alice).status == WaitlistStatus.WAITING  # keeps her place
    assert entry(world, world.bob).status == WaitlistStatus.OFFERED
    # Her hold ran out (and, unpaid, its cooldown passed): the next seats freed are hers.
    later = now + timedelta(minutes=10 + world.settings.hold_cooldown_minutes + 1)
    cancel(world, bookings["A4"])
    assert offer(world, later) == 1
    assert entry(world, world.alice).status == WaitlistStatus.OFFERED


# --- retired movies ----------------------------------------------------------------------------


def retire(world: World) -> None:
    with write_session(world.engine) as session:
        session.execute(select(Movie)).scalar_one().is_active = False


def test_a_retired_movies_show_is_not_on_sale_by_direct_link(world: World, now) -> None:
    retire(world)
    with pytest.raises(errors.ShowNotOnSale) as refused:
        world.hold(world.alice, "A1", "A2")
    assert refused.value.message == (
        "This movie is no longer showing, so this show cannot be booked."
    )
    with pytest.raises(errors.ShowNotOnSale):
        join(world, world.alice, 2, now)
    with read_session(world.engine) as session:
        assert session.execute(select(Booking)).first() is None


def test_the_route_and_the_map_say_a_retired_movies_show_is_not_available(
    world: World, monkeypatch
) -> None:
    from tests.test_onsale_pages import map_state
    from tests.test_waitlist import run

    retire(world)
    monkeypatch.setattr(showtimes, "hold_seats_signed_in", functools.partial(
        holds.hold_seats_signed_in, settings=world.settings, engine=world.engine))  # fmt: skip
    client = TestClient(api)
    client.cookies.set(
        "bms_session", login_sessions.start_session(world.alice, engine=world.engine)
    )
    answer = client.post(f"/api/showtimes/{world.showtime_id}/holds",
                         json={"seat_ids": world.ids("A1", "A2")})  # fmt: skip
    assert answer.status_code == 422 and answer.json()["code"] == "show_not_on_sale"
    alice = Account(world.alice, "alice", "alice@example.com", "", Role.CUSTOMER)
    state, _ = map_state(world, alice, monkeypatch)
    asyncio.run(run(state, "load"))
    assert (state.found, state.missing_title, state.codes) == (False, "Show not available", "")


def test_offers_go_to_no_show_of_a_retired_movie(world: World, now) -> None:
    bookings = sell_out(world, now)
    join(world, world.alice, 2, now)
    retire(world)
    cancel(world, bookings["A1"])
    assert offer(world, now) == 0
    assert entry(world, world.alice).status == WaitlistStatus.WAITING
