"""On-sale lines with the database: staff set one up (checked, audited), a customer's place and
the words the page shows, the hold refused to customers not let in and a turn kept by a hold,
a changed opening, and the waiting list shut while a line runs (tests/test_onsale_pages.py: the
routes, the states and /metrics)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bookmyseat.db import read_session
from bookmyseat.models import AuditLog, Booking, Role, utcnow
from bookmyseat.services.accounts import login_sessions
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking import errors, holds
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.catalog.local_time import local_text
from bookmyseat.services.offers import waitlist
from bookmyseat.services.offers.waitlist_offers import offer_freed_seats
from bookmyseat.services.onsale import queue_admin, queues
from bookmyseat.services.onsale.line import Place, Rules, line_for
from bookmyseat.services.staff.access import AccessDenied
from bookmyseat.settings import with_changes
from tests.conftest import World

ZONE = "Asia/Kolkata"  # the test cinema's


def local_form(moment) -> str:
    return local_text(moment, ZONE, "%Y-%m-%dT%H:%M").split(" ")[0]


def set_up(world: World, boss: Account, *, opens_in=timedelta(minutes=-1), per_minute=1,
           minutes=5, showtime=None) -> int:  # fmt: skip
    form = {"showtime_id": str(showtime or world.showtime_id),
            "opens_at": local_form(utcnow() + opens_in), "per_minute": str(per_minute),
            "admission_minutes": str(minutes)}  # fmt: skip
    return queue_admin.set_up_line(boss, form, engine=world.engine)


def rules(world: World):
    return queues.rules_of(world.showtime_id, engine=world.engine, settings=world.settings)


def hold_as(world: World, user: int, *labels: str):
    token = login_sessions.start_session(user, engine=world.engine)
    return holds.hold_seats_signed_in(token, world.showtime_id, world.ids(*labels),
                                      settings=world.settings, engine=world.engine)  # fmt: skip


def bookings(world: World) -> int:
    with read_session(world.engine) as session:
        return len(session.execute(select(Booking.id)).all())


def test_only_customers_let_in_may_hold_and_an_ended_line_lets_everyone(world, boss) -> None:
    set_up(world, boss)  # open a minute ago; one a minute: the first is in, the next waits
    assert queues.take_turn(rules(world), world.alice).admitted
    bob = queues.take_turn(rules(world), world.bob)
    assert (bob.admitted, bob.position, bob.waiting_text) == (
        False, 1, "You are number 1, about 1 minute.",
    )  # fmt: skip
    with pytest.raises(errors.NotYourTurn) as refused:
        hold_as(world, world.bob, "C1")
    assert "not your turn" in refused.value.message
    assert bookings(world) == 0
    assert hold_as(world, world.alice, "C1").seat_labels == ["C1"]
    assert queue_admin.change_status(boss, world.showtime_id, "ended", engine=world.engine)
    assert rules(world) is None
    assert hold_as(world, world.bob, "C2").seat_labels == ["C2"]


def test_a_worker_on_the_settings_of_a_moment_ago_refuses_nobody_staff_let_in(
    world, boss, monkeypatch
) -> None:
    """A worker remembers a line's settings for up to two seconds: a hold refused on settings
    read over a quarter-second ago is checked on fresh ones, so a line staff just ended refuses
    nobody; a refusal on settings read just now stands, without reading them again."""
    monkeypatch.setattr(queues, "RULES_FRESH_SECONDS", 60.0)  # however slow this machine is
    set_up(world, boss, per_minute=1)
    queues.take_turn(rules(world), world.alice)  # in
    assert not queues.take_turn(rules(world), world.bob).admitted
    stale = rules(world)
    assert queue_admin.change_status(boss, world.showtime_id, "ended", engine=world.engine)
    queues._rules[world.showtime_id] = (time.monotonic() - 1.0, stale)  # read a second ago
    assert rules(world) == stale
    assert hold_as(world, world.bob, "C1").seat_labels == ["C1"]
    assert rules(world) is None  # and it now knows the line ended

    set_up(world, boss, per_minute=1, showtime=world.showtime_id)
    queues.take_turn(rules(world), world.alice)
    assert not queues.take_turn(rules(world), world.bob).admitted
    monkeypatch.setattr(queues, "RECHECK_SECONDS", 60.0)  # "just now", however slow
    reads, read = [], queues.read_rules
    monkeypatch.setattr(queues, "read_rules", lambda *a, **k: reads.append(a) or read(*a, **k))
    with pytest.raises(errors.NotYourTurn):
        hold_as(world, world.bob, "C3")
    assert reads == []  # a refused client cannot make each of its holds a database read
    assert bookings(world) == 1


def test_before_the_sale_opens_nobody_holds_and_the_page_says_when(world, boss) -> None:
    set_up(world, boss, opens_in=timedelta(minutes=30), per_minute=500)
    turn = queues.take_turn(rules(world), world.alice)
    assert not turn.admitted and turn.position == 0
    assert turn.waiting_text.startswith("Tickets go on sale at ")
    assert "place in line at random" in turn.waiting_text
    with pytest.raises(errors.NotYourTurn):
        hold_as(world, world.alice, "C1")
    other = queues.take_turn(rules(world), world.bob)  # a hold elsewhere is not held up
    assert not other.admitted
    token = login_sessions.start_session(world.alice, engine=world.engine)
    assert holds.hold_seats_signed_in(token, world.other_showtime_id, [world.other_screen_seat],
                                      settings=world.settings, engine=world.engine)  # fmt: skip


def test_a_paused_line_keeps_places_and_lets_nobody_in(world, boss) -> None:
    set_up(world, boss, per_minute=1)
    queues.take_turn(rules(world), world.alice)  # in
    assert queue_admin.change_status(boss, world.showtime_id, "paused", engine=world.engine)
    assert not queue_admin.change_status(boss, world.showtime_id, "paused", engine=world.engine)
    turn = queues.take_turn(rules(world), world.bob)
    assert turn.waiting_text == (
        "You are number 1. The cinema has paused the line for a moment; your place is kept."
    )
    assert queues.take_turn(rules(world), world.alice).admitted  # who was in stays in
    assert hold_as(world, world.alice, "C1")
    with read_session(world.engine) as session:
        actions = session.execute(select(AuditLog.action).order_by(AuditLog.id)).scalars().all()
    assert actions == ["sale_queue_set", "sale_queue_paused"]


def test_the_front_of_the_line_asks_often_and_the_back_rarely() -> None:
    """A crowd's polls are what a line costs the servers (bench/onsale.py --arrivals)."""
    now = utcnow()
    line = Rules(7, now - timedelta(minutes=1), 600, 600, True)
    asked = [queues.poll_seconds(line, Place("waiting", n), now) for n in (1, 100, 300, 3000)]
    assert asked == [4.0, 4.0, 10.0, 30.0]  # a third of the wait, from 4 to 30 seconds
    early = Rules(7, now + timedelta(seconds=40), 600, 600, True)
    assert queues.poll_seconds(early, Place("waiting", 5), now) == 30.0  # at most 30 s
    soon = Rules(7, now + timedelta(seconds=3), 600, 600, True)
    after = {queues.poll_seconds(soon, Place("waiting", 5), now) for _ in range(50)}
    assert min(after) >= 4.0 and max(after) <= 13.0 and len(after) > 5  # spread after opening


