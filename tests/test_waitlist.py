"""The waiting list of a sold-out show: joining and leaving, offers made first in line first
(held for 15 minutes, mailed with the checkout link), lapsed and paid offers, staff removal, a
race of several offering rounds, and the showtime page's state."""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from bookmyseat.db import read_session, write_session
from bookmyseat.models import (
    AuditLog,
    Booking,
    BookingSeat,
    BookingStatus,
    EmailOutbox,
    Role,
    Seat,
    Showtime,
    User,
    WaitlistEntry,
    WaitlistStatus,
    utcnow,
)
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking import errors, holds
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.holds import hold_seats, mark_pending_payment, release_hold
from bookmyseat.services.booking.records import BookingView, get_booking
from bookmyseat.services.mail.messages import build_message
from bookmyseat.services.offers import waitlist, waitlist_admin
from bookmyseat.services.offers.waitlist_offers import best_offer, offer_freed_seats
from bookmyseat.services.staff.access import AccessDenied
from bookmyseat.settings import with_changes
from tests.conftest import World
from tests.invariants import claims_match_live_bookings, double_sold_seats
from tests.test_race import most_at_once, transaction_spans

# Every seat of the small layout but A3 (blocked), in blocks that strand no seat.
BLOCKS = [("A1", "A2"), ("A4", "A5"), ("B1", "B2", "B3"), ("B4", "B5"), ("C1", "C2", "C3"),
          ("C4", "C5")]  # fmt: skip


def add_user(world: World, name: str, role: str = Role.CUSTOMER) -> int:
    with write_session(world.engine) as session:
        user = User(username=name, email=f"{name}@example.com", password_hash="x", role=role)
        session.add(user)
        session.flush()
        return user.id


def sell_out(world: World, now: datetime, *, unpaid: tuple[str, ...] = ()) -> dict:
    """Sell every seat (each block a booking of its own), but hold the `unpaid` block unpaid;
    the bookings by their block's first seat."""
    filler = add_user(world, "filler")
    bookings = {}
    for block in BLOCKS:
        view = world.hold(filler, *block, now=now)
        if block != unpaid:
            world.pay(view, provider_ref=f"pay_{block[0]}")
        bookings[block[0]] = view
    return bookings


def join(world: World, user: int, seats: int, now: datetime) -> waitlist.WaitlistPlace:
    return waitlist.join_waitlist(
        user, world.showtime_id, seats, now=now, settings=world.settings, engine=world.engine
    )


def offer(world: World, now: datetime) -> int:
    return offer_freed_seats(now=now, settings=world.settings, engine=world.engine)


def entry(world: World, user: int) -> WaitlistEntry:
    with read_session(world.engine) as session:
        return session.execute(
            select(WaitlistEntry).where(
                WaitlistEntry.user_id == user, WaitlistEntry.showtime_id == world.showtime_id
            )
        ).scalar_one()


def offered_booking(world: World, user: int) -> Booking:
    with read_session(world.engine) as session:
        return session.get(Booking, entry(world, user).booking_id)


def seats_of(world: World, booking_id: int) -> list[str]:
    with read_session(world.engine) as session:
        return sorted(
            session.execute(
                select(BookingSeat.seat_label).where(BookingSeat.booking_id == booking_id)
            ).scalars()
        )


def offer_emails(world: World) -> list[EmailOutbox]:
    with read_session(world.engine) as session:
        return list(
            session.execute(
                select(EmailOutbox).where(EmailOutbox.kind == waitlist.EMAIL_KIND)
            ).scalars()
        )


def other_screen_seats(world: World, *labels: str) -> list[int]:
    with read_session(world.engine) as session:
        screen = session.execute(
            select(Seat.screen_id).where(Seat.id == world.other_screen_seat)
        ).scalar_one()
        return list(
            session.execute(
                select(Seat.id).where(Seat.screen_id == screen, Seat.label.in_(labels))
            ).scalars()
        )


