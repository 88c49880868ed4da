"""Promo codes: the discount rule, every refusal, uses counted race-safely, and the staff side."""

from __future__ import annotations

import threading
from datetime import timedelta

import pypdfium2
import pytest
from sqlalchemy import func, select

from bookmyseat.db import read_session, write_session
from bookmyseat.models import (
    AuditLog,
    Booking,
    BookingSeat,
    BookingStatus,
    Movie,
    Payment,
    PaymentStatus,
    PromoCode,
    SeatClaim,
    User,
    utcnow,
)
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.errors import HoldExpired
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import mark_pending_payment
from bookmyseat.services.mail.messages import ticket_message
from bookmyseat.services.offers.promo_codes import (
    Line,
    PromoCodeRefused,
    apply_promo_code,
    discount_paise,
    remove_promo_code,
)
from bookmyseat.services.reporting.analytics import dashboard
from bookmyseat.services.staff.access import AccessDenied
from bookmyseat.services.staff.catalog_management import ManagementError
from bookmyseat.services.staff.promotions import (
    PromoForm,
    create_promo_code,
    promo_codes,
    set_promo_active,
)
from bookmyseat.services.tickets.details import ticket_details
from bookmyseat.services.tickets.pdf import ticket_pdf
from tests.conftest import World
from tests.test_race import most_at_once, transaction_spans


def add_code(engine, **terms) -> int:
    with write_session(engine) as session:
        promo = PromoCode(**{"code": "SAVE20", "percent_off": 20, **terms})
        session.add(promo)
        session.flush()
        return promo.id


# --- the rule ---------------------------------------------------------------------------------


def test_a_percentage_is_of_the_covered_seats_rounded_down_and_an_amount_is_capped() -> None:
    lines = [Line("Classic", 20001), Line("Prime", 30000)]
    assert discount_paise(PromoCode(code="X", percent_off=10), lines) == 5000  # 5000.1
    assert discount_paise(PromoCode(code="X", percent_off=10, category="Prime"), lines) == 3000
    assert discount_paise(PromoCode(code="X", amount_off_paise=10000), lines) == 10000
    capped = PromoCode(code="X", amount_off_paise=10**7, category="Classic")
    assert discount_paise(capped, lines) == 20001  # never more than the seats cost
    assert discount_paise(PromoCode(code="X", percent_off=100), lines) == 50001


# --- applying at checkout ---------------------------------------------------------------------


def test_a_code_comes_off_the_seats_not_the_fee_and_can_be_removed(world: World) -> None:
    add_code(world.engine)
    held = world.hold(world.alice, "C1", "C2")  # Prime ₹300 each, fee ₹30 each
    view = apply_promo_code(held.reference, world.alice, "  save20 ", engine=world.engine)
    assert (view.promo_code, view.discount_paise) == ("SAVE20", 12000)
    assert view.total_paise == 60000 + 6000 - 12000
    view = remove_promo_code(held.reference, world.alice, engine=world.engine)
    assert (view.promo_code, view.discount_paise, view.total_paise) == ("", 0, 66000)


def test_the_paid_amount_is_the_discounted_total(world: World) -> None:
    add_code(world.engine, code="FLAT50", percent_off=0, amount_off_paise=5000)
    held = world.hold(world.alice, "A1")
    view = apply_promo_code(held.reference, world.alice, "FLAT50", engine=world.engine)
    world.pay(view)
    with read_session(world.engine) as session:
        booking = session.execute(
            select(Booking).where(Booking.reference == held.reference)
        ).scalar_one()
    assert (booking.status, booking.total_paise) == (BookingStatus.PAID, 20000 + 3000 - 5000)


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"is_active": False}, "We don't know that code"),
        ({"valid_from": utcnow() + timedelta(days=1)}, "not valid yet"),
        ({"valid_until": utcnow() - timedelta(minutes=1)}, "has expired"),
        ({"category": "Recliner"}, "for Recliner seats only"),
        ({"max_uses": 0}, "used up"),
    ],
)
def test_a_code_that_does_not_apply_says_why(world: World, terms, message) -> None:
    add_code(world.engine, **terms)
    held = world.hold(world.alice, "A1")
    with pytest.raises(PromoCodeRefused, match=message):
        apply_promo_code(held.reference, world.alice, "SAVE20", engine=world.engine)
    with read_session(world.engine) as session:
        booking = session.execute(
            select(Booking).where(Booking.reference == held.reference)
        ).scalar_one()
    assert (booking.promo_code_id, booking.discount_paise, booking.total_paise) == (
        None,
        0,
        23000,
    )


