"""390 px wide and dark mode: every customer page fits the phone's width (only the seat map
scrolls, inside its own box) and follows the dark colour scheme."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import open_seat_map
from tests.e2e.server import RunningApp

PHONE = {"width": 390, "height": 844}


def assert_fits(page, name: str) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than the phone's screen"
    assert "dark" in (page.locator("html").get_attribute("class") or ""), f"{name} is not dark"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-dark-{name}.png"), full_page=True)


def assert_no_seat_under_the_summary(page) -> None:
    """No seat, where it shows inside the map's box, lies under the summary bar, at any
    scroll position of the page."""
    for scroll in (0, 200, 400, 10_000):
        page.evaluate("(y) => window.scrollTo(0, y)", scroll)
        covered = page.evaluate(
            """() => {
                const bar = document.querySelector(".seat-summary").getBoundingClientRect();
                const box = document.querySelector(".seat-map-scroll").getBoundingClientRect();
                return [...document.querySelectorAll(".seat-grid button")].filter((seat) => {
                    const r = seat.getBoundingClientRect();
                    const top = Math.max(r.top, box.top), bottom = Math.min(r.bottom, box.bottom);
                    const left = Math.max(r.left, box.left), right = Math.min(r.right, box.right);
                    if (top >= bottom || left >= right) return false;  // scrolled out of sight
                    return top < bar.bottom && bottom > bar.top && left < bar.right
                        && right > bar.left;
                }).map((seat) => seat.title);
            }"""
        )
        assert not covered, f"scrolled to {scroll}: the summary covers {covered[:5]}"


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
    # The 440-seat map first shows whole, fitted to the phone's width; a tap magnifies that part
    # (seats of at least 24 px), the next tap chooses.
    zoom = page.get_by_role("button", name="Zoom in to choose")
    expect(zoom).to_be_visible()
    fitted = seat_map.evaluate("g => g.parentElement.scrollWidth <= g.parentElement.clientWidth")
    assert fitted, "the whole map should fit the phone's width at first"
    page.screenshot(path=str(ARTIFACTS / "phone-dark-seat-map-whole.png"), full_page=True)
    free = page.locator('button[title^="Row M, seat 1,"]')
    free.click()
    expect(page.get_by_role("button", name="Show the whole map")).to_be_visible()
    expect(free).to_be_in_viewport()
    box = free.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box
    expect(free).to_have_attribute("aria-pressed", "false")  # magnified, not chosen
    free.click()
    expect(free).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Proceed")).to_be_in_viewport()
    assert_no_seat_under_the_summary(page)
    assert_fits(page, "seat-map-chosen")

    page.goto(f"{url}/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert_fits(page, "login")
