"""An admin changes a screen's layout in the editor: refused, naming the seat, when a customer
of a coming show holds it; saved when nobody loses a seat."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import expect_toast, sign_in
from tests.e2e.server import RunningApp
from tests.reflex_client import hold_over_http

SCREEN = "Marine Lines Talkies · Screen 2 Gold"


def test_a_layout_change_is_refused_while_a_coming_shows_seat_is_held(
    app_server: RunningApp, new_page
) -> None:
    url = app_server.url
    show = app_server.showtimes_on("Screen 2 Gold")[0]
    seat = app_server.query(
        "SELECT seat.id FROM seat JOIN showtime ON showtime.screen_id = seat.screen_id "
        "WHERE showtime.id = :show AND seat.label = 'C1'",
        show=show,
    )[0][0]
    # A customer of the demo history, so that no other test's customer meets this hold.
    held = hold_over_http(url, app_server.session_for("demo_fan_03"), show, [seat])
    assert held["status"] == 201, held

    admin = new_page(1400, 1000)
    admin.goto(f"{url}/login?next=/admin/catalog")
    sign_in(admin, url, "admin1", "admin@123")
    admin.get_by_role("combobox", name="Screen to change").click()
    admin.get_by_role("option", name=SCREEN).click()
    editor = admin.get_by_label("Seat layout")
    expect(editor).to_have_value(re.compile(r"^A Recliner WS_SSSS_SW\n"))
    layout = editor.input_value()

    editor.fill(layout.replace("C Recliner SS_SSSS_SS", "C Recliner XS_SSSS_SS"))
    admin.get_by_role("button", name="Save layout").click()
    expect_toast(admin, r"nothing was changed: C1 \(held for \w+ \d\d \w+ \d\d:\d\d IST\)")
    ARTIFACTS.mkdir(exist_ok=True)
    admin.screenshot(path=str(ARTIFACTS / "admin-layout-refused.png"), full_page=True)

    editor.fill(layout.replace("B Recliner SS_SSSS_SS", "B Recliner SS_SSSSS_SS"))
    admin.get_by_role("button", name="Save layout").click()
    expect_toast(admin, f"Layout of {SCREEN} saved")
    assert (
        app_server.query(
            "SELECT count(*) FROM seat JOIN screen ON screen.id = seat.screen_id "
            "WHERE screen.name = 'Screen 2 Gold' AND seat.label = 'B9'"
        )[0][0]
        == 1
    )