def cancel(world: World, view: BookingView) -> None:
    cancel_booking(view.reference, settings=world.settings, engine=world.engine)  # as staff


@pytest.fixture
def now() -> datetime:
    return utcnow().replace(microsecond=0)


# --- the hold engine's new duration --------------------------------------------------------------


def test_a_hold_lasts_the_sites_hold_minutes_unless_told_otherwise(world: World, now) -> None:
    usual = world.hold(world.alice, "A1", "A2", now=now)
    assert usual.hold_expires_at == now + timedelta(minutes=10)
    longer = hold_seats(
        world.bob,
        world.showtime_id,
        world.ids("C1", "C2"),
        now=now,
        settings=world.settings,
        engine=world.engine,
        hold_for=timedelta(minutes=15),
    )
    assert longer.hold_expires_at == now + timedelta(minutes=15)
    assert (
        get_booking(longer.reference, engine=world.engine).hold_expires_at == longer.hold_expires_at
    )


# --- joining --------------------------------------------------------------------------------------


def test_joining_is_refused_while_seats_are_free(world: World, now) -> None:
    with pytest.raises(waitlist.SeatsAreFree) as refused:
        join(world, world.alice, 2, now)
    assert refused.value.message == "Seats are free: choose them on the map."
    assert isinstance(refused.value, errors.BookingError)
    # All but two seats sold: still free.
    filler = add_user(world, "filler")
    for block in BLOCKS[:-1]:
        world.pay(world.hold(filler, *block, now=now), provider_ref=f"pay_{block[0]}")
    with pytest.raises(waitlist.SeatsAreFree):
        join(world, world.alice, 2, now)


def test_a_lapsed_hold_counts_as_free(world: World, now) -> None:
    sell_out(world, now, unpaid=("C4", "C5"))
    with pytest.raises(waitlist.SeatsAreFree):
        join(world, world.alice, 2, now + timedelta(minutes=11))
    assert join(world, world.alice, 2, now).position == 1


def test_joining_a_show_that_started_or_was_cancelled_or_asking_too_much(world: World, now) -> None:
    sell_out(world, now)
    with pytest.raises(errors.ShowtimeStarted):
        join(world, world.alice, 2, world.starts_at + timedelta(minutes=1))
    for seats in (0, -1, 11, "2", True):
        with pytest.raises(waitlist.SeatsWanted, match="between 1 and 10"):
            join(world, world.alice, seats, now)
    with pytest.raises(errors.ShowtimeNotFound):
        waitlist.join_waitlist(world.alice, 10**9, 1, now=now, engine=world.engine)
    with write_session(world.engine) as session:
        session.execute(
            update(Showtime).where(Showtime.id == world.showtime_id).values(is_cancelled=True)
        )
    with pytest.raises(errors.ShowtimeNotFound):
        join(world, world.alice, 2, now)


def test_joining_twice_keeps_the_place_and_takes_the_new_number(world: World, now) -> None:
    sell_out(world, now)
    first = join(world, world.alice, 2, now)
    second = join(world, world.bob, 1, now)
    assert (first.position, second.position) == (1, 2)
    again = join(world, world.alice, 4, now + timedelta(minutes=1))
    assert (again.entry_id, again.position, again.seats_wanted) == (first.entry_id, 1, 4)
    with read_session(world.engine) as session:
        assert len(session.execute(select(WaitlistEntry)).all()) == 2


def test_rejoining_after_leaving_goes_to_the_end_of_the_line(world: World, now) -> None:
    sell_out(world, now)
    first = join(world, world.alice, 2, now)
    join(world, world.bob, 1, now)
    assert waitlist.leave_waitlist(world.alice, world.showtime_id, engine=world.engine)
    assert not waitlist.leave_waitlist(world.alice, world.showtime_id, engine=world.engine)
    assert waitlist.my_place(world.bob, world.showtime_id, engine=world.engine).position == 1
    left = waitlist.my_place(world.alice, world.showtime_id, engine=world.engine)
    assert (left.status, left.in_line, left.position) == ("withdrawn", False, 0)
    back = join(world, world.alice, 2, now)
    assert back.position == 2 and back.entry_id > first.entry_id and back.status == "waiting"