def test_a_code_for_another_movie_or_cinema_is_refused(world: World) -> None:
    with write_session(world.engine) as session:
        other = Movie(slug="other", title="Other")
        session.add(other)
        session.flush()
        other_id = other.id
    add_code(world.engine, code="MOVIE", movie_id=other_id)
    held = world.hold(world.alice, "A1")
    with pytest.raises(PromoCodeRefused, match="not valid for this movie"):
        apply_promo_code(held.reference, world.alice, "MOVIE", engine=world.engine)


@pytest.mark.parametrize("code", ["NOPE", "", "x" * 200, "SAVE20'; DROP TABLE booking;--"])
def test_unknown_empty_or_absurd_codes_are_refused_plainly(world: World, code: str) -> None:
    add_code(world.engine)
    held = world.hold(world.alice, "A1")
    with pytest.raises(PromoCodeRefused):
        apply_promo_code(held.reference, world.alice, code, engine=world.engine)


def test_one_code_a_booking_and_only_the_owners_unpaid_hold(world: World) -> None:
    add_code(world.engine)
    add_code(world.engine, code="OTHER", percent_off=5)
    held = world.hold(world.alice, "A1")
    apply_promo_code(held.reference, world.alice, "SAVE20", engine=world.engine)
    with pytest.raises(PromoCodeRefused, match="already has a promo code"):
        apply_promo_code(held.reference, world.alice, "OTHER", engine=world.engine)
    with pytest.raises(Exception, match="find"):  # Bob cannot touch Alice's booking
        apply_promo_code(held.reference, world.bob, "OTHER", engine=world.engine)
    mark_pending_payment(held.reference, user_id=world.alice, engine=world.engine)
    with pytest.raises(PromoCodeRefused, match="payment has already started"):
        remove_promo_code(held.reference, world.alice, engine=world.engine)


def test_a_lapsed_hold_takes_no_code(world: World) -> None:
    add_code(world.engine)
    held = world.hold(world.alice, "A1")
    with pytest.raises(HoldExpired):
        apply_promo_code(
            held.reference, world.alice, "SAVE20", now=utcnow() + timedelta(hours=1),
            engine=world.engine,
        )  # fmt: skip


def test_a_use_comes_back_when_its_booking_ends(world: World) -> None:
    add_code(world.engine, max_uses=1)
    first = world.hold(world.alice, "A1")
    apply_promo_code(first.reference, world.alice, "SAVE20", engine=world.engine)
    second = world.hold(world.bob, "C1")
    with pytest.raises(PromoCodeRefused, match="used up"):
        apply_promo_code(second.reference, world.bob, "SAVE20", engine=world.engine)
    cancel_booking(first.reference, user_id=world.alice, engine=world.engine)
    assert apply_promo_code(second.reference, world.bob, "SAVE20", engine=world.engine).promo_code
    # A hold that ran out holds no use either (before the sweeper has come by).
    later = utcnow() + timedelta(minutes=11)
    third = world.hold(world.alice, "A2", now=later)
    view = apply_promo_code(third.reference, world.alice, "SAVE20", now=later, engine=world.engine)
    assert view.discount_paise == 4000


# --- the race ---------------------------------------------------------------------------------


def held_bookings(world: World, count: int) -> list[tuple[str, int]]:
    """`count` customers each holding one seat (written directly: the small test screen has
    fewer seats than racers, and the code only reads the booking and its lines)."""
    now = utcnow()
    made = []
    with write_session(world.engine) as session:
        for i in range(count):
            user = User(username=f"promo{i}", email=f"promo{i}@example.com", password_hash="x")
            session.add(user)
            session.flush()
            booking = Booking(
                reference=f"PROMO{i:03d}",
                user_id=user.id,
                showtime_id=world.showtime_id,
                hold_expires_at=now + timedelta(minutes=10),
                seat_count=1,
                subtotal_paise=20000,
                fee_paise=3000,
                total_paise=23000,
            )
            session.add(booking)
            session.flush()
            session.add(
                BookingSeat(
                    booking_id=booking.id,
                    showtime_id=world.showtime_id,
                    seat_id=world.seats["A1"],
                    seat_label="A1",
                    category="Classic",
                    price_paise=20000,
                )
            )
            made.append((booking.reference, user.id))
    return made


