"""The admin area in the browser: who gets in, the dashboard with its charts drawn, a refund,
the door scanner, and the audit log of it all."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from bookmyseat.db import make_engine
from bookmyseat.models import Seat, Showtime, User
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.tickets.codes import qr_png, ticket_code
from bookmyseat.settings import get_settings
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import choose_door, expect_toast, sign_in
from tests.e2e.server import RunningApp


def paid_booking(app: RunningApp, seat_index: int) -> str:
    """A customer's paid booking, made through the engine in the app's database."""
    engine = make_engine(app.database_url)
    try:
        from bookmyseat.db import read_session

        showtime = app.showtimes_on("Screen A")[0]
        with read_session(engine) as session:
            user = session.execute(select(User.id).where(User.username == "mzsp_")).scalar_one()
            screen = session.execute(
                select(Showtime.screen_id).where(Showtime.id == showtime)
            ).scalar_one()
            seat = (
                session.execute(
                    select(Seat.id)
                    .where(Seat.screen_id == screen, ~Seat.is_blocked)
                    .order_by(Seat.id)
                )
                .scalars()
                .all()[seat_index]
            )
        view = hold_seats(user, showtime, [seat], engine=engine)
        confirm_payment(
            view.reference,
            amount_paise=view.total_paise,
            currency=view.currency,
            provider="demo",
            provider_ref=f"admin-test-{view.reference}",
            engine=engine,
        )
        return view.reference
    finally:
        engine.dispose()


def test_staff_only_and_what_staff_can_do(app_server: RunningApp, new_page, tmp_path) -> None:
    url = app_server.url
    to_refund, to_scan = paid_booking(app_server, 3), paid_booking(app_server, 4)

    anonymous = new_page()
    anonymous.goto(f"{url}/admin?audit=true")
    expect(anonymous).to_have_url(re.compile(r"/login\?next=/admin$"))

    customer = new_page()
    customer.goto(f"{url}/login?next=/admin")
    customer.get_by_label("Username or email").fill("mzsp_")
    customer.get_by_label("Password").fill("pass@123")
    customer.get_by_role("button", name="Sign in").click()
    expect_toast(customer, "This part of the site is for cinema staff")
    expect(customer).to_have_url(f"{url}/")

    auditor = new_page()
    auditor.goto(f"{url}/login?next=/admin/bookings")
    sign_in(auditor, url, "auditor1", "audit@123")
    expect(auditor.get_by_text("Auditor: read only")).to_be_visible()
    expect(auditor.get_by_test_id("admin-booking").first).to_be_visible()
    expect(auditor.get_by_role("button", name="Cancel and refund")).to_have_count(0)

    admin = new_page(1400, 1000)
    admin.goto(f"{url}/login?next=/admin")
    sign_in(admin, url, "admin1", "admin@123")
    expect(admin.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(admin.get_by_test_id("kpi")).to_have_count(8)  # the last: promo codes used
    expect(admin.get_by_test_id("clock")).to_have_text(
        "Days and hours on Asia/Kolkata time (the site's zone)"
    )
    expect(admin.get_by_test_id("kpi").first).to_contain_text(re.compile(r"Bookings\s*[1-9]"))
    expect(admin.locator(".js-plotly-plot")).to_have_count(5, timeout=15_000)
    expect(admin.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    expect(admin.get_by_test_id("activity").first).to_contain_text("Paid")
    admin.screenshot(path=str(ARTIFACTS / "admin-dashboard.png"), full_page=True)

    admin.get_by_role("link", name="Catalog").click()
    layout = admin.get_by_label("Seat layout")
    layout.fill("A Classic WSS_SS\n-\nB Prime SSXS")
    expect(admin.get_by_test_id("layout-preview").locator(".seat")).to_have_count(9)
    layout.fill("A Gold SS")
    expect(admin.get_by_role("alert")).to_contain_text("unknown category")
    layout.fill("A Classic SSS_SS")
    expect(admin.get_by_test_id("layout-preview").locator(".seat")).to_have_count(5)

    def schedule(starts: str) -> None:
        admin.get_by_role("combobox", name="Movie", exact=True).click()
        admin.get_by_role("option").first.click()
        admin.get_by_role("combobox", name="Screen", exact=True).click()
        admin.get_by_role("option", name=re.compile("Audi 2")).click()
        admin.get_by_label("Starts (cinema's local time)").fill(starts)
        for category, rupees in (("Classic", "150"), ("Prime", "250"), ("Recliner", "400")):
            admin.get_by_label(f"{category} ₹").fill(rupees)
        admin.get_by_role("button", name="Schedule").click()

    schedule("2027-03-15T10:00")
    expect_toast(admin, "Showtime scheduled")
    schedule("2027-03-15T11:00")
    expect_toast(admin, "Audi 2 is busy then")
    admin.screenshot(path=str(ARTIFACTS / "admin-catalog.png"), full_page=True)

    columns = "title, synopsis, genres, language, certificate, cast_members, trailer_url"
    movie_before = app_server.query(f"SELECT {columns} FROM movie WHERE title = 'Paper Boats'")
    boats = admin.get_by_role("row").filter(has_text="Paper Boats")
    boats.get_by_role("button", name="Edit").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog.get_by_label("Title")).to_have_value("Paper Boats")
    dialog.get_by_label("Runtime (minutes)").fill("99")
    dialog.get_by_role("button", name="Save").click()
    expect_toast(admin, "Paper Boats saved")
    expect(boats).to_contain_text("99 min")
    # Every other column as it was: the form once left out the cast, and saving wiped it.
    assert app_server.query(f"SELECT {columns} FROM movie WHERE title = 'Paper Boats'") == (
        movie_before
    )
    assert movie_before[0][5], "the demo movie has a cast to keep"
    admin.get_by_label("New cinema").fill("Cinepolis Pune")
    admin.get_by_label("City").fill("Pune")
    admin.get_by_label("Address").fill("Nagar Road")
    admin.get_by_role("button", name="Add cinema").click()
    expect_toast(admin, "Cinepolis Pune added")

    admin.get_by_role("combobox").nth(0).click()
    admin.get_by_role("option", name="Paper Boats").click()
    poster = tmp_path / "poster.png"
    poster.write_bytes(qr_png("a poster"))
    admin.locator("input[type=file]").set_input_files(str(poster))
    admin.get_by_role("button", name="Upload poster").click()
    expect_toast(admin, "New poster for Paper Boats")
    admin.goto(f"{url}/")
    image = admin.get_by_role("img", name="Paper Boats poster")
    expect(image).to_have_attribute("src", re.compile(r"^/api/posters/paper-boats-\w+\.png$"))
    admin.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )

    admin.get_by_role("link", name="Admin").click()
    admin.get_by_role("link", name="Bookings", exact=True).click()
    admin.get_by_label("Find bookings").fill(to_refund)
    admin.get_by_role("button", name="Find").click()
    row = admin.get_by_test_id("admin-booking").filter(has_text=to_refund)
    expect(row).to_contain_text("paid")
    row.get_by_role("link", name=to_refund).click()
    expect(admin.get_by_test_id("booking-detail")).to_contain_text("succeeded")
    admin.get_by_role("button", name="Close").click()
    row.get_by_role("button", name="Cancel and refund").click()
    expect(admin.get_by_test_id("cancel-terms")).to_contain_text("Refund ₹")
    admin.get_by_role("button", name="Yes, cancel and refund").click()
    expect_toast(admin, r"Booking \w+ is now cancelled")
    expect(row).to_contain_text("cancelled")

    admin.get_by_role("link", name="Door scanner").click()
    [(cinema_id, cinema)] = app_server.query(
        "SELECT DISTINCT c.id, c.name FROM cinema c JOIN screen s ON s.cinema_id = c.id "
        "WHERE s.name = 'Screen A'"
    )
    door = f"{cinema} — Screen A"
    choose_door(admin, door)
    code = ticket_code(to_scan, get_settings().secret_key)
    verdict = admin.get_by_test_id("scan-verdict")
    admin.get_by_label("Ticket code").fill(code)
    admin.get_by_role("button", name="Check ticket").click()
    # The show is hours away: refused, naming the show, and not used up.
    expect(verdict).to_contain_text(re.compile(r"Not today|Too early"))
    expect(verdict).to_contain_text("Screen A")
    admin.reload()  # the door is remembered on this device
    expect(admin.get_by_label("Door")).to_contain_text(door)
    app_server.execute("UPDATE cinema SET door_opens_minutes = 10080 WHERE id = :id", id=cinema_id)
    try:
        admin.get_by_label("Ticket code").fill(code)
        admin.get_by_role("button", name="Check ticket").click()
        expect(verdict).to_contain_text("Welcome")
        admin.get_by_label("Ticket code").fill(code)
        admin.get_by_role("button", name="Check ticket").click()
        expect(verdict).to_contain_text("Already used")
        admin.get_by_role("button", name="Undo check-in").click()
        expect(verdict).to_contain_text("Check-in undone")
        admin.get_by_label("Ticket code").fill(code)
        admin.get_by_role("button", name="Check ticket").click()
        expect(verdict).to_contain_text("Welcome")
    finally:
        app_server.execute("UPDATE cinema SET door_opens_minutes = 45 WHERE id = :id", id=cinema_id)
    admin.get_by_role("button", name="Scan with the camera").click()
    # Headless Chromium on Linux has no QR detector or camera: the page says how to go on.
    expect(admin.get_by_test_id("camera-status")).to_contain_text("type the code")
    admin.screenshot(path=str(ARTIFACTS / "admin-scan.png"), full_page=True)

    admin.get_by_role("link", name="Audit log").click()
    table = admin.get_by_role("table")
    expect(table).to_contain_text("booking_cancelled")
    expect(table).to_contain_text("ticket_checked_in")
    expect(table).to_contain_text("ticket_check_in_undone")
    expect(table).to_contain_text("access_refused")
    expect(table).to_contain_text("showtime_created")
    expect(table).to_contain_text("movie_edited")
    expect(table).to_contain_text("mzsp_")
    admin.screenshot(path=str(ARTIFACTS / "admin-audit.png"), full_page=True)
