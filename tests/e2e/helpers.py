"""Steps the browser tests share: signing in or up, finding a seat by its stable title."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Locator, Page, expect


def seat(page: Page, any_state_locator: Locator) -> Locator:
    """The same seat whatever its state later (its title does not change)."""
    title = any_state_locator.get_attribute("title")
    return page.locator(f'button[title="{title}"]')


def sign_in(page: Page, app_url: str, username: str = "mzsp_", password: str = "pass@123") -> None:
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-as")).to_have_text(username)


def sign_up(page: Page, app_url: str, next_path: str = "/") -> str:
    """Create a fresh customer account through the form; returns its username."""
    name = f"fan_{uuid.uuid4().hex[:6]}"
    page.goto(f"{app_url}/signup?next={next_path}")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.com")
    page.get_by_label("Password", exact=True).fill("popcorn&chai7")
    page.get_by_label("Repeat password").fill("popcorn&chai7")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("signed-in-as")).to_have_text(name)
    expect_toast(page, "Welcome to BookMySeat")
    return name


def open_seat_map(page: Page, app_url: str, showtime_id: int) -> Locator:
    """Open a showtime's seat map and wait until it has loaded; returns the map."""
    page.goto(f"{app_url}/showtimes/{showtime_id}")
    seat_map = page.get_by_role("group", name="Seat map")
    expect(seat_map).to_have_attribute("aria-busy", "false")
    expect(seat_map.get_by_role("button").first).to_be_visible()
    return seat_map


def expect_toast(page: Page, pattern: str, **options: object) -> None:
    """The page shows a toast matching `pattern`, and the test expected it (an unexpected toast
    fails the test at the end)."""
    from tests.e2e.conftest import watched

    watched(page).expected_toasts.append(pattern)
    expect(page.get_by_text(re.compile(pattern)).first).to_be_visible(**options)