# --- offers ---------------------------------------------------------------------------------------


def test_the_first_in_line_is_offered_first_then_the_next_when_the_offer_lapses(
    world: World, now
) -> None:
    sell_out(world, now, unpaid=("C4", "C5"))
    join(world, world.alice, 2, now)
    join(world, world.bob, 2, now)
    assert offer(world, now + timedelta(minutes=5)) == 0  # the unpaid hold still holds them

    first_round = now + timedelta(minutes=11)  # the unpaid hold has run out
    assert offer(world, first_round) == 1
    alice = offered_booking(world, world.alice)
    assert entry(world, world.alice).status == WaitlistStatus.OFFERED
    assert seats_of(world, alice.id) == ["C4", "C5"]
    assert alice.hold_expires_at == first_round + timedelta(minutes=15)
    bob = waitlist.my_place(world.bob, world.showtime_id, engine=world.engine)
    assert (bob.status, bob.position) == ("waiting", 1)
    assert offer(world, first_round + timedelta(minutes=14)) == 0  # the offer stands

    second_round = first_round + timedelta(minutes=15)
    assert offer(world, second_round) == 1
    assert entry(world, world.alice).status == WaitlistStatus.LAPSED
    assert seats_of(world, offered_booking(world, world.bob).id) == ["C4", "C5"]
    assert [e.to_address for e in offer_emails(world)] == ["alice@example.com", "bob@example.com"]
    assert double_sold_seats(world.engine, world.showtime_id) == {}
    claims_match_live_bookings(world.engine)


def test_an_offer_holds_what_is_free_up_to_the_seats_wanted_for_15_minutes(
    world: World, now
) -> None:
    bookings = sell_out(world, now)
    join(world, world.alice, 4, now)
    cancel(world, bookings["A4"])  # two seats come back
    assert offer(world, now) == 1
    booking = offered_booking(world, world.alice)
    assert (booking.status, booking.seat_count) == (BookingStatus.HELD, 2)
    assert seats_of(world, booking.id) == ["A4", "A5"]
    assert booking.hold_expires_at == now + timedelta(minutes=15)
    place = waitlist.my_place(world.alice, world.showtime_id, engine=world.engine)
    assert (place.status, place.reference) == ("offered", booking.reference)
    assert place.offer_expires_at == now + timedelta(minutes=15)
    (email,) = offer_emails(world)
    assert (email.booking_id, email.to_address, email.status) == (
        booking.id,
        "alice@example.com",
        "pending",
    )
    assert offer(world, now) == 0  # nothing more to offer, and no second email
    assert len(offer_emails(world)) == 1


def test_an_offer_asks_fewer_than_wanted_when_two_seats_are_freed_apart(world: World, now) -> None:
    bookings = sell_out(world, now)
    join(world, world.alice, 2, now)
    join(world, world.bob, 3, now)
    cancel(world, bookings["A1"])
    cancel(world, bookings["C1"])
    assert offer(world, now) == 2
    # Alice first: the best pair (row C is nearer the middle of the room than row A).
    assert seats_of(world, offered_booking(world, world.alice).id) == ["C2", "C3"]
    # Bob wanted three: the C1 left alone and A1, A2 make no block of three, so he gets a pair.
    assert seats_of(world, offered_booking(world, world.bob).id) == ["A1", "A2"]


