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
