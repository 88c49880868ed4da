"""Steps the browser tests share: signing in or up, finding a seat by its stable title."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Locator, Page, expect

from tests.e2e.server import RunningApp


def seat(page: Page, any_state_locator: Locator) -> Locator:
    """The same seat whatever its state later (its title does not change)."""
    title = any_state_locator.get_attribute("title")
    return page.locator(f'button[title="{title}"]')


def sign_in(page: Page, app_url: str, username: str = "mzsp_", password: str = "pass@123") -> None:
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-as")).to_have_text(username)


def forget_sign_up_counts() -> None:
    """Every browser test's customer signs up from 127.0.0.1, and every sign-up form counts
    against the network's allowance (the hostile clients' forged forms included): each test's
    sign-ups start from an unspent allowance (tests/test_sign_up.py proves the allowance)."""
    import redis

    from tests.databases import REDIS_TEST_URL

    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        for key in client.scan_iter(match="*bookmyseat:sign-up:address*"):
            client.delete(key)
    except redis.RedisError:  # no Redis: the app counts in its own memory, nothing to forget
        pass
    finally:
        client.close()


def sign_up(page: Page, app_url: str, next_path: str = "/") -> str:
    """Create a fresh customer account through the form; returns its username."""
    forget_sign_up_counts()
    name = f"fan_{uuid.uuid4().hex[:6]}"
    page.goto(f"{app_url}/signup?next={next_path}")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.com")
    page.get_by_label("Password", exact=True).fill("popcorn&chai7")
    page.get_by_label("Repeat password").fill("popcorn&chai7")
    page.get_by_role("button", name="Create account").click()
    # Nobody is signed in by signing up (the answer is the same for a known address): the page
    # says to check the email and offers to sign in, on to `next_path`.
    expect(page.get_by_text("Check your email to finish")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    sign_in(page, app_url, name, "popcorn&chai7")
    return name


@contextmanager
def door_open_for(app: RunningApp, reference: str) -> Iterator[str]:
    """The name of the door of the booking's cinema (every screen), its window opened for a
    week while the block runs (a test's clock trick: the show may be hours away)."""
    [(cinema_id, cinema)] = app.query(
        "SELECT c.id, c.name FROM booking b JOIN showtime s ON s.id = b.showtime_id "
        "JOIN screen sc ON sc.id = s.screen_id JOIN cinema c ON c.id = sc.cinema_id "
        "WHERE b.reference = :reference",
        reference=reference,
    )
    app.execute("UPDATE cinema SET door_opens_minutes = 10080 WHERE id = :id", id=cinema_id)
    try:
        yield f"{cinema} — every screen"
    finally:
        app.execute("UPDATE cinema SET door_opens_minutes = 45 WHERE id = :id", id=cinema_id)


def choose_door(page: Page, door: str) -> None:
    """Set the door scanner to `door`."""
    page.get_by_label("Door").click()
    page.get_by_role("option", name=door).click()
    expect(page.get_by_label("Door")).to_contain_text(door)


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