def test_the_offers_email_has_the_checkout_link_and_says_15_minutes(world: World, now) -> None:
    bookings = sell_out(world, now)
    join(world, world.alice, 2, now)
    cancel(world, bookings["A1"])
    offer(world, now)
    (row,) = offer_emails(world)
    site = with_changes(world.settings, public_url="https://tickets.example")
    with read_session(world.engine) as session:
        message = build_message(session, row, site)
    reference = offered_booking(world, world.alice).reference
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = f"https://tickets.example/checkout/{reference}"
    assert link in text and link in html
    assert "15 minutes" in text and "15 minutes" in message["Subject"]
    assert "A1" in text and "Test Movie" in text
    assert message["To"] == "alice@example.com"


def test_a_paid_offer_is_booked(world: World, now) -> None:
    bookings = sell_out(world, now)
    join(world, world.alice, 2, now)
    cancel(world, bookings["A1"])
    offer(world, now)
    held = get_booking(offered_booking(world, world.alice).reference, engine=world.engine)
    world.pay(held, provider_ref="pay_alice")
    offer(world, now + timedelta(minutes=1))
    assert entry(world, world.alice).status == WaitlistStatus.BOOKED


def test_a_released_offer_lapses_and_goes_to_the_next(world: World, now) -> None:
    bookings = sell_out(world, now)
    join(world, world.alice, 2, now)
    join(world, world.bob, 2, now)
    cancel(world, bookings["A1"])
    offer(world, now)
    release_hold(offered_booking(world, world.alice).reference, engine=world.engine)
    assert offer(world, now + timedelta(minutes=1)) == 1
    assert entry(world, world.alice).status == WaitlistStatus.LAPSED
    assert entry(world, world.bob).status == WaitlistStatus.OFFERED


def test_withdrawn_entries_are_skipped_and_leaving_an_offer_frees_it(world: World, now) -> None:
    bookings = sell_out(world, now)
    carol = add_user(world, "carol")
    join(world, world.alice, 2, now)
    join(world, world.bob, 2, now)
    join(world, carol, 2, now)
    waitlist.leave_waitlist(world.alice, world.showtime_id, engine=world.engine)
    cancel(world, bookings["A1"])
    assert offer(world, now) == 1
    assert entry(world, world.alice).status == WaitlistStatus.WITHDRAWN
    assert entry(world, world.bob).status == WaitlistStatus.OFFERED
    # Bob leaves while offered: his hold is released at once, and Carol is next.
    bob_booking = offered_booking(world, world.bob)
    assert waitlist.leave_waitlist(world.bob, world.showtime_id, now=now, engine=world.engine)
    with read_session(world.engine) as session:
        assert session.get(Booking, bob_booking.id).status == BookingStatus.CANCELLED
    assert offer(world, now) == 1
    assert seats_of(world, offered_booking(world, carol).id) == ["A1", "A2"]


def test_a_customer_who_may_not_hold_more_keeps_the_place_and_the_next_is_offered(
    world: World, now, monkeypatch
) -> None:
    bookings = sell_out(world, now)
    join(world, world.alice, 2, now)
    join(world, world.bob, 2, now)
    monkeypatch.setattr(holds, "MAX_OPEN_HOLDS", 1)
    other = hold_seats(
        world.alice,
        world.other_showtime_id,
        other_screen_seats(world, "A1", "A2"),
        now=now,
        settings=world.settings,
        engine=world.engine,
    )
    cancel(world, bookings["A1"])
    assert offer(world, now) == 1
    assert entry(world, world.alice).status == WaitlistStatus.WAITING
    assert entry(world, world.bob).status == WaitlistStatus.OFFERED
    # Alice pays for her other booking; when seats come back again she is offered first.
    world.pay(other, provider_ref="pay_other")
    cancel(world, bookings["C1"])
    assert offer(world, now) == 1
    assert entry(world, world.alice).status == WaitlistStatus.OFFERED


