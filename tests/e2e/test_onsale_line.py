"""An on-sale line in the browser: the manager sets one up for a show on /admin/onsale; the
first customer is let in at once and sees until when they may choose; the next waits with
"You are number 1, about 1 minute", the same number in a second tab and after a reload; the
manager pauses the line (the waiting page says so by itself) and opens it again; the waiting
customer's page moves on to the map by itself, and they hold a seat."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from bookmyseat.db import make_engine, write_session
from bookmyseat.models import Cinema, Movie
from bookmyseat.services.catalog.layouts import layout_json
from bookmyseat.services.catalog.venues import get_or_create_screen, get_or_create_showtime
from tests.e2e.helpers import expect_toast, sign_in, sign_up
from tests.e2e.server import RunningApp
from tests.e2e.test_accessibility import violations

SMALL = [{"label": "A", "category": "Classic", "cells": "SSSSSS"}]


def new_show(app: RunningApp) -> tuple[int, str]:
    """A show of a screen of its own, three days ahead; the cinema's time zone."""
    engine = make_engine(app.database_url)
    try:
        with write_session(engine) as session:
            cinema = session.execute(select(Cinema).order_by(Cinema.id)).scalars().first()
            movie = session.execute(select(Movie).order_by(Movie.id)).scalars().first()
            screen = get_or_create_screen(session, cinema, "Line E2E", layout_json(SMALL))
            starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3, hours=5)
            show = get_or_create_showtime(session, movie, screen, starts, {"Classic": 15000})
            return show.id, cinema.timezone
    finally:
        engine.dispose()


def test_a_line_lets_customers_in_at_its_pace_and_staff_pause_it(
    app_server: RunningApp, new_page
) -> None:
    url = app_server.url
    show_id, zone = new_show(app_server)
    admin = new_page(1400, 1000)
    admin.goto(f"{url}/login?next=/admin/onsale")
    sign_in(admin, url, "admin1", "admin@123")
    admin.get_by_role("combobox", name="Show").click()
    admin.get_by_role("option", name=re.compile(r"Line E2E")).click()
    opened = datetime.now(ZoneInfo(zone)) - timedelta(minutes=1)
    admin.get_by_label("Sale opens").fill(opened.strftime("%Y-%m-%dT%H:%M"))
    admin.get_by_label("Customers a minute").fill("6")  # one now, then one every 10 s
    admin.get_by_label("Minutes to choose").fill("5")
    admin.get_by_role("button", name="Set up and open").click()
    expect_toast(admin, "The line is set up and open.")
    row = admin.get_by_test_id("onsale-row").filter(has_text="Line E2E")
    expect(row).to_contain_text("6 a minute, 5 minutes to choose")
    expect(row).to_contain_text("Letting customers in")
    assert violations(admin, f"{url}/admin/onsale") == []

    first = new_page()
    sign_up(first, url, f"/showtimes/{show_id}")
    expect(first.get_by_test_id("queue-turn")).to_contain_text("It is your turn")
    expect(first.get_by_role("group", name="Seat map")).to_have_attribute("aria-busy", "false")

    second = new_page()
    sign_up(second, url, f"/showtimes/{show_id}")
    line = second.get_by_test_id("queue-text")
    expect(line).to_have_text("You are number 1, about 1 minute.")
    expect(second.get_by_role("group", name="Seat map")).to_have_count(0)  # no map while queued
    assert violations(second, f"{url}/showtimes/{show_id}") == []
    other_tab = second.context.new_page()
    other_tab.goto(f"{url}/showtimes/{show_id}")
    expect(other_tab.get_by_test_id("queue-text")).to_have_text(
        "You are number 1, about 1 minute."
    )  # ten tabs, one place
    other_tab.close()

    row.get_by_role("button", name=re.compile(r"^Pause")).click()
    expect_toast(admin, "The line is paused.")
    expect(line).to_contain_text("The cinema has paused the line", timeout=15_000)
    row.get_by_role("button", name=re.compile(r"^Open")).click()
    expect_toast(admin, "The line moves again.")

    seat_map = second.get_by_role("group", name="Seat map")  # the page moves on by itself
    expect(seat_map).to_have_attribute("aria-busy", "false", timeout=40_000)
    expect(second.get_by_test_id("queue-turn")).to_contain_text("It is your turn")
    seat_map.get_by_role("button", name=re.compile(r"^Row A, seat 1,")).click()
    second.get_by_role("button", name="Proceed").click()
    expect(second).to_have_url(re.compile(r"/checkout/"), timeout=15_000)
