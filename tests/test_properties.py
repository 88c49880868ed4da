"""Property test: random sequences of hold / release / pay / expire / cancel keep the invariants."""

from __future__ import annotations

import contextlib
from datetime import timedelta

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
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import expire_lapsed_holds, hold_seats, release_hold
from tests.conftest import make_world
from tests.databases import empty_tables
from tests.invariants import (
    claims_match_live_bookings,
    double_sold_seats,
    rollups_match_bookings,
    sold_seats_and_paid_tickets,
)

SEATS = ["A1", "A2", "A4", "B1", "B2", "C1", "C2"]


def run_machine(engine, app_settings, examples: int) -> None:
    class BookingMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            empty_tables(engine)
            self.world = make_world(engine, starts_in=timedelta(hours=6))
            self.now = utcnow()
            self.bookings: list[tuple[str, int]] = []  # (reference, user)
            self.payments = 0

        @rule(
            labels=st.lists(st.sampled_from(SEATS), min_size=1, max_size=3, unique=True),
            who=st.integers(0, 1),
        )
        def hold(self, labels: list[str], who: int) -> None:
            user = (self.world.alice, self.world.bob)[who]
            try:
                view = hold_seats(
                    user,
                    self.world.showtime_id,
                    self.world.ids(*labels),
                    now=self.now,
                    settings=app_settings,
                    engine=engine,
                )
            except errors.SeatUnavailable:
                return
            self.bookings.append((view.reference, user))

        @precondition(lambda self: self.bookings)
        @rule(i=st.integers(0, 1000))
        def release(self, i: int) -> None:
            reference, user = self.bookings[i % len(self.bookings)]
            release_hold(reference, user_id=user, now=self.now, engine=engine)

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

        @rule(minutes=st.integers(1, 12))
        def advance_clock(self, minutes: int) -> None:
            self.now += timedelta(minutes=minutes)

        @rule()
        def sweep(self) -> None:
            expire_lapsed_holds(now=self.now, engine=engine)

        @precondition(lambda self: self.bookings)
        @rule(i=st.integers(0, 1000), staff=st.booleans())
        def cancel(self, i: int, staff: bool) -> None:
            reference, user = self.bookings[i % len(self.bookings)]
            with contextlib.suppress(errors.CancelTooLate):
                cancel_booking(
                    reference,
                    user_id=None if staff else user,
                    now=self.now,
                    settings=app_settings,
                    engine=engine,
                )

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