def test_twenty_customers_at_once_get_exactly_the_five_uses_left(world: World) -> None:
    add_code(world.engine, max_uses=5)
    racers = held_bookings(world, 20)
    barrier = threading.Barrier(len(racers))
    outcomes: list[str] = [""] * len(racers)

    def customer(i: int) -> None:
        reference, user_id = racers[i]
        barrier.wait()
        try:
            apply_promo_code(reference, user_id, "SAVE20", engine=world.engine)
            outcomes[i] = "applied"
        except PromoCodeRefused as exc:
            outcomes[i] = exc.message
        except Exception as exc:  # reported below
            outcomes[i] = f"error: {exc!r}"

    with transaction_spans(world.engine) as spans:
        threads = [threading.Thread(target=customer, args=(i,)) for i in range(len(racers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    if world.engine.dialect.name == "postgresql":  # SQLite's writers queue, one at a time
        assert most_at_once(spans) >= 2, "the transactions never overlapped: no race was run"
    assert outcomes.count("applied") == 5, outcomes
    assert outcomes.count("That code has been used up.") == 15, outcomes
    with read_session(world.engine) as session:
        carrying = session.execute(
            select(Booking.total_paise).where(Booking.promo_code_id.is_not(None))
        ).scalars()
        assert sorted(carrying) == [23000 - 4000] * 5


# --- staff ------------------------------------------------------------------------------------


def test_staff_create_a_code_with_local_days_and_see_its_use(world: World, boss: Account) -> None:
    form = PromoForm(
        code="diwali-25", kind="amount", value="150", valid_from="2026-01-01",
        valid_until="2099-12-31", max_uses="2", category="Prime",
    )  # fmt: skip
    promo_id = create_promo_code(boss, form, engine=world.engine)
    with read_session(world.engine) as session:
        promo = session.get(PromoCode, promo_id)
        assert promo.code == "DIWALI-25" and promo.amount_off_paise == 15000
        # Midnight in India (the site's zone), the day after the last day.
        assert promo.valid_until.isoformat().startswith("2099-12-31T18:30")
        assert (
            session.execute(
                select(AuditLog.action).where(AuditLog.entity == "promo_code")
            ).scalar_one()
            == "promo_code_created"
        )
    held = world.hold(world.alice, "C1")
    world.pay(apply_promo_code(held.reference, world.alice, "diwali-25", engine=world.engine))
    [row] = promo_codes(boss, engine=world.engine)
    assert (row.uses, row.paid, row.discount_given) == ("1 of 2", 1, "₹150")
    assert "Prime seats" in row.terms and row.is_active
    set_promo_active(boss, promo_id, False, engine=world.engine)
    other = world.hold(world.bob, "C2")
    with pytest.raises(PromoCodeRefused, match="don't know"):
        apply_promo_code(other.reference, world.bob, "DIWALI-25", engine=world.engine)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "a"}, "3 to 32"),
        ({"value": "0"}, "above zero"),
        ({"value": "ten"}, "whole number"),
        ({"value": "150"}, "at most 100"),
        ({"valid_from": "2027-02-30"}, "YYYY-MM-DD"),
        ({"valid_from": "2027-03-02", "valid_until": "2027-03-01"}, "comes before"),
        ({"category": "Balcony"}, "category"),
        ({"max_uses": "-1"}, "above zero"),
        ({"max_uses": "99999999999999999999"}, "at most 10,00,000"),
        ({"valid_until": "9999-12-31"}, "between 2000 and 2100"),
    ],
)
def test_a_bad_form_is_refused_and_nothing_is_written(world, boss, changes, message) -> None:
    form = PromoForm(**{"code": "GOOD", "value": "10", **changes})
    with pytest.raises(ManagementError, match=message):
        create_promo_code(boss, form, engine=world.engine)
    with read_session(world.engine) as session:
        assert session.execute(select(PromoCode)).first() is None


def test_a_duplicate_code_is_refused_and_customers_may_not_manage_codes(world, boss) -> None:
    create_promo_code(boss, PromoForm(code="ONCE", value="10"), engine=world.engine)
    with pytest.raises(ManagementError, match="already a code ONCE"):
        create_promo_code(boss, PromoForm(code="once", value="5"), engine=world.engine)
    customer = Account(world.alice, "alice", "alice@example.com", "", "customer")
    with pytest.raises(AccessDenied):
        create_promo_code(customer, PromoForm(code="MINE", value="90"), engine=world.engine)
    with pytest.raises(AccessDenied):
        promo_codes(customer, engine=world.engine)


