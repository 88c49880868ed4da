"""A manager creates a promo code; a customer mistypes it, then applies it at checkout and pays
the discounted total; the code's use shows on the promo page and the dashboard."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import expect_toast, seat, sign_in
from tests.e2e.server import RunningApp


def test_a_code_is_created_applied_at_checkout_paid_and_counted(
    app_server: RunningApp, new_page
) -> None:
    url = app_server.url
    admin = new_page(1400, 1000)
    admin.goto(f"{url}/login?next=/admin/promos")
    sign_in(admin, url, "admin1", "admin@123")
    expect(admin.get_by_role("heading", name="Promo codes", exact=True)).to_be_visible()
    admin.get_by_label("Code", exact=True).fill("e2e-ten")
    admin.get_by_label("Discount (% or ₹)").fill("10")
    admin.get_by_label("Most uses").fill("1")
    admin.get_by_role("button", name="Create code").click()
    expect_toast(admin, "Code E2E-TEN created.")
    row = admin.get_by_test_id("promo-row").filter(has_text="E2E-TEN")
    expect(row).to_contain_text("10% off · every movie · every cinema")
    expect(row).to_contain_text("0 of 1")

    customer = new_page(900, 1000)
    customer.goto(f"{url}/login?next=/movies/chai-and-chaos")
    sign_in(customer, url)
    customer.locator("a[href^='/showtimes/']").nth(2).click()
    expect(customer.get_by_role("group", name="Seat map")).to_have_attribute("aria-busy", "false")
    seat(customer, customer.locator("button[aria-label$=', available']").last).click()
    customer.get_by_role("button", name="Proceed").click()
    expect(customer).to_have_url(re.compile(r"/checkout/[A-Z0-9]{8}$"))
    reference = customer.url.rsplit("/", 1)[-1]
    expect(customer.get_by_test_id("total")).to_have_text(re.compile(r"^₹\d+"))
    total_before = customer.get_by_test_id("total").inner_text()
    customer.get_by_label("Promo code").fill("E2E-TYPO")
    customer.get_by_role("button", name="Apply").click()
    expect(customer.get_by_test_id("promo-error")).to_have_text(
        "That code cannot be used for this booking."
    )
    expect(customer.get_by_test_id("total")).to_have_text(total_before)
    customer.get_by_label("Promo code").fill("e2e-ten")
    customer.get_by_role("button", name="Apply").click()
    expect(customer.get_by_text("Promo code E2E-TEN applied.")).to_be_visible()
    expect(customer.get_by_test_id("promo-error")).to_have_count(0)
    discount = customer.get_by_test_id("discount")
    expect(discount).to_have_text(re.compile(r"^−₹\d+"))
    expect(customer.get_by_test_id("total")).not_to_have_text(total_before)
    ARTIFACTS.mkdir(exist_ok=True)
    customer.screenshot(path=str(ARTIFACTS / "checkout-promo-code.png"), full_page=True)
    total = customer.get_by_test_id("total").inner_text()
    customer.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(
        customer.get_by_role("heading", name="Demo payment — no card is charged")
    ).to_be_visible()
    customer.get_by_role("button", name=f"Pay {total}").click()
    expect(customer.get_by_role("heading", name="You're booked!")).to_be_visible()
    expect_toast(customer, "Payment received. Enjoy the show!")
    expect(customer.get_by_text(re.compile(r"promo code E2E-TEN: −₹\d+"))).to_be_visible()
    paid = app_server.query(
        "SELECT b.total_paise, b.discount_paise, b.subtotal_paise + b.fee_paise, p.amount_paise "
        f"FROM booking b JOIN payment p ON p.booking_id = b.id WHERE b.reference = '{reference}'"
    )
    [(total_paise, discount_paise, undiscounted, amount)] = paid
    assert discount_paise > 0 and total_paise == undiscounted - discount_paise == amount

    admin.reload()
    row = admin.get_by_test_id("promo-row").filter(has_text="E2E-TEN")
    expect(row).to_contain_text("1 of 1")
    expect(row.get_by_role("cell").nth(5)).to_have_text("1")  # paid bookings
    admin.get_by_role("button", name="Pause E2E-TEN").click()
    expect(admin.get_by_role("button", name="Resume E2E-TEN")).to_be_visible()
    admin.screenshot(path=str(ARTIFACTS / "admin-promo-codes.png"), full_page=True)
    admin.goto(f"{url}/admin")
    expect(admin.get_by_text(re.compile(r"^1 booking, ₹\d+ off$"))).to_be_visible()
