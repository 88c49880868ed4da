"""The ticket in hand: after paying, the confirmation page and My bookings show the ticket's QR
code; decoded from the screen (zxing-cpp) it is the code the door scanner admits, once. The PDF
downloads, opens (pypdfium2), names the booking and carries the same QR; the .ics is the show."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdfium2
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import choose_door, door_open_for, expect_toast, seat, sign_in
from tests.e2e.server import RunningApp


def decoded(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def pay_for_one_seat(page, url: str) -> str:
    page.goto(f"{url}/login?next=/movies/chai-and-chaos")
    sign_in(page, url)
    page.locator("a[href^='/showtimes/']").nth(1).click()
    expect(page.get_by_role("group", name="Seat map")).to_have_attribute("aria-busy", "false")
    seat(page, page.locator("button[aria-label$=', available']").last).click()
    page.get_by_role("button", name="Proceed").click()
    expect(page).to_have_url(re.compile(r"/checkout/[A-Z0-9]{8}$"))
    reference = page.url.rsplit("/", 1)[-1]
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_role("heading", name="Demo payment — no card is charged")).to_be_visible()
    expect(page.get_by_test_id("booking-status")).to_have_text("Waiting for payment")
    page.get_by_role("button", name=re.compile(r"^Pay ₹")).click()
    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()
    expect_toast(page, "Payment received. Enjoy the show!")
    return reference


def test_the_ticket_on_screen_and_in_the_pdf_is_admitted_once(
    app_server: RunningApp, new_page
) -> None:
    url = app_server.url
    page = new_page(900, 1000)
    reference = pay_for_one_seat(page, url)
    expect(page.get_by_text(re.compile(r", \d\d:\d\d IST$"))).to_be_visible()  # the cinema's zone
    qr = page.get_by_test_id("ticket-qr")
    expect(qr).to_have_attribute("alt", re.compile(f"^Ticket QR code for booking {reference}"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    on_screen = decoded(qr.screenshot())
    assert len(on_screen) == 1 and on_screen[0].startswith(f"BMS1-{reference}-"), on_screen
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ticket-page.png"), full_page=True)

    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download ticket (PDF)").click()
    assert pdf.value.suggested_filename == f"bookmyseat-{reference}.pdf"
    document = pypdfium2.PdfDocument(pdf.value.path())
    assert len(document) == 1
    assert reference in document[0].get_textpage().get_text_range()
    rendered = document[0].render(scale=2).to_pil()
    rendered.save(ARTIFACTS / "ticket-pdf.png")
    buffer = io.BytesIO()
    rendered.save(buffer, format="PNG")
    assert decoded(buffer.getvalue()) == on_screen
    with page.expect_download() as ics:
        page.get_by_role("link", name="Add to calendar").click()
    assert f"UID:booking-{reference}@" in Path(ics.value.path()).read_text(encoding="utf-8")

    page.get_by_role("link", name="My bookings").click()
    mine = page.get_by_test_id("my-booking").filter(has_text=reference)
    expect(mine.get_by_test_id("ticket-qr")).to_be_visible()
    expect(mine.get_by_role("link", name="Download ticket (PDF)")).to_have_attribute(
        "href", f"/api/bookings/{reference}/ticket.pdf"
    )

    door = new_page(1200, 900)
    door.goto(f"{url}/login?next=/admin/scan")
    sign_in(door, url, "admin1", "admin@123")
    with door_open_for(app_server, reference) as at:
        choose_door(door, at)
        for verdict in ("Welcome", "Already used"):
            door.get_by_label("Ticket code").fill(on_screen[0])
            door.get_by_role("button", name="Check ticket").click()
            expect(door.get_by_test_id("scan-verdict")).to_contain_text(verdict)
