"""Payment confirmation, cancellation and the sweeper, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bookmyseat.db import read_session
from bookmyseat.models import Booking, EmailOutbox, Payment, SeatClaim, utcnow
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import expire_lapsed_holds
from bookmyseat.services.booking.records import get_booking
from tests.conftest import World
from tests.test_booking_rules import count, statuses


def pay(world: World, reference: str, amount: int, *, ref: str = "pay_1", now=None, currency="inr"):
    return confirm_payment(
        reference,
        amount_paise=amount,
        currency=currency,
        provider="demo",
        provider_ref=ref,
        now=now,
        engine=world.engine,
    )


def table_rows(engine, model) -> list[tuple]:
    with read_session(engine) as session:
        return [tuple(r) for r in session.execute(select(model.__table__)).all()]


def test_confirm_marks_paid_queues_one_email_and_is_idempotent(world: World, settings) -> None:
    held = world.hold(world.alice, "A1", "A2")
    first = pay(world, held.reference, held.total_paise)
    assert first.result == "paid" and first.is_paid
    assert first.booking.status == "paid" and first.booking.paid_at is not None
    assert len(first.outbox_ids) == 1
    again = pay(world, held.reference, held.total_paise)
    assert again.result == "already_paid"
    assert count(world.engine, Payment) == 1
    with read_session(world.engine) as session:
        mail = session.execute(select(EmailOutbox)).scalar_one()
    assert (mail.kind, mail.to_address, mail.status) == (
        "confirmation",
        "alice@example.com",
        "pending",
    )
    assert statuses(world)["A1"] == "sold"


def test_wrong_amount_or_currency_is_flagged_and_issues_no_tickets(world: World, settings) -> None:
    held = world.hold(world.alice, "A1")
    short = pay(world, held.reference, held.total_paise - 1, ref="pay_short")
    assert short.result == "flagged" and not short.is_paid
    assert "paid 22999 inr" in short.message
    wrong_currency = pay(world, held.reference, held.total_paise, ref="pay_usd", currency="USD")
    assert wrong_currency.result == "flagged"
    assert get_booking(held.reference, engine=world.engine).status == "held"
    assert count(world.engine, EmailOutbox) == 0
    with read_session(world.engine) as session:
        flagged = session.execute(select(Payment.status)).scalars().all()
    assert flagged == ["flagged", "flagged"]


def test_second_payment_for_a_paid_booking_is_kept_for_refund(world: World, settings) -> None:
    held = world.hold(world.alice, "A1")
    pay(world, held.reference, held.total_paise, ref="pay_a")
    dup = pay(world, held.reference, held.total_paise, ref="pay_b")
    assert dup.result == "duplicate"
    assert count(world.engine, EmailOutbox) == 1
    assert count(world.engine, Payment, Payment.status == "refund_pending") == 1


def test_late_payment_reclaims_free_seats(world: World, settings) -> None:
    now = utcnow()
    held = world.hold(world.alice, "A1", now=now)
    later = now + timedelta(minutes=15)
    assert expire_lapsed_holds(now=later, engine=world.engine) == 1
    assert statuses(world)["A1"] == "available"
    outcome = pay(world, held.reference, held.total_paise, now=later)
    assert outcome.result == "reclaimed" and outcome.booking.status == "paid"
    assert statuses(world)["A1"] == "sold"


def test_late_payment_wins_over_a_hold_that_has_also_run_out(world: World, settings) -> None:
    """Found by the model in the state machine: Alice's hold ran out, Bob held the seat and his
    hold ran out too, unswept; Alice's late payment re-claims the seat (it was refunded)."""
    now = utcnow()
    alice = world.hold(world.alice, "A1", now=now)
    bob = world.hold(world.bob, "A1", now=now + timedelta(minutes=10))  # Alice's hold gives way
    later = now + timedelta(minutes=20)  # Bob's has run out as well; no sweeper yet
    outcome = pay(world, alice.reference, alice.total_paise, now=later)
    assert outcome.result == "reclaimed" and outcome.booking.status == "paid"
    assert get_booking(bob.reference, engine=world.engine).status == "expired"
    assert statuses(world)["A1"] == "sold"


