"""Live seat map: two customers in two browser contexts on one showtime, and a hold that expires.

The server runs with Redis when a server answers (always in CI), so these pass across several
backend workers.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, watched
from tests.e2e.helpers import expect_toast, open_seat_map, seat, sign_in, sign_up
from tests.e2e.server import RunningApp
from tests.reflex_client import hold_over_http, seat_plan

LIVE_WITHIN_MS = 3000  # the goal is one second; the margin absorbs a slow CI machine


def test_a_hold_in_one_browser_appears_in_the_other(app_server: RunningApp, new_page) -> None:
    url = app_server.url
    showtime = app_server.showtimes_on("Audi 1 IMAX")[1]
    first, second = new_page(), new_page()
    first.goto(f"{url}/login?next=/showtimes/{showtime}")
    sign_in(first, url)
    open_seat_map(first, url, showtime)
    sign_up(second, url, next_path=f"/showtimes/{showtime}")
    open_seat_map(second, url, showtime)

    # Both want the same seat; the second customer chose it first but has not proceeded.
    wanted_in_second = seat(second, second.locator("button[aria-label$=', available']").nth(40))
    title = wanted_in_second.get_attribute("title")
    wanted_in_first = first.locator(f'button[title="{title}"]')
    wanted_in_second.click()
    expect(wanted_in_second).to_have_attribute("aria-pressed", "true")

    wanted_in_first.click()
    first.get_by_role("button", name="Proceed").click()
    expect(first).to_have_url(re.compile(r"/checkout/[A-Z0-9]{8}$"))

    # Without a reload the second map shows the seat held, drops it from the choice and says so.
    expect(wanted_in_second).to_have_attribute(
        "aria-label", re.compile(r", held by someone else$"), timeout=LIVE_WITHIN_MS
    )
    expect(wanted_in_second).to_have_attribute("aria-pressed", "false")
    expect_toast(second, r"was just taken by someone else")
    ARTIFACTS.mkdir(exist_ok=True)
    second.screenshot(path=str(ARTIFACTS / "live-held-by-other.png"), full_page=True)

    # The second customer cannot take it.
    wanted_in_second.click()
    expect_toast(second, r"is not available")
    expect(wanted_in_second).to_have_attribute("aria-pressed", "false")

    # Released in the first browser: free again in the second, still without a reload.
    first.get_by_role("button", name="Release seats").click()
    expect_toast(first, "Your seats were released")
    expect(wanted_in_second).to_have_attribute(
        "aria-label", re.compile(r", available$"), timeout=LIVE_WITHIN_MS
    )
    wanted_in_second.click()
    expect(wanted_in_second).to_have_attribute("aria-pressed", "true")


def test_a_seat_taken_while_proceeding_is_said_and_shown(app_server: RunningApp, new_page) -> None:
    """The race the live map cannot prevent: another customer takes the seat after this one
    pressed Proceed and before the hold arrives. The hold is refused as a whole (409), the
    page says which seat went, shows it taken and leaves Proceed usable; nothing is held."""
    url = app_server.url
    showtime = app_server.showtimes_on("Audi 1 IMAX")[2]
    rival_page = new_page()
    sign_up(rival_page, url)
    rival = next(c["value"] for c in rival_page.context.cookies() if c["name"] == "bms_session")
    page = new_page()
    sign_up(page, url, next_path=f"/showtimes/{showtime}")
    open_seat_map(page, url, showtime)
    free = page.locator("button[aria-label$=', available']")
    wanted, other = seat(page, free.nth(10)), seat(page, free.nth(11))
    wanted_id = next(s["id"] for s in seat_plan(url, showtime) if s["label"] == label_of(wanted))
    wanted.click()
    other.click()

    def rival_first(route) -> None:  # the rival's hold lands between the click and ours
        assert hold_over_http(url, rival, showtime, [wanted_id])["status"] == 201
        route.continue_()

    page.route("**/api/showtimes/*/holds", rival_first)
    watched(page).allowed_requests.append(r"^409 .*/holds$")
    watched(page).allowed_console.append(r"status of 409")
    page.get_by_role("button", name="Proceed").click()
    expect_toast(page, rf"Seat {label_of(wanted)} was just taken")
    expect(page).to_have_url(re.compile(rf"/showtimes/{showtime}$"))
    expect(wanted).to_have_attribute("aria-label", re.compile(r", held by someone else$"))
    expect(wanted).to_have_attribute("aria-pressed", "false")
    expect(other).to_have_attribute("aria-pressed", "true")  # the rest of the choice stays
    expect(page.get_by_role("button", name="Proceed")).to_be_enabled()
    assert app_server.query(
        "SELECT count(*) FROM booking_seat WHERE showtime_id = :s AND seat_id = :seat",
        s=showtime,
        seat=wanted_id,
    ) == [(1,)]  # the rival's line only


def label_of(seat_button) -> str:
    """ "Row F, seat 12, ..." → "F12"."""
    row, number = re.match(r"Row ([A-Z]+), seat (\d+)", seat_button.get_attribute("title")).groups()
    return f"{row}{number}"


def test_an_expired_hold_returns_the_seats_and_says_so(app_server: RunningApp, new_page) -> None:
    url = app_server.url
    showtime = app_server.showtimes_on("Audi 1 IMAX")[2]
    holder, watcher = new_page(), new_page()
    # A customer of its own: a hold that runs out keeps its account off the show for a while
    # (the cooldown), which must not reach the other tests' demo customer.
    sign_up(holder, url, next_path=f"/showtimes/{showtime}")
    open_seat_map(holder, url, showtime)
    open_seat_map(watcher, url, showtime)  # anonymous viewers see live changes too

    chosen = seat(holder, holder.locator("button[aria-label$=', available']").nth(60))
    title = chosen.get_attribute("title")
    chosen.click()
    holder.get_by_role("button", name="Proceed").click()
    expect(holder).to_have_url(re.compile(r"/checkout/[A-Z0-9]{8}$"))
    reference = holder.url.rsplit("/", 1)[-1]
    on_watcher = watcher.locator(f'button[title="{title}"]')
    expect(on_watcher).to_have_attribute(
        "aria-label", re.compile(r", held by someone else$"), timeout=LIVE_WITHIN_MS
    )

    # The short expiry for this test: the hold now ends in 4 seconds.
    app_server.execute(
        "UPDATE booking SET hold_expires_at = :ends WHERE reference = :reference",
        ends=_seconds_from_now(4),
        reference=reference,
    )
    holder.reload()
    expect(holder.get_by_test_id("countdown")).to_have_text(re.compile(r"^00:0[0-4]$"))
    expect(holder.get_by_test_id("hold-ended")).to_contain_text("hold ran out", timeout=15000)
    expect_toast(holder, r"seats were released")
    expect(holder.get_by_role("button", name=re.compile(r"^Pay "))).to_be_disabled()
    holder.screenshot(path=str(ARTIFACTS / "hold-expired.png"), full_page=True)
    expect(on_watcher).to_have_attribute("aria-label", re.compile(r", available$"), timeout=5000)


def _seconds_from_now(seconds: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")
