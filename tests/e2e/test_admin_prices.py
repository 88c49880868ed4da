"""An admin changes the price of a scheduled show; an auditor may look but not change."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import expect_toast, sign_in
from tests.e2e.server import RunningApp


def test_an_admin_changes_a_shows_prices_and_an_auditor_cannot(
    app_server: RunningApp, new_page
) -> None:
    url = app_server.url
    admin = new_page(1400, 1000)
    admin.goto(f"{url}/login?next=/admin/prices")
    sign_in(admin, url, "admin1", "admin@123")
    expect(admin.get_by_role("heading", name="Prices", exact=True)).to_be_visible()
    row = admin.get_by_test_id("price-row").filter(has_text="Classic").first
    expect(row).to_be_visible()
    when = row.get_by_role("cell").nth(1).inner_text()
    change = admin.get_by_role("button", name="Change prices of the chosen shows")
    expect(change).to_be_disabled()  # nothing chosen yet
    row.get_by_role("checkbox").click()
    admin.get_by_label("New Classic price ₹").fill("199")
    change.click()
    expect_toast(admin, "Prices changed for 1 show")
    changed = admin.get_by_test_id("price-row").filter(has_text=when).filter(has_text="₹199")
    expect(changed.first).to_contain_text(re.compile(r"Classic ₹199"))
    ARTIFACTS.mkdir(exist_ok=True)
    admin.screenshot(path=str(ARTIFACTS / "admin-prices.png"), full_page=True)
    entries = app_server.query("SELECT count(*) FROM audit_log WHERE action = 'prices_changed'")
    assert entries[0][0] == 1

    auditor = new_page()
    auditor.goto(f"{url}/login?next=/admin/prices")
    sign_in(auditor, url, "auditor1", "audit@123")
    auditor.get_by_test_id("price-row").first.get_by_role("checkbox").click()
    expect(auditor.get_by_role("button", name="Change prices of the chosen shows")).to_be_disabled()


def test_a_screens_price_template_prices_a_week_left_blank(
    app_server: RunningApp, new_page
) -> None:
    url = app_server.url
    admin = new_page(1400, 1000)
    admin.goto(f"{url}/login?next=/admin/prices")
    sign_in(admin, url, "admin1", "admin@123")
    admin.get_by_role("combobox", name="Screen whose template to edit").click()
    admin.get_by_role("option", name="Lakeside Multiplex · Screen B").click()
    template = admin.get_by_label("Price template")
    expect(template).to_have_value(re.compile(r"weekends 18:00"))  # the demo's template
    template.fill("every 09:00 Prime 200 Recliner 400\nweekends 18:00 Prime 260\nevery 25:00 X 1")
    admin.get_by_role("button", name="Save the template").click()
    expect_toast(admin, re.escape("Line 3 (every 25:00 X 1): 25:00 is not a time of day."))
    template.fill("every 09:00 Prime 200 Recliner 400\nweekends 18:00 Prime 260")
    admin.get_by_role("button", name="Save the template").click()
    expect_toast(admin, "Price template of Lakeside Multiplex · Screen B saved.")
    expect(template).to_have_value(re.compile(r"^every +09:00 +Prime 200 +Recliner 400\n"))

    admin.goto(f"{url}/admin/schedule")
    admin.get_by_role("checkbox", name="Lakeside Multiplex · Screen B").click()
    admin.get_by_role("combobox", name="Movie").click()
    admin.get_by_role("option", name="Paper Boats").click()
    admin.get_by_label("First day").fill("2027-07-02")  # a Friday
    admin.get_by_label("Last day").fill("2027-07-03")
    admin.get_by_label("Start times (cinema's clock)").fill("10:00 19:00")
    admin.get_by_role("button", name="Preview the week").click()
    expect(admin.get_by_test_id("week-summary")).to_have_text("4 shows, 0 clashing.")
    shows = admin.get_by_test_id("planned-show")
    expect(shows.filter(has_text="Fri 02 Jul 10:00")).to_contain_text("Prime ₹200 · Recliner ₹400")
    expect(shows.filter(has_text="Sat 03 Jul 19:00")).to_contain_text("Prime ₹260 · Recliner ₹400")
    ARTIFACTS.mkdir(exist_ok=True)
    admin.screenshot(path=str(ARTIFACTS / "admin-week-template-prices.png"), full_page=True)