def test_seats_taken_under_an_offer_are_chosen_again_from_those_left(
    world: World, now, monkeypatch
) -> None:
    bookings = sell_out(world, now)
    join(world, world.alice, 2, now)
    cancel(world, bookings["A1"])
    from bookmyseat.services.offers import waitlist_offers

    real, reads = waitlist_offers.seat_places, []

    def stale_first(session, showtime_id, at):
        places, taken = real(session, showtime_id, at)
        reads.append(1)
        if len(reads) == 1:  # as if C4, C5 were sold between this read and the hold
            taken -= set(world.ids("C4", "C5"))
        return places, taken

    monkeypatch.setattr(waitlist_offers, "seat_places", stale_first)
    assert offer(world, now) == 1
    assert len(reads) == 2
    assert seats_of(world, offered_booking(world, world.alice).id) == ["A1", "A2"]
    with read_session(world.engine) as session:  # the refused hold left nothing behind
        alices = session.execute(select(Booking).where(Booking.user_id == world.alice)).all()
    assert len(alices) == 1
    claims_match_live_bookings(world.engine)


def test_wheelchair_spaces_are_not_offered() -> None:
    from bookmyseat.services.booking.seat_gaps import Place

    row = [Place(1, "B1", 0, 0, True), Place(2, "B2", 0, 1), Place(3, "B3", 0, 2)]
    assert best_offer(row, {2, 3}, 2) is None
    assert [p.label for p in best_offer(row, set(), 2)] == ["B2", "B3"]


# --- staff ----------------------------------------------------------------------------------------


def test_staff_see_the_lines_and_remove_an_entry_audited(world: World, now, boss) -> None:
    bookings = sell_out(world, now)
    join(world, world.alice, 2, now)
    join(world, world.bob, 1, now)
    cancel(world, bookings["A1"])
    offer(world, now)
    (show,) = waitlist_admin.entries_for_admin(boss, now=now, engine=world.engine)
    assert show.showtime_id == world.showtime_id and show.movie == "Test Movie"
    alice, bob = show.entries
    assert (alice.username, alice.status, alice.position) == ("alice", "offered", 0)
    assert alice.reference == offered_booking(world, world.alice).reference and alice.offer_expires
    assert (bob.email, bob.seats_wanted, bob.status, bob.position) == (
        "bob@example.com",
        1,
        "waiting",
        1,
    )
    assert waitlist_admin.remove_entry(boss, alice.id, now=now, engine=world.engine)
    assert entry(world, world.alice).status == WaitlistStatus.WITHDRAWN
    with read_session(world.engine) as session:
        assert session.get(Booking, alice_booking_id(world)).status == BookingStatus.CANCELLED
        (log,) = session.execute(
            select(AuditLog).where(AuditLog.action == "waitlist_entry_removed")
        ).scalars()
    assert (log.actor, log.entity, log.entity_id) == ("boss", "waitlist_entry", str(alice.id))
    assert '"status": "offered"' in log.before and '"withdrawn"' in log.after
    # Twice: nothing changes, nothing more is logged; an unknown entry is refused.
    assert not waitlist_admin.remove_entry(boss, alice.id, now=now, engine=world.engine)
    with pytest.raises(waitlist.EntryNotFound):
        waitlist_admin.remove_entry(boss, 10**9, engine=world.engine)
    shown = waitlist_admin.waitlist_for_showtime(boss, world.showtime_id, engine=world.engine)
    assert [e.status for e in shown.entries] == ["withdrawn", "waiting"]


def alice_booking_id(world: World) -> int:
    return entry(world, world.alice).booking_id


