"""390 px wide and dark mode: every customer page fits the phone's width (only the seat map
scrolls, inside its own box) and follows the dark colour scheme."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import open_seat_map, seat
from tests.e2e.server import RunningApp

PHONE = {"width": 390, "height": 844}


def assert_fits(page, name: str) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than the phone's screen"
    assert "dark" in (page.locator("html").get_attribute("class") or ""), f"{name} is not dark"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-dark-{name}.png"), full_page=True)


@pytest.mark.parametrize("color_scheme", ["dark"])
def test_customer_pages_fit_a_phone_in_dark_mode(
    app_server: RunningApp,
    new_page,
    color_scheme: str,
) -> None:
    url = app_server.url
    page = new_page(PHONE["width"], PHONE["height"], color_scheme=color_scheme)
    page.goto(url)
    expect(page.get_by_test_id("movie-card").first).to_be_visible(timeout=30_000)
    assert_fits(page, "home")

    page.goto(f"{url}/movies/chai-and-chaos")
    expect(page.locator("a[href^='/showtimes/']").first).to_be_visible()
    assert_fits(page, "movie")

    showtime = app_server.showtimes_on("Audi 1 IMAX")[3]
    seat_map = open_seat_map(page, url, showtime)
    assert_fits(page, "seat-map")
    # The 440-seat map is wider than the phone: it scrolls inside its own box, seats stay usable.
    box = seat_map.evaluate(
        "grid => grid.parentElement.scrollWidth > grid.parentElement.clientWidth"
    )
    assert box, "the wide seat map should scroll inside its box"
    free = seat(page, page.locator("button[aria-label$=', available']").first)
    free.scroll_into_view_if_needed()
    free.click()
    expect(free).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Proceed")).to_be_in_viewport()
    assert_fits(page, "seat-map-chosen")

    page.goto(f"{url}/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert_fits(page, "login")