def test_the_pass_names_its_customer_for_its_show_and_session_for_a_day(settings) -> None:
    """The pass holds only with the cookie of the session it was issued to, and only for a
    day: a poll address that leaks (a proxy's log, a shared link) tells nobody else where its
    holder stands, and joins nobody to the line."""
    now = utcnow()
    token = queues.issue_pass(7, 42, "session-of-42", settings, now=now)
    assert queues.read_pass(7, token, "session-of-42", settings, now=now) == 42
    assert queues.read_pass(8, token, "session-of-42", settings, now=now) is None
    for other_session in ("session-of-43", "", None, 42):
        assert queues.read_pass(7, token, other_session, settings, now=now) is None
    almost = now + timedelta(seconds=queues.PASS_SECONDS - 1)
    assert queues.read_pass(7, token, "session-of-42", settings, now=almost) == 42
    later = now + timedelta(seconds=queues.PASS_SECONDS)
    assert queues.read_pass(7, token, "session-of-42", settings, now=later) is None
    user, expires, signature = token.split(".")
    forged = [f"43.{expires}.{signature}", f"{user}.{int(expires) + 3600}.{signature}",
              f"{user}.{signature}", f"{user}.{expires}.{'0' * 32}"]  # fmt: skip
    for junk in (*forged, "", None, 42, "42", "x.y.z", token + "0", "0.0." + "a" * 32, "9" * 90):
        assert queues.read_pass(7, junk, "session-of-42", settings, now=now) is None


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (None, "Choose a show."),
        ({}, "Choose a show."),
        ({"showtime_id": "abc"}, "Choose a show."),
        (
            {
                "showtime_id": "999999",
                "per_minute": "5",
                "admission_minutes": "5",
                "opens_at": "2030-01-01T10:00",
            },
            "not one to come",
        ),  # fmt: skip
        ({"per_minute": "0"}, "Customers a minute must be"),
        ({"per_minute": "1e9"}, "Customers a minute must be"),
        ({"per_minute": ["5"]}, "Customers a minute must be"),
        ({"admission_minutes": "-1"}, "Minutes to choose must be"),
        ({"opens_at": "soon"}, "Give the on-sale time"),
        ({"opens_at": "2026-12-24T10:00+05:30"}, "Give the on-sale time"),
        ({"opens_at": "2999-01-01T10:00"}, "before the show starts"),
    ],
)
def test_staff_forms_are_refused_with_a_reason(world, boss, form, message) -> None:
    good = {"showtime_id": str(world.showtime_id), "opens_at": local_form(utcnow()),
            "per_minute": "10", "admission_minutes": "5"}  # fmt: skip
    if isinstance(form, dict) and "showtime_id" not in form and form:
        form = {**good, **form}
    with pytest.raises(queue_admin.QueueRefused) as refused:
        queue_admin.set_up_line(boss, form, engine=world.engine)
    assert message in refused.value.message
    assert rules(world) is None


