"""Dashboard figures equal the ones worked out by hand for a small set of known bookings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookmyseat.models import utcnow
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.reporting.analytics import Window, dashboard, kpis
from tests.conftest import World

INDIA = ZoneInfo("Asia/Kolkata")  # the test cinema's zone, and the site's


def days_around(start: datetime, end: datetime) -> tuple[date, date]:
    """The whole days in India from the one `start` falls on to the one `end` falls on."""
    return start.astimezone(INDIA).date(), end.astimezone(INDIA).date() + timedelta(days=1)


def pay_at(world: World, user: int, labels: tuple[str, ...], when) -> str:
    view = world.hold(user, *labels, now=when - timedelta(minutes=1))
    confirm_payment(
        view.reference,
        amount_paise=view.total_paise,
        currency="inr",
        provider="demo",
        provider_ref=f"p_{view.reference}",
        now=when,
        engine=world.engine,
    )
    return view.reference


def test_the_dashboard_matches_hand_computed_figures(world: World) -> None:
    now = utcnow().replace(microsecond=0)
    pay_at(world, world.alice, ("A1", "A2"), now)  # 2 Classic: 400 + fee 60 = ₹460
    pay_at(world, world.bob, ("C1",), now)  # 1 Prime: 300 + 30 = ₹330
    cancelled = pay_at(world, world.alice, ("C2", "C3"), now)  # ₹660, then cancelled (refund)
    cancel_booking(cancelled, engine=world.engine)
    world.hold(world.bob, "B3")  # held, never paid: no money
    pay_at(world, world.alice, ("B2",), now - timedelta(days=3))  # paid before the range
    first, after = days_around(now - timedelta(hours=1), world.starts_at + timedelta(hours=1))

    figures = dashboard(first, after, engine=world.engine)
    k = figures.kpis
    assert (k.bookings, k.tickets, k.customers) == (2, 3, 2)
    assert (k.gross_paise, k.refunds_paise, k.revenue_paise) == (145_000, 66_000, 79_000)
    assert k.average_ticket_paise == 23_333  # (400 + 400 + 300) / 3 seats, in paise
    # Both showtimes start in the range: 14 + 4 sellable seats, 4 sold (B2 counts: still paid).
    assert k.occupancy_pct == 22.2
    local = now.astimezone(INDIA)
    assert figures.revenue_by_day == [(local.date().isoformat(), 79_000)]
    assert figures.tickets_by_movie == [("Test Movie", 3)]
    assert figures.sales_by_weekday_hour == [(local.isoweekday() % 7, local.hour, 3)]
    assert figures.category_mix == [("Classic", 2), ("Prime", 1)]
    assert figures.occupancy_by_screen == [("Screen 1", 28.6), ("Screen 2", 0.0)]

    everything = kpis(
        Window(first - timedelta(days=30), after, "Asia/Kolkata"), engine=world.engine
    )
    assert (everything.bookings, everything.revenue_paise) == (3, 79_000 + 23_000)
    elsewhere = dashboard(first, after, cinema_id=10_000, engine=world.engine)
    assert elsewhere.kpis.bookings == 0 and elsewhere.revenue_by_day == []
    assert elsewhere.kpis.occupancy_pct == 0.0


def test_the_activity_feed_lists_payments_cancellations_and_failed_emails(world: World) -> None:
    from sqlalchemy import select

    from bookmyseat.db import write_session
    from bookmyseat.models import EmailOutbox, OutboxStatus
    from bookmyseat.services.reporting.analytics import recent_activity

    now = utcnow().replace(microsecond=0)
    first = pay_at(world, world.alice, ("A1",), now - timedelta(minutes=30))
    second = pay_at(world, world.bob, ("C1",), now - timedelta(minutes=20))
    cancel_booking(first, engine=world.engine)
    with write_session(world.engine) as session:
        query = select(EmailOutbox).where(EmailOutbox.kind == "confirmation").limit(1)
        row = session.execute(query).scalar_one()
        row.status, row.last_error = OutboxStatus.FAILED, "550 no such user"
    items, more = recent_activity(engine=world.engine)
    kinds = [(i.kind, i.reference) for i in items]
    assert kinds[:1] == [("cancelled", first)]  # the newest
    assert ("paid", second) in kinds and ("paid", first) in kinds
    assert ("email_failed", first) in kinds or ("email_failed", second) in kinds
    assert not more
    page_one, more = recent_activity(per_page=2, engine=world.engine)
    page_two, _ = recent_activity(page=1, per_page=2, engine=world.engine)
    assert more and len(page_one) == 2 and page_one[-1] != page_two[0]