def test_late_payment_with_seats_resold_needs_a_refund(world: World, settings) -> None:
    now = utcnow()
    held = world.hold(world.alice, "A1", "A2", now=now)
    later = now + timedelta(minutes=15)
    bob = world.hold(world.bob, "A2", now=later)
    outcome = pay(world, held.reference, held.total_paise, now=later)
    assert outcome.result == "refund_needed" and not outcome.is_paid
    assert "refunded" in outcome.message
    assert outcome.booking.status == "expired"
    # Bob keeps A2; A1 is not left claimed by the refused re-claim.
    assert statuses(world)["A2"] == "held" and statuses(world)["A1"] == "available"
    assert get_booking(bob.reference, engine=world.engine).status == "held"
    assert count(world.engine, Payment, Payment.status == "refund_pending") == 1
    # No ticket: only the notice that the payment will be refunded.
    assert count(world.engine, EmailOutbox) == 1
    assert count(world.engine, EmailOutbox, EmailOutbox.kind == "late-payment-refund") == 1
    assert pay(world, held.reference, held.total_paise, now=later).result == "refund_needed"


def test_customer_cancels_before_cutoff_and_seats_are_released(world: World, settings) -> None:
    held = world.hold(world.alice, "A1")
    pay(world, held.reference, held.total_paise)
    with pytest.raises(errors.BookingNotFound):
        cancel_booking(held.reference, user_id=world.bob, settings=settings, engine=world.engine)
    cancelled = cancel_booking(
        held.reference, user_id=world.alice, settings=settings, engine=world.engine
    )
    assert cancelled.status == "cancelled"
    assert statuses(world)["A1"] == "available"
    assert count(world.engine, Payment, Payment.status == "refund_pending") == 1
    kinds = sorted(r.kind for r in _outbox(world))
    assert kinds == ["cancellation", "confirmation"]
    # Cancelling again changes nothing.
    assert (
        cancel_booking(
            held.reference, user_id=world.alice, settings=settings, engine=world.engine
        ).cancelled_at
        == cancelled.cancelled_at
    )
    assert count(world.engine, EmailOutbox) == 2


def _outbox(world: World) -> list[EmailOutbox]:
    with read_session(world.engine) as session:
        return list(session.execute(select(EmailOutbox)).scalars())


def test_cancel_after_cutoff_is_refused_for_customers_but_not_staff(world: World, settings) -> None:
    held = world.hold(world.alice, "A1")
    pay(world, held.reference, held.total_paise)
    too_late = world.starts_at - timedelta(minutes=119)
    with pytest.raises(errors.CancelTooLate, match="up to 2 hours before"):
        cancel_booking(
            held.reference,
            user_id=world.alice,
            now=too_late,
            settings=settings,
            engine=world.engine,
        )
    assert get_booking(held.reference, engine=world.engine).status == "paid"
    staff = cancel_booking(
        held.reference, user_id=None, now=too_late, settings=settings, engine=world.engine
    )
    assert staff.status == "cancelled"


def test_cancel_of_an_unpaid_hold_releases_it(world: World, settings) -> None:
    held = world.hold(world.alice, "C1")
    assert (
        cancel_booking(
            held.reference, user_id=world.alice, settings=settings, engine=world.engine
        ).status
        == "cancelled"
    )
    assert count(world.engine, SeatClaim) == 0
    assert count(world.engine, EmailOutbox) == 0


def test_sweeper_expires_lapsed_holds_and_a_second_run_changes_nothing(
    world: World,
    settings,
) -> None:
    start = utcnow()
    lapsing = world.hold(world.alice, "A1", "A2", now=start)
    fresh = world.hold(world.bob, "C1", now=start + timedelta(minutes=5))
    paid = world.hold(world.bob, "B3", now=start)
    pay(world, paid.reference, paid.total_paise, now=start)

    clock = start + timedelta(minutes=9, seconds=59)
    assert expire_lapsed_holds(now=clock, engine=world.engine) == 0
    clock = start + timedelta(minutes=10)
    assert expire_lapsed_holds(now=clock, engine=world.engine) == 1
    snapshot = (table_rows(world.engine, Booking), table_rows(world.engine, SeatClaim))
    assert expire_lapsed_holds(now=clock, engine=world.engine) == 0
    assert (table_rows(world.engine, Booking), table_rows(world.engine, SeatClaim)) == snapshot

    assert get_booking(lapsing.reference, engine=world.engine).status == "expired"
    assert get_booking(fresh.reference, engine=world.engine).status == "held"
    assert get_booking(paid.reference, engine=world.engine).status == "paid"
    with read_session(world.engine) as session:
        claimed = set(session.execute(select(SeatClaim.seat_id)).scalars())
    assert claimed == set(world.ids("C1", "B3"))