def test_only_admins_change_lines_and_auditors_read_them(world, boss) -> None:
    set_up(world, boss, per_minute=30)
    auditor = Account(world.bob, "bob", "bob@example.com", "", Role.AUDITOR)
    customer = Account(world.alice, "alice", "alice@example.com", "", Role.CUSTOMER)
    [row] = queue_admin.lines_for_admin(auditor, engine=world.engine)
    assert (row.showtime_id, row.per_minute, row.status) == (world.showtime_id, 30, "open")
    assert any(c.showtime_id == world.showtime_id
               for c in queue_admin.show_choices(auditor, engine=world.engine))  # fmt: skip
    with pytest.raises(AccessDenied):
        queue_admin.change_status(auditor, world.showtime_id, "ended", engine=world.engine)
    with pytest.raises(AccessDenied):
        queue_admin.lines_for_admin(customer, engine=world.engine)
    junk = [("closed", world.showtime_id), (["open"], world.showtime_id), ("open", 10**20),
            ("open", "1"), ("open", world.other_showtime_id)]  # fmt: skip
    for status, showtime in junk:
        with pytest.raises(queue_admin.QueueRefused):
            queue_admin.change_status(boss, showtime, status, engine=world.engine)
    assert rules(world).per_minute == 30


def test_ending_a_line_forgets_who_was_in_it(world, boss, settings) -> None:
    set_up(world, boss, per_minute=1)
    for user in (world.alice, world.bob):
        queues.take_turn(rules(world), user)
    line = line_for(settings.redis_url)
    assert line.figures(world.showtime_id, utcnow().timestamp()) == (1, 1)
    queue_admin.change_status(boss, world.showtime_id, "ended", engine=world.engine)
    assert line.figures(world.showtime_id, utcnow().timestamp()) == (0, 0)
    [row] = queue_admin.lines_for_admin(boss, engine=world.engine)
    assert row.status == "ended"
    stale = queues.read_rules(world.showtime_id, engine=world.engine) or Rules(
        world.showtime_id, utcnow() - timedelta(minutes=1), 1, 300, True
    )
    line.visit(stale, world.bob, utcnow().timestamp())  # a worker still on the old settings
    queue_admin.change_status(boss, world.showtime_id, "open", engine=world.engine)
    assert line.figures(world.showtime_id, utcnow().timestamp()) == (0, 0)  # opened afresh
    assert rules(world).admitting


