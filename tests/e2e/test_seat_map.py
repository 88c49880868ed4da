"""Seat map: anonymous Proceed goes to login and back; seats by mouse and keyboard; hold;
checkout with prices, fee, total and countdown; release."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, watched
from tests.e2e.helpers import expect_toast, seat, sign_in
from tests.e2e.server import RunningApp


def test_pick_hold_and_release(app_url: str, page) -> None:
    page.goto(f"{app_url}/movies/orbit-of-silence")
    page.locator("a[href^='/showtimes/']").first.click()
    expect(page).to_have_url(re.compile(r"/showtimes/\d+$"))
    show_url = page.url
    seats = page.get_by_role("group", name="Seat map").get_by_role("button")
    expect(seats.first).to_be_visible()
    first = seat(page, page.locator("button[aria-label*=', available']").first)
    label = first.get_attribute("aria-label")
    assert re.match(r"Row [A-Z]+, seat \d+, (Classic|Prime|Recliner), ₹\d+", label), label
    first.click()
    expect(first).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Proceed").click()
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fshowtimes%2F\d+%3Fseats%3D\d+$"))
    sign_in(page, app_url)
    expect(page).to_have_url(re.compile(re.escape(show_url) + r"\?seats=\d+$"))
    expect(page.get_by_test_id("signed-in-as")).to_have_text("mzsp_")
    # The seat chosen before signing in is still chosen after it.
    expect(page.get_by_role("group", name="Seat map")).to_have_attribute("aria-busy", "false")
    expect(first).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("running-total")).to_contain_text("1 of 10 seats")

    free = page.locator("button[aria-label$=', available']")
    by_mouse, by_keyboard = seat(page, free.nth(0)), seat(page, free.nth(1))
    by_mouse.click()
    by_keyboard.focus()
    page.keyboard.press("Enter")
    expect(by_keyboard).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Space")
    expect(by_keyboard).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Space")
    expect(page.get_by_test_id("running-total")).to_contain_text("3 of 10 seats")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "seat-map-selected.png"), full_page=True)

    page.get_by_role("button", name="Proceed").click()
    expect(page).to_have_url(re.compile(r"/checkout/[A-Z0-9]{8}$"))
    expect(page.get_by_role("cell", name="Convenience fee")).to_be_visible()
    expect(page.get_by_test_id("total")).to_have_text(re.compile(r"₹\d"))
    expect(page.get_by_test_id("countdown")).to_have_text(re.compile(r"^(10:00|09:[0-5]\d)$"))
    page.screenshot(path=str(ARTIFACTS / "checkout.png"), full_page=True)

    page.get_by_role("button", name="Release seats").click()
    expect_toast(page, "Your seats were released")
    expect(page).to_have_url(show_url)
    expect(page.locator("button[aria-label$=', held by you']")).to_have_count(0)


def test_unknown_showtime_says_so(app_url: str, page) -> None:
    page.goto(f"{app_url}/showtimes/999999")
    expect(page.get_by_role("heading", name="Show not found")).to_be_visible()


def test_hold_decline_then_pay_with_the_demo_gateway(
    app_url: str, app_server: RunningApp, page
) -> None:
    page.goto(f"{app_url}/login?next=/movies/chai-and-chaos")
    sign_in(page, app_url)
    expect(page).to_have_url(f"{app_url}/movies/chai-and-chaos")
    # A show at least six hours away: the booking is cancelled at the end, which customers may
    # do only until two hours before the show (the soonest show depends on the time of day).
    page.goto(f"{app_url}/showtimes/{app_server.showtimes_on('Audi 2')[0]}")
    expect(page.get_by_role("group", name="Seat map")).to_have_attribute("aria-busy", "false")
    seat(page, page.locator("button[aria-label$=', available']").last).click()
    page.get_by_role("button", name="Proceed").click()
    expect(page).to_have_url(re.compile(r"/checkout/[A-Z0-9]{8}$"))
    reference = page.url.rsplit("/", 1)[-1]
    expect(page.get_by_test_id("total")).to_have_text(re.compile(r"^₹\d"))
    total = page.get_by_test_id("total").inner_text()

    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_role("heading", name="Demo payment — no card is charged")).to_be_visible()
    page.get_by_role("button", name="Decline").click()
    expect_toast(page, r"Payment declined \(demo\)")
    expect(page).to_have_url(f"{app_url}/checkout/{reference}")
    expect(page.get_by_test_id("countdown")).to_be_visible()

    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_test_id("booking-status")).to_have_text("Waiting for payment")
    page.get_by_role("button", name=f"Pay {total}").click()
    expect(page).to_have_url(f"{app_url}/bookings/{reference}")
    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()
    expect_toast(page, "Payment received. Enjoy the show!")
    expect(page.get_by_test_id("booking-reference")).to_have_text(reference)
    expect(page.get_by_test_id("booking-status")).to_have_text("Confirmed")
    expect(page.get_by_test_id("booking-amount")).to_have_text(total)
    page.screenshot(path=str(ARTIFACTS / "confirmation.png"), full_page=True)

    page.get_by_role("link", name="My bookings").click()
    expect(page).to_have_url(f"{app_url}/bookings")
    mine = page.get_by_test_id("my-booking").filter(has_text=reference)
    expect(mine).to_contain_text("Confirmed")
    mine.get_by_role("button", name="Email my ticket again").click()
    expect_toast(page, "Your ticket is on its way")
    mine.get_by_role("button", name="Email my ticket again").click()
    expect_toast(page, "We sent your ticket a few minutes ago")
    mine.get_by_role("button", name="Cancel booking").click()
    # Asked once, saying what comes back; "Keep my booking" changes nothing.
    terms = page.get_by_test_id("cancel-terms")
    expect(terms).to_contain_text(f"You get back {total}: the tickets")
    expect(terms).to_contain_text("demo payment")
    page.screenshot(path=str(ARTIFACTS / "cancel-confirmation.png"), full_page=True)
    page.get_by_role("button", name="Keep my booking").click()
    expect(terms).to_have_count(0)
    expect(mine).to_contain_text("Confirmed")
    mine.get_by_role("button", name="Cancel booking").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect_toast(page, r"Booking \w+ is cancelled; its seats are free again\. Refund of ")
    expect(mine).to_contain_text("Cancelled")
    expect(mine.get_by_role("button", name="Cancel booking")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "my-bookings.png"), full_page=True)
    mine.get_by_role("link", name="Details").click()
    expect(page.get_by_test_id("booking-refund")).to_contain_text(f"Refund of {total}")


def test_best_available_holds_four_seats_in_two_clicks(app_url: str, page) -> None:
    page.goto(f"{app_url}/login?next=/movies/orbit-of-silence")
    sign_in(page, app_url)
    page.locator("a[href^='/showtimes/']").first.click()
    expect(page.get_by_role("group", name="Seat map")).to_have_attribute("aria-busy", "false")
    page.get_by_label("How many seats?").select_option("4")
    page.get_by_role("button", name="Best available").click()  # click one
    offers = page.get_by_role("button", name=re.compile(r"^Take "))
    expect(offers.first).to_be_visible()
    expect(page.locator("button.seat-offered")).to_have_count(4 * offers.count())
    label = offers.first.inner_text()
    seats = re.match(r"Take \w+ ((?:[A-Z]+\d+, ){3}[A-Z]+\d+) · ₹", label)
    assert seats, label
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "best-available.png"), full_page=True)
    offers.first.click()  # click two
    expect(page).to_have_url(re.compile(r"/checkout/[A-Z0-9]{8}$"))
    for seat_label in seats.group(1).split(", "):
        expect(page.get_by_role("cell", name=seat_label, exact=True)).to_be_visible()
    page.get_by_role("button", name="Release seats").click()
    expect_toast(page, "Your seats were released")


def test_arrow_keys_move_between_seats_and_one_seat_is_in_the_tab_order(app_url: str, page) -> None:
    page.goto(f"{app_url}/movies/orbit-of-silence")
    page.locator("a[href^='/showtimes/']").first.click()
    seat_map = page.get_by_role("group", name="Seat map")
    expect(seat_map).to_have_attribute("aria-busy", "false")
    expect(seat_map.locator("button[tabindex='0']")).to_have_count(1)

    def focused() -> tuple[str, int]:
        row, number = re.match(
            r"Row ([A-Z]+), seat (\d+)", page.evaluate("document.activeElement.title")
        ).groups()
        return row, int(number)

    seat_map.locator("button[aria-label$=', available']").nth(5).focus()
    row, number = focused()
    page.keyboard.press("ArrowRight")
    assert focused() == (row, number + 1)
    page.keyboard.press("ArrowDown")
    below, _ = focused()
    assert below > row
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    assert focused() == (row, number)
    expect(seat_map.locator("button[tabindex='0']")).to_have_count(1)  # the roving one moved
    page.keyboard.press("Space")
    expect(page.locator("*:focus")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("End")
    assert focused()[0] == row and focused()[1] > number
    page.keyboard.press("Home")
    assert focused()[0] == row and focused()[1] < number


def test_a_choice_that_leaves_a_seat_alone_is_refused_in_the_browser_and_by_the_server(
    app_url: str, page
) -> None:
    page.goto(f"{app_url}/login?next=/movies/orbit-of-silence")
    sign_in(page, app_url)
    page.locator("a[href^='/showtimes/']").first.click()
    seat_map = page.get_by_role("group", name="Seat map")
    expect(seat_map).to_have_attribute("aria-busy", "false")
    # The map names each block of rows with its category and price, where the block starts.
    bands = seat_map.locator(".category-band")
    expect(bands.first).to_have_text(re.compile(r"^CLASSIC ₹\d+$"))
    assert bands.count() >= 2
    first, second = (page.locator(f'button[title^="Row B, seat {n},"]') for n in (1, 2))
    proceed = page.get_by_role("button", name="Proceed")
    notice = page.get_by_test_id("seat-notice")

    second.click()  # B1 would be left alone between B2 and the row's end
    expect(notice).to_have_text(re.compile(r"^Please don't leave B1 on its own"))
    expect(first).to_have_class(re.compile(r"\bseat-alone\b"))
    expect(first).to_have_attribute("aria-label", re.compile(r"would be left on its own$"))
    expect(proceed).to_be_disabled()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "seat-map-gap-refused.png"), full_page=True)
    first.click()  # both together leave nobody alone
    expect(notice).to_have_text("")
    expect(proceed).to_be_enabled()
    expect(page.locator("button.seat-alone")).to_have_count(0)

    # A forged request that skips the picker's check meets the same rule on the server.
    watched(page).allowed_requests.append(r"^422 .*/holds$")
    watched(page).allowed_console.append(r"status of 422")
    answer = page.evaluate(
        """async (seatId) => {
            const url = `/api/showtimes/${location.pathname.split("/").pop()}/holds`;
            const r = await fetch(url, {method: "POST", credentials: "same-origin",
              headers: {"Content-Type": "application/json"},
              body: JSON.stringify({seat_ids: [seatId]})});
            return {status: r.status, body: await r.json()};
        }""",
        int(second.get_attribute("data-seat-id")),
    )
    assert answer["status"] == 422, answer
    assert answer["body"]["error"].startswith("Please don't leave B1 on its own"), answer
    assert answer["body"]["alone"] == int(first.get_attribute("data-seat-id"))