def test_only_staff_see_lines_and_only_admins_remove(world: World, now) -> None:
    sell_out(world, now)
    place = join(world, world.alice, 2, now)
    customer = Account(world.bob, "bob", "bob@example.com", "", Role.CUSTOMER)
    auditor_id = add_user(world, "audrey", Role.AUDITOR)
    auditor = Account(auditor_id, "audrey", "audrey@example.com", "", Role.AUDITOR)
    for who in (None, customer, auditor):
        with pytest.raises(AccessDenied):
            waitlist_admin.remove_entry(who, place.entry_id, engine=world.engine)
    for who in (None, customer):
        with pytest.raises(AccessDenied):
            waitlist_admin.entries_for_admin(who, engine=world.engine)
    assert waitlist_admin.entries_for_admin(auditor, now=now, engine=world.engine)
    assert entry(world, world.alice).status == WaitlistStatus.WAITING
    with read_session(world.engine) as session:
        refusals = session.execute(
            select(AuditLog).where(AuditLog.action == "access_refused")
        ).all()
    assert len(refusals) == 5


# --- a race of offering rounds --------------------------------------------------------------------

ROUNDS = 6


def test_rounds_running_at_once_never_offer_an_entry_twice_or_more_seats_than_freed(
    world: World, now
) -> None:
    bookings = sell_out(world, now)
    waiting = [add_user(world, f"waiting{i}") for i in range(10)]
    for i, user in enumerate(waiting):
        join(world, user, 1 + i % 2, now)
    freed = {"A1", "A2", "B1", "B2", "B3", "C1", "C2", "C3"}
    for first in ("A1", "B1", "C1"):
        cancel(world, bookings[first])

    barrier = threading.Barrier(ROUNDS)
    made: list[int] = []
    failures: list[BaseException] = []

    def round_() -> None:
        barrier.wait()
        try:
            made.append(offer(world, now))
        except BaseException as exc:  # reported below
            failures.append(exc)

    with transaction_spans(world.engine) as spans:
        threads = [threading.Thread(target=round_) for _ in range(ROUNDS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not failures, failures
    if world.engine.dialect.name == "postgresql":  # SQLite's writers queue, one at a time
        assert most_at_once(spans) >= 2, "the rounds never overlapped: no race was run"

    with read_session(world.engine) as session:
        offered = session.execute(
            select(WaitlistEntry).where(WaitlistEntry.status == WaitlistStatus.OFFERED)
        ).scalars()
        offered = list(offered)
        holds_made = session.execute(
            select(Booking).where(Booking.user_id.in_(waiting), Booking.status == "held")
        ).scalars()
        holds_made = list(holds_made)
    assert sum(made) == len(offered) >= 3
    assert len(holds_made) == len(offered), "an entry was offered twice"
    assert {e.booking_id for e in offered} == {b.id for b in holds_made}
    assert all(b.user_id == e.user_id for e in offered for b in holds_made if b.id == e.booking_id)
    labels = [label for b in holds_made for label in seats_of(world, b.id)]
    assert len(labels) == len(set(labels)) and set(labels) <= freed
    assert len(offer_emails(world)) == len(offered)
    assert double_sold_seats(world.engine, world.showtime_id) == {}
    claims_match_live_bookings(world.engine)
    # The line was served in order: everyone offered was ahead of everyone still waiting.
    statuses = [entry(world, user).status for user in waiting]
    assert statuses == sorted(statuses, key=lambda status: status != WaitlistStatus.OFFERED)
    assert offer(world, now) == 0  # and every seat that could be offered was


# --- the showtime page's state --------------------------------------------------------------------


async def run(state, name: str, *args) -> list:
    """Run the state's handler as Reflex would; what it yielded or returned."""
    result = type(state).event_handlers[name].fn(state, *args)
    if inspect.isasyncgen(result):
        return [item async for item in result]
    return [await result]


def page_state(world: World, account: Account | None, monkeypatch):
    from reflex.istate.data import RouterData

    import bookmyseat.bookmyseat  # noqa: F401 - builds the app, registering every state
    from bookmyseat.state import waitlist as waitlist_state

    for name in ("join_waitlist", "leave_waitlist", "my_place"):
        service = getattr(waitlist, name)
        kwargs = {"engine": world.engine}
        if name == "join_waitlist":
            kwargs["settings"] = world.settings
        monkeypatch.setattr(waitlist_state, name, functools.partial(service, **kwargs))

    async def signed_in(self):
        return account

    monkeypatch.setattr(waitlist_state.WaitlistState, "_current_account", signed_in)
    state = waitlist_state.WaitlistState(_reflex_internal_init=True)
    path = f"/showtimes/{world.showtime_id}"
    state.router = RouterData.from_router_data(
        {"pathname": path, "asPath": path, "query": {"id": str(world.showtime_id)}}
    )
    return state


def test_the_showtime_pages_state_joins_and_leaves(world: World, now, monkeypatch) -> None:
    sell_out(world, utcnow())
    alice = Account(world.alice, "alice", "alice@example.com", "", Role.CUSTOMER)
    state = page_state(world, alice, monkeypatch)

    asyncio.run(run(state, "load"))
    assert (state.in_line, state.status, state.choices[0], state.choices[-1]) == (
        False,
        "",
        "1",
        "10",
    )
    events = asyncio.run(run(state, "join", {"seats": "3"}))
    assert (state.in_line, state.status, state.position, state.seats_wanted) == (
        True,
        "waiting",
        1,
        3,
    )
    assert state.showtime_id == world.showtime_id and not state.busy
    assert "number 1 in line" in str(events[-1])
    asyncio.run(run(state, "join", {"seats": "lots"}))  # refused, the place is kept
    assert (state.in_line, state.seats_wanted) == (True, 3)

    asyncio.run(run(state, "leave"))
    assert (state.in_line, state.status) == (False, "withdrawn")
    assert entry(world, world.alice).status == WaitlistStatus.WITHDRAWN


def test_the_showtime_pages_state_sends_signed_out_visitors_to_sign_in(
    world: World, monkeypatch
) -> None:
    state = page_state(world, None, monkeypatch)
    asyncio.run(run(state, "load"))
    assert not state.in_line and state.choices
    (redirect,) = asyncio.run(run(state, "join", {"seats": "2"}))
    assert f"/login?next=/showtimes/{world.showtime_id}" in str(redirect)
    with read_session(world.engine) as session:
        assert session.execute(select(WaitlistEntry)).first() is None


# --- the background task --------------------------------------------------------------------------


def test_the_offering_task_repeats_and_survives_a_failing_round(monkeypatch) -> None:
    from bookmyseat.server import tasks

    calls: list[int] = []

    def flaky_round() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        return 1

    monkeypatch.setattr(tasks, "offer_freed_seats", flaky_round)
    monkeypatch.setattr(tasks, "OFFER_WAITLIST_EVERY_SECONDS", 0.01)

    async def run_briefly() -> None:
        task = asyncio.create_task(tasks.offer_to_waitlists())
        await asyncio.sleep(0.2)
        task.cancel()

    asyncio.run(run_briefly())
    assert len(calls) >= 3


def test_leaving_while_paying_for_the_offer_is_refused_and_after_paying_is_booked(
    world: World, now
) -> None:
    bookings = sell_out(world, now)
    join(world, world.alice, 2, now)
    cancel(world, bookings["A1"])
    offer(world, now)
    reference = offered_booking(world, world.alice).reference
    mark_pending_payment(reference, user_id=world.alice, now=now, engine=world.engine)
    with pytest.raises(errors.BookingError, match="payment for the offered seats has started"):
        waitlist.leave_waitlist(world.alice, world.showtime_id, now=now, engine=world.engine)
    assert entry(world, world.alice).status == WaitlistStatus.OFFERED
    world.pay(get_booking(reference, engine=world.engine), provider_ref="pay_alice")
    waitlist.leave_waitlist(world.alice, world.showtime_id, now=now, engine=world.engine)
    assert entry(world, world.alice).status == WaitlistStatus.BOOKED  # not withdrawn: they paid
    with read_session(world.engine) as session:
        assert session.get(Booking, entry(world, world.alice).booking_id).status == "paid"