def test_a_hold_keeps_the_turn_and_a_refused_or_lapsed_one_does_not(world, boss) -> None:
    set_up(world, boss, per_minute=1, minutes=5)
    start = utcnow()
    assert queues.take_turn(rules(world), world.alice, now=start).admitted
    token = login_sessions.start_session(world.alice, engine=world.engine)

    def hold(labels, at):
        return holds.hold_seats_signed_in(token, world.showtime_id, world.ids(*labels), now=at,
                                          settings=world.settings, engine=world.engine)  # fmt: skip

    with pytest.raises(errors.SeatBlocked):  # refused: the turn is not made longer by it
        hold(["A3"], start + timedelta(minutes=4))
    with pytest.raises(errors.NotYourTurn):  # five minutes unused: lapsed
        hold(["C1"], start + timedelta(minutes=5, seconds=1))

    set_up(world, boss, per_minute=1, minutes=5, opens_in=timedelta(minutes=-2))  # afresh
    start = utcnow()
    assert queues.take_turn(rules(world), world.alice, now=start).admitted
    held = hold(["C1"], start + timedelta(minutes=4))  # a hold of 10 minutes from then
    later = start + timedelta(minutes=13)  # the admission alone would have ended at 5
    assert queues.may_hold(rules(world), world.alice, now=later, settings=world.settings)
    assert held.hold_expires_at == start + timedelta(minutes=14)
    assert not queues.may_hold(rules(world), world.alice, now=start + timedelta(minutes=15))

    # Holding again and again stretches it no further than its first end plus one hold's
    # time (5 + 10 minutes): the turn ends, and the next in line get theirs (probe finding 4).
    set_up(world, boss, per_minute=1, minutes=5, opens_in=timedelta(minutes=-3))  # afresh
    start = utcnow()
    assert queues.take_turn(rules(world), world.alice, now=start).admitted
    for minute in (4, 13):
        view = hold(["C4", "C5"], start + timedelta(minutes=minute))
        holds.release_hold(view.reference, user_id=world.alice, engine=world.engine,
                           now=start + timedelta(minutes=minute))  # fmt: skip
    edge = start + timedelta(minutes=15)
    assert queues.may_hold(rules(world), world.alice, now=edge - timedelta(seconds=1))
    # The last hold runs to 23, the turn not (a second's margin: Redis keeps epoch seconds
    # to 14 digits).
    assert not queues.may_hold(rules(world), world.alice, now=edge + timedelta(seconds=1))


def test_a_turn_buys_once_while_the_line_runs(world, boss) -> None:
    """Probe finding 4: the one account let in held 10 seats, paid, held 10 more, and so on,
    40 seats in 4 rounds while those behind it waited. A turn now ends at the first purchase
    (BOOKMYSEAT_QUEUE_ONE_PURCHASE, on by default); once the line ends, anyone buys again."""
    set_up(world, boss, per_minute=1)
    assert queues.take_turn(rules(world), world.alice).admitted
    world.pay(hold_as(world, world.alice, "C1", "C2", "C3"))
    assert queues.take_turn(rules(world), world.alice).admitted  # the admission still runs
    with pytest.raises(errors.LineTurnUsed) as refused:
        hold_as(world, world.alice, "C4", "C5")
    assert "each customer buys once" in refused.value.message
    assert bookings(world) == 1
    queue_admin.change_status(boss, world.showtime_id, "ended", engine=world.engine)
    assert hold_as(world, world.alice, "C4", "C5").seat_labels == ["C4", "C5"]