def test_the_dashboard_counts_paid_bookings_with_a_code_and_their_discount(world: World) -> None:
    add_code(world.engine)
    held = world.hold(world.alice, "C1")
    world.pay(apply_promo_code(held.reference, world.alice, "SAVE20", engine=world.engine))
    unused = world.hold(world.bob, "A1")  # held with the code, never paid: not counted
    apply_promo_code(unused.reference, world.bob, "SAVE20", engine=world.engine)
    first, after = utcnow().date() - timedelta(days=1), utcnow().date() + timedelta(days=2)
    usage = dashboard(first, after, engine=world.engine).promos
    assert (usage.bookings, usage.discount_paise) == (1, 6000)
    assert dashboard(first, after, cinema_id=10**6, engine=world.engine).promos.bookings == 0


def test_the_e_ticket_names_the_code_and_what_it_took_off(world: World, settings) -> None:
    add_code(world.engine)
    held = world.hold(world.alice, "C1")
    world.pay(apply_promo_code(held.reference, world.alice, "SAVE20", engine=world.engine))
    with read_session(world.engine) as session:
        booking_id = session.execute(
            select(Booking.id).where(Booking.reference == held.reference)
        ).scalar_one()
        details = ticket_details(session, booking_id)
    message = ticket_message("confirmation", "alice@example.com", details, settings)
    text = message.get_body(("plain",)).get_content()
    assert "Amount:  ₹270, promo code SAVE20 took off ₹60" in text
    pdf = pypdfium2.PdfDocument(ticket_pdf(details, "BMS1-CODE"))
    assert "promo code SAVE20 took off ₹60" in pdf[0].get_textpage().get_text_range()


def test_a_late_payment_keeps_its_code_only_while_a_use_is_free(world: World) -> None:
    """Alice's hold with the last use lapses; Bob takes the use; Alice's payment arriving late
    would make two uses of a one-use code: it is refunded and her seats stay free. Without
    Bob, the same late payment is accepted with its discount."""
    add_code(world.engine, max_uses=1)
    start = utcnow()
    late = start + timedelta(minutes=12)  # Alice's 10-minute hold has run out
    alice = apply_promo_code(
        world.hold(world.alice, "C1", now=start).reference, world.alice, "SAVE20",
        now=start, engine=world.engine,
    )  # fmt: skip
    bob = world.hold(world.bob, "A1", now=late)
    apply_promo_code(bob.reference, world.bob, "SAVE20", now=late, engine=world.engine)
    outcome = confirm_payment(
        alice.reference, amount_paise=alice.total_paise, currency="inr", provider="demo",
        provider_ref="late_alice", now=late, engine=world.engine,
    )  # fmt: skip
    assert outcome.result == "refund_needed" and "promo code" in outcome.message
    with read_session(world.engine) as session:
        payment = session.execute(select(Payment).where(Payment.provider_ref == "late_alice"))
        assert payment.scalar_one().status == PaymentStatus.REFUND_PENDING
        claims = session.execute(select(SeatClaim).where(SeatClaim.seat_id == world.seats["C1"]))
        assert claims.first() is None
    assert promo_codes_uses(world) == 1


def test_a_late_payment_with_its_use_still_free_is_accepted(world: World) -> None:
    add_code(world.engine, max_uses=1)
    start = utcnow()
    alice = apply_promo_code(
        world.hold(world.alice, "C1", now=start).reference, world.alice, "SAVE20",
        now=start, engine=world.engine,
    )  # fmt: skip
    outcome = confirm_payment(
        alice.reference, amount_paise=alice.total_paise, currency="inr", provider="demo",
        provider_ref="late_alice", now=start + timedelta(minutes=12), engine=world.engine,
    )  # fmt: skip
    assert outcome.result == "reclaimed" and outcome.booking.discount_paise == 6000
    assert promo_codes_uses(world) == 1


def promo_codes_uses(world: World) -> int:
    with read_session(world.engine) as session:
        return session.execute(
            select(func.count()).where(
                Booking.promo_code_id.is_not(None), Booking.status == BookingStatus.PAID
            )
        ).scalar_one() + session.execute(
            select(func.count()).where(
                Booking.promo_code_id.is_not(None), Booking.status == BookingStatus.HELD,
                Booking.hold_expires_at > utcnow(),
            )
        ).scalar_one()  # fmt: skip
