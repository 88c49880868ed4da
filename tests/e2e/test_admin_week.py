"""An admin schedules a week: the preview names each clash and nothing is made until none is
left; then the shows are made at once, and copying that week previews it a week later."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import expect_toast, sign_in
from tests.e2e.server import RunningApp


def test_a_week_is_previewed_with_its_clashes_then_scheduled_and_copied(
    app_server: RunningApp, new_page
) -> None:
    url = app_server.url
    admin = new_page(1400, 1000)
    admin.goto(f"{url}/login?next=/admin/schedule")
    sign_in(admin, url, "admin1", "admin@123")
    admin.get_by_role("checkbox", name="Lakeside Multiplex · Screen B").click()
    admin.get_by_role("combobox", name="Movie").click()
    admin.get_by_role("option", name="Paper Boats").click()
    admin.get_by_label("First day").fill("2027-06-07")
    admin.get_by_label("Last day").fill("2027-06-08")
    times = admin.get_by_label("Start times (cinema's clock)")
    times.fill("10:00 10:30")
    for category, rupees in (("Prime", "220"), ("Recliner", "420")):
        admin.get_by_label(f"{category} ₹").fill(rupees)
    admin.get_by_role("button", name="Preview the week").click()
    expect(admin.get_by_test_id("week-summary")).to_have_text("4 shows, 2 clashing.")
    clashing = admin.get_by_test_id("planned-show").filter(has_text="Mon 07 Jun 10:30")
    expect(clashing).to_contain_text("clashes with Paper Boats at 10:00 IST (this plan)")
    expect(admin.get_by_role("button", name="Schedule these shows")).to_be_disabled()
    ARTIFACTS.mkdir(exist_ok=True)
    admin.screenshot(path=str(ARTIFACTS / "admin-week-clashes.png"), full_page=True)

    times.fill("10:00 21:00")
    admin.get_by_role("button", name="Preview the week").click()
    expect(admin.get_by_test_id("week-summary")).to_have_text("4 shows, 0 clashing.")
    admin.get_by_role("button", name="Schedule these shows").click()
    expect_toast(admin, "4 shows scheduled")

    admin.get_by_label("Copy the week starting").fill("2027-06-07")
    admin.get_by_role("button", name="Preview it a week later").click()
    expect(admin.get_by_test_id("week-summary")).to_have_text("4 shows, 0 clashing.")
    expect(admin.get_by_test_id("planned-show").first).to_contain_text("Mon 14 Jun 10:00")