def test_an_account_has_so_many_seats_of_the_show_while_the_line_runs(world, boss) -> None:
    """With a turn that may buy more than once, its seats held and paid stay within the line's
    limit (BOOKMYSEAT_QUEUE_SEATS_PER_ACCOUNT; 0, the default, is the booking limit)."""
    world.settings = with_changes(world.settings, queue_one_purchase=False,
                                  queue_seats_per_account=4)  # fmt: skip
    set_up(world, boss, per_minute=1)
    assert queues.take_turn(rules(world), world.alice).admitted
    world.pay(hold_as(world, world.alice, "C1", "C2", "C3"))
    with pytest.raises(errors.LineSeatLimit) as refused:
        hold_as(world, world.alice, "C4", "C5")
    assert refused.value.message == (
        "While this show sells through its waiting line, one account may have at most 4 of "
        "its seats, held or bought; you have 3."
    )
    assert hold_as(world, world.alice, "B1").seat_labels == ["B1"]  # the fourth
    with pytest.raises(errors.LineSeatLimit):
        hold_as(world, world.alice, "B4", "B5")
    assert rules(world).seats_per_account == 4
    world.settings = with_changes(world.settings, queue_seats_per_account=0)
    queues.forget_rules()
    assert rules(world).seats_per_account == world.settings.max_seats_per_booking


def test_a_changed_opening_starts_the_line_afresh(world, boss, settings) -> None:
    set_up(world, boss, per_minute=1)
    queues.take_turn(rules(world), world.alice)
    queues.take_turn(rules(world), world.bob)
    set_up(world, boss, per_minute=5)  # the same opening (to the minute): places are kept
    assert line_for(settings.redis_url).figures(world.showtime_id, utcnow().timestamp()) == (1, 1)
    set_up(world, boss, per_minute=5, opens_in=timedelta(minutes=30))
    assert line_for(settings.redis_url).figures(world.showtime_id, utcnow().timestamp()) == (0, 0)
    assert not queues.may_hold(rules(world), world.alice)  # nobody holds before the opening


def test_the_waiting_list_stays_shut_while_a_line_runs(world, boss) -> None:
    from tests.test_waitlist import join, sell_out

    now = utcnow()
    bookings = sell_out(world, now)
    set_up(world, boss)
    with pytest.raises(waitlist.LineStillOpen):  # not a way round the line
        join(world, world.bob, 1, now)
    queue_admin.change_status(boss, world.showtime_id, "ended", engine=world.engine)
    assert join(world, world.bob, 1, now).position == 1
    set_up(world, boss)  # a line again: freed seats are the line's, not the list's
    cancel_booking(bookings["C1"].reference, engine=world.engine)
    assert offer_freed_seats(now=now, settings=world.settings, engine=world.engine) == 0
    queue_admin.change_status(boss, world.showtime_id, "ended", engine=world.engine)
    assert offer_freed_seats(now=now, settings=world.settings, engine=world.engine) == 1


def test_signed_out_visitors_are_told_to_sign_in_before_the_opening(world, boss) -> None:
    set_up(world, boss, opens_in=timedelta(minutes=30))
    text = queues.take_turn(rules(world), None).waiting_text
    assert text.startswith("Tickets go on sale at ") and "Sign in before then" in text


def test_the_remembered_settings_stay_bounded(world, monkeypatch) -> None:
    monkeypatch.setattr(queues, "MOST_RULES_REMEMBERED", 50)
    monkeypatch.setattr(queues, "RULES_FRESH_SECONDS", 0.0)
    for showtime in range(1, 400):  # ids anyone may ask about
        queues.rules_of(showtime, engine=world.engine)
    assert len(queues._rules) <= 50


def test_the_showtime_pages_waiting_list_says_why_it_is_shut(world, boss, monkeypatch) -> None:
    """Through the page's state, as a browser (or a hostile client) calls it."""
    from tests.test_waitlist import page_state, run, sell_out

    sell_out(world, utcnow())
    set_up(world, boss)
    bob = Account(world.bob, "bob", "bob@example.com", "", Role.CUSTOMER)
    state = page_state(world, bob, monkeypatch)
    events = asyncio.run(run(state, "join", {"seats": "1"}))
    assert "The waiting list opens when the line ends." in str(events[-1])
    assert not state.in_line and not state.busy
