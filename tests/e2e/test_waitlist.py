"""The waiting list in the browser: a sold-out show offers "Tell me when seats free up"; the
customer joins and sees their place; a cancellation frees a seat and the app's own background
round holds it for them and emails the link; the manager sees the line on /admin/waitlist."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from bookmyseat.db import make_engine, write_session
from bookmyseat.models import Cinema, Movie, Seat, User
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.catalog.layouts import layout_json
from bookmyseat.services.catalog.venues import get_or_create_screen, get_or_create_showtime
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import expect_toast, sign_in
from tests.e2e.server import RunningApp
from tests.e2e.test_accessibility import violations

TINY = [{"label": "A", "category": "Classic", "cells": "SS"}]


def sold_out_show(app: RunningApp) -> tuple[int, str]:
    """A two-seat screen's show, both seats sold to demo_fan_02 (through the real engine); the
    booking's reference."""
    engine = make_engine(app.database_url)
    try:
        with write_session(engine) as session:
            cinema = session.execute(select(Cinema).order_by(Cinema.id)).scalars().first()
            movie = session.execute(select(Movie).order_by(Movie.id)).scalars().first()
            screen = get_or_create_screen(session, cinema, "Tiny E2E", layout_json(TINY))
            starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2, hours=3)
            show = get_or_create_showtime(session, movie, screen, starts, {"Classic": 15000})
            seats = list(
                session.execute(select(Seat.id).where(Seat.screen_id == screen.id)).scalars()
            )
            fan = session.execute(
                select(User.id).where(User.username == "demo_fan_02")
            ).scalar_one()
            show_id = show.id
        view = hold_seats(fan, show_id, seats, engine=engine)
        confirm_payment(
            view.reference,
            amount_paise=view.total_paise,
            currency=view.currency,
            provider="demo",
            provider_ref=f"e2e-{view.reference}",
            engine=engine,
        )
        return show_id, view.reference
    finally:
        engine.dispose()


def test_a_customer_joins_a_sold_out_shows_line_and_is_offered_a_freed_seat(
    app_server: RunningApp, new_page
) -> None:
    url = app_server.url
    show_id, sold = sold_out_show(app_server)
    [(slug,)] = app_server.query(
        "SELECT m.slug FROM movie m JOIN showtime s ON s.movie_id = m.id WHERE s.id = :show",
        show=show_id,
    )
    customer = new_page()
    customer.goto(f"{url}/login?next=/movies/{slug}")
    sign_in(customer, url, "demo_fan_03", "popcorn&chai7")
    # The movie page's sold-out chip leads to the show's waiting list (the walk's M2).
    chip = customer.get_by_test_id("sold-out-show").and_(
        customer.locator(f'a[href="/showtimes/{show_id}"]')
    )
    expect(chip).to_contain_text("Sold out · join the waiting list")
    chip.click()
    expect(customer).to_have_url(f"{url}/showtimes/{show_id}")
    join = customer.get_by_test_id("waitlist-join")
    expect(join.get_by_role("heading", name="Sold out")).to_be_visible(timeout=15_000)
    assert violations(customer, f"{url}/showtimes/{show_id}") == []  # axe, the join card shown
    expect(join.get_by_role("heading", name="Sold out")).to_be_visible(timeout=15_000)
    join.get_by_role("combobox", name="Seats wanted").click()
    customer.get_by_role("option", name="1", exact=True).click()
    join.get_by_role("button", name="Tell me when seats free up").click()
    expect_toast(customer, "You are number 1 in line. We will email you when seats free up.")
    place = customer.get_by_test_id("waitlist-place")
    expect(place).to_contain_text("You are number 1 in line for 1 seat.")
    ARTIFACTS.mkdir(exist_ok=True)
    customer.screenshot(path=str(ARTIFACTS / "waitlist-joined.png"), full_page=True)

    engine = make_engine(app_server.database_url)
    try:
        cancel_booking(sold, engine=engine)  # staff cancel: both seats come back
    finally:
        engine.dispose()
    deadline = time.monotonic() + 30  # the app's round runs every 5 seconds
    offered: list[tuple] = []
    while not offered and time.monotonic() < deadline:
        time.sleep(1)
        offered = app_server.query(
            "SELECT b.reference, b.seat_count, b.hold_expires_at FROM waitlist_entry w "
            "JOIN booking b ON b.id = w.booking_id JOIN app_user u ON u.id = w.user_id "
            "WHERE w.showtime_id = :show AND w.status = 'offered' AND u.username = 'demo_fan_03'",
            show=show_id,
        )
    assert offered, "the app's background round offered nothing within 30 s"
    [(reference, seats, _)] = offered
    assert seats == 1
    emails = app_server.query(
        "SELECT e.to_address, u.email FROM email_outbox e JOIN booking b ON b.id = e.booking_id "
        "JOIN app_user u ON u.id = b.user_id "
        "WHERE e.kind = 'waitlist_offer' AND b.reference = :reference",
        reference=reference,
    )
    assert len(emails) == 1 and emails[0][0] == emails[0][1]  # one email, to the customer

    admin = new_page(1400, 1000)
    admin.goto(f"{url}/login?next=/admin/waitlist")
    sign_in(admin, url, "admin1", "admin@123")
    row = admin.get_by_test_id("waitlist-row").filter(has_text="demo_fan_03")
    expect(row).to_contain_text("Seats held for them")
    expect(row).to_contain_text(reference)
    admin.screenshot(path=str(ARTIFACTS / "admin-waitlist.png"), full_page=True)
    assert violations(admin, f"{url}/admin/waitlist") == []

    customer.goto(f"{url}/checkout/{reference}")
    expect(customer.get_by_role("button", name=re.compile(r"^Pay ₹"))).to_be_enabled()
