"""Property test: random sequences of hold / release / pay / expire / cancel keep the invariants,
and every hold's outcome is the one a model of the seats predicts (so a `hold_seats` that always
refused, or always accepted, fails it: the negative controls at the end)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bookmyseat.models import utcnow
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.availability import seat_map
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import expire_lapsed_holds, hold_seats, release_hold
from bookmyseat.services.booking.rules import MAX_OPEN_HOLDS
from bookmyseat.services.booking.seat_gaps import Place, stranded_seat
from tests.conftest import make_world
from tests.databases import empty_tables
from tests.invariants import (
    claims_match_live_bookings,
    double_sold_seats,
    rollups_match_bookings,
    sold_seats_and_paid_tickets,
)

SEATS = ["A1", "A2", "A4", "B1", "B2", "B3", "C1", "C2"]
HOLD_MINUTES = 10
MAX_SEATS = 10  # held by one account for one show
CUTOFF = timedelta(minutes=120)
COOLDOWN = timedelta(minutes=5)  # after a hold ran out unpaid (the settings' default)


@dataclass
class ModelBooking:
    """What the model believes of one booking."""

    user: int
    seats: frozenset[str]
    status: str  # held | paid | expired | cancelled
    expires_at: datetime


@dataclass
class SeatModel:
    """Which seats are taken, from the rules alone (no database): a seat is taken by a paid
    booking, or by an unpaid one whose hold has not run out. `places` is the screen's layout
    (by label) and `blocked` its blocked seats, for the gap rule."""

    starts_at: datetime
    places: dict[str, Place]
    blocked: set[str]
    bookings: dict[str, ModelBooking] = field(default_factory=dict)

    def taken(self, now: datetime, but: str = "") -> set[str]:
        return {
            seat
            for reference, b in self.bookings.items()
            if reference != but
            and (b.status == "paid" or (b.status == "held" and b.expires_at > now))
            for seat in b.seats
        }

    def hold_outcome(self, user: int, labels: list[str], now: datetime) -> str:
        """won, or the refusal: a hold of theirs ran out unpaid a moment ago, too many seats
        held here, too many holds, seats taken, or a seat left alone."""
        if any(
            b.user == user and b.status in ("held", "expired")
            and now - COOLDOWN < b.expires_at <= now
            for b in self.bookings.values()
        ):  # fmt: skip
            return "HoldCooldown"
        mine = [
            b for b in self.bookings.values()
            if b.user == user and b.status == "held" and b.expires_at > now
        ]  # fmt: skip
        if sum(len(b.seats) for b in mine) + len(labels) > MAX_SEATS:
            return "HoldingTooMany"
        if len(mine) >= MAX_OPEN_HOLDS:
            return "TooManyOpenHolds"
        taken = self.taken(now)
        if set(labels) & taken:
            return "SeatUnavailable"
        taken_ids = {self.places[label].id for label in taken | self.blocked}
        chosen_ids = {self.places[label].id for label in labels}
        if stranded_seat(self.places.values(), taken_ids, chosen_ids) is not None:
            return "LeavesSeatAlone"
        return "won"

    def held(self, reference: str, user: int, labels: list[str], now: datetime) -> None:
        expires = now + timedelta(minutes=HOLD_MINUTES)
        self.bookings[reference] = ModelBooking(user, frozenset(labels), "held", expires)

    def released(self, reference: str, now: datetime) -> None:
        b = self.bookings[reference]
        if b.status == "held":  # let go after it ran out, it ran out: the cooldown follows
            b.status = "cancelled" if b.expires_at > now else "expired"

    def swept(self, now: datetime) -> None:
        for b in self.bookings.values():
            if b.status == "held" and b.expires_at <= now:
                b.status = "expired"

    def paid(self, reference: str, exact: bool, now: datetime) -> None:
        b = self.bookings[reference]
        if not exact or b.status == "paid":
            return  # flagged, or a second payment: nothing changes
        if b.status == "held" and b.expires_at > now:
            b.status = "paid"
        elif not b.seats & self.taken(now, but=reference):
            b.status = "paid"  # a late payment re-claims seats that are still free
        elif b.status == "held":
            b.status = "expired"  # and the payment waits for its refund

    def cancelled(self, reference: str, staff: bool, now: datetime) -> bool:
        """False when a customer is too late to cancel a paid booking."""
        b = self.bookings[reference]
        if b.status not in ("held", "paid"):
            return True
        if not staff and b.status == "paid" and now > self.starts_at - CUTOFF:
            return False
        b.status = "expired" if b.status == "held" and b.expires_at <= now else "cancelled"
        return True


def run_machine(engine, app_settings, examples: int, hold=hold_seats) -> None:
    class BookingMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            empty_tables(engine)
            self.world = make_world(engine, starts_in=timedelta(hours=6))
            self.now = utcnow()
            self.bookings: list[tuple[str, int]] = []  # (reference, user)
            self.payments = 0
            layout = seat_map(self.world.showtime_id, engine=engine)
            self.model = SeatModel(
                self.world.starts_at,
                {s.label: Place(s.id, s.label, s.grid_row, s.grid_col, s.is_wheelchair)
                 for s in layout},
                {s.label for s in layout if s.status == "blocked"},
            )  # fmt: skip

        @rule(
            labels=st.lists(st.sampled_from(SEATS), min_size=1, max_size=3, unique=True),
            who=st.integers(0, 1),
        )
        def hold(self, labels: list[str], who: int) -> None:
            user = (self.world.alice, self.world.bob)[who]
            predicted = self.model.hold_outcome(user, labels, self.now)
            try:
                view = hold(
                    user,
                    self.world.showtime_id,
                    self.world.ids(*labels),
                    now=self.now,
                    settings=app_settings,
                    engine=engine,
                )
            except errors.BookingError as refusal:
                outcome = type(refusal).__name__
                assert outcome == predicted, (
                    f"hold of {labels}: {outcome}, the model predicted {predicted}"
                )
                return
            assert predicted == "won", f"hold of {labels} won, the model predicted {predicted}"
            self.bookings.append((view.reference, user))
            self.model.held(view.reference, user, labels, self.now)

        @precondition(lambda self: self.bookings)
        @rule(i=st.integers(0, 1000))
        def release(self, i: int) -> None:
            reference, user = self.bookings[i % len(self.bookings)]
            release_hold(reference, user_id=user, now=self.now, engine=engine)
            self.model.released(reference, self.now)

        @precondition(lambda self: self.bookings)
        @rule(i=st.integers(0, 1000), exact=st.booleans())
        def pay(self, i: int, exact: bool) -> None:
            from bookmyseat.services.booking.records import get_booking

            reference, _ = self.bookings[i % len(self.bookings)]
            total = get_booking(reference, engine=engine).total_paise
            self.payments += 1
            confirm_payment(
                reference,
                amount_paise=total if exact else total + 100,
                currency="inr",
                provider="demo",
                provider_ref=f"p{self.payments}",
                now=self.now,
                engine=engine,
            )
            self.model.paid(reference, exact, self.now)

        @rule(minutes=st.integers(1, 12))
        def advance_clock(self, minutes: int) -> None:
            self.now += timedelta(minutes=minutes)

        @rule()
        def sweep(self) -> None:
            expire_lapsed_holds(now=self.now, engine=engine)
            self.model.swept(self.now)

        @precondition(lambda self: self.bookings)
        @rule(i=st.integers(0, 1000), staff=st.booleans())
        def cancel(self, i: int, staff: bool) -> None:
            reference, user = self.bookings[i % len(self.bookings)]
            allowed = self.model.cancelled(reference, staff, self.now)
            try:
                cancel_booking(
                    reference,
                    user_id=None if staff else user,
                    now=self.now,
                    settings=app_settings,
                    engine=engine,
                )
            except errors.CancelTooLate:
                assert not allowed, "cancel refused, the model allows it"
                return
            assert allowed, "cancel accepted, the model says it is too late"

        @invariant()
        def no_seat_in_two_live_bookings(self) -> None:
            assert double_sold_seats(engine, self.world.showtime_id) == {}

        @invariant()
        def sold_seats_equal_paid_tickets(self) -> None:
            sold, tickets = sold_seats_and_paid_tickets(engine)
            assert sold == tickets

        @invariant()
        def sales_rollups_equal_the_bookings(self) -> None:
            rollups_match_bookings(engine)

        @invariant()
        def claims_are_exactly_the_live_bookings_seats(self) -> None:
            claims_match_live_bookings(engine)

    run_state_machine_as_test(
        BookingMachine,
        settings=hsettings(
            max_examples=examples,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_random_sequences_keep_the_invariants_sqlite(sqlite_engine, settings) -> None:
    run_machine(sqlite_engine, settings, examples=100)


def test_random_sequences_keep_the_invariants_postgresql(postgresql_engine, settings) -> None:
    run_machine(postgresql_engine, settings, examples=50)


FAKES = itertools.count(1)


def always_refuses(*args, **kwargs):
    raise errors.SeatUnavailable(["A1"])


def always_accepts(user, showtime_id, seat_ids, *, now=None, settings=None, engine=None):
    """Holds when it can, and when it cannot pretends it did (a broken engine)."""
    try:
        return hold_seats(user, showtime_id, seat_ids, now=now, settings=settings, engine=engine)
    except errors.SeatUnavailable:
        return type("FakeView", (), {"reference": f"FAKE{next(FAKES)}"})()


@pytest.mark.parametrize("broken", [always_refuses, always_accepts])
def test_the_model_catches_an_engine_that_always_refuses_or_always_accepts(
    sqlite_engine, settings, broken
) -> None:
    with pytest.raises(AssertionError, match="the model predicted"):
        run_machine(sqlite_engine, settings, examples=30, hold=broken)
