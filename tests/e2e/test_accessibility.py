"""axe-core (from the npm registry, installed by `make install`) on every page, customer and
admin, in the light and the dark theme: no violation of WCAG 2.1 A/AA or of axe's best
practices. The report of each run is kept in the artifacts folder."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ROOT, watched
from tests.e2e.server import RunningApp
from tests.reflex_client import hold_over_http

AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# A customer of the demo history (past bookings to show) whose holds no other test meets.
CUSTOMER = "demo_fan_02"
SEAT = {"light": "V1", "dark": "U1"}  # a row's end: holding it leaves nobody alone
SIGNED_OUT = ["/login", "/signup", "/forgot-password", "/reset-password?token=not-a-token"]
ADMIN = ["/admin", "/admin/bookings", "/admin/outbox", "/admin/scan", "/admin/catalog",
         "/admin/prices", "/admin/promos", "/admin/schedule", "/admin/waitlist",
         "/admin/audit"]  # fmt: skip


def customer_pages(app: RunningApp, seat: str) -> list[str]:
    """Every customer page, with a held booking (of `seat`) and a paid one of CUSTOMER's."""
    show = app.showtimes_on("Audi 1 IMAX")[2]
    token = app.session_for(CUSTOMER)
    plan = app.query(
        "SELECT seat.id FROM seat JOIN showtime ON showtime.screen_id = seat.screen_id "
        "WHERE showtime.id = :show AND seat.label = :seat",
        show=show,
        seat=seat,
    )
    held = hold_over_http(app.url, token, show, [plan[0][0]])["reference"]
    paid = app.query(
        "SELECT booking.reference FROM booking JOIN app_user ON app_user.id = booking.user_id "
        "WHERE app_user.username = :customer AND booking.status = 'paid' LIMIT 1",
        customer=CUSTOMER,
    )
    pages = ["/", "/movies/chai-and-chaos", f"/showtimes/{show}", f"/checkout/{held}",
             f"/pay/demo/{held}", "/bookings", "/accessibility", "/account/two-factor"]  # fmt: skip
    return pages + [f"/bookings/{paid[0][0]}"] if paid else pages


def violations(page: Page, url: str) -> list[dict]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[aria-busy=\"true\"]')")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then((r) => r.violations)",
        RULES,
    )
    return [
        {
            "page": url.split("//", 1)[-1].split("/", 1)[-1],
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [{"target": n["target"], "why": n["failureSummary"]} for n in v["nodes"]],
        }
        for v in found
    ]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_nothing_on_any_page(app_server: RunningApp, new_page, color_scheme) -> None:
    url = app_server.url
    found: list[dict] = []
    visitor = new_page(1280, 900, color_scheme=color_scheme)
    watched(visitor).allowed_requests.append(r"^404 .*/no-such-page$")
    watched(visitor).allowed_console.append(r"status of 404")
    for path in [*SIGNED_OUT, "/no-such-page"]:
        found += violations(visitor, url + path)
    customer = customer_pages(app_server, SEAT[color_scheme])
    for user, paths in ((CUSTOMER, customer), ("admin1", ADMIN)):
        page = new_page(1280, 900, color_scheme=color_scheme)
        page.context.add_cookies(
            [{"name": "bms_session", "value": app_server.session_for(user), "url": url}]
        )
        for path in paths:
            found += violations(page, url + path)
    ARTIFACTS.mkdir(exist_ok=True)
    report = ARTIFACTS / f"axe-{color_scheme}.json"
    report.write_text(json.dumps(found, indent=1))
    summary = [
        f"{v['page']}: {v['rule']} ({v['impact']}, {len(v['nodes'])} nodes) "
        f"e.g. {v['nodes'][0]['target']}"
        for v in found
    ]
    assert not found, f"axe found {len(found)} problems (see {report}):\n" + "\n".join(summary)


@pytest.mark.parametrize(
    ("color_scheme", "width", "height"),
    [("light", 1280, 900), ("dark", 1280, 900), ("light", 390, 844), ("dark", 390, 844)],
)
def test_the_seat_map_in_use_passes_axe_and_is_pictured(
    app_server: RunningApp, new_page, color_scheme: str, width: int, height: int
) -> None:
    """The map as a customer leaves it mid-choice: chosen seats, best-available offers outlined,
    a seat about to be left alone, taken seats; on a desktop and a phone, light and dark."""
    url = app_server.url
    page = new_page(width, height, color_scheme=color_scheme)
    page.context.add_cookies(
        [{"name": "bms_session", "value": app_server.session_for("mzsp_"), "url": url}]
    )
    show = app_server.showtimes_on("Audi 1 IMAX")[4]
    page.goto(f"{url}/showtimes/{show}")
    grid = page.get_by_role("group", name="Seat map")
    expect(grid).to_have_attribute("aria-busy", "false")
    if width < 600:
        page.get_by_role("button", name="Zoom in to choose").click()  # the whole map first
    page.get_by_role("button", name="Best available").click()
    expect(page.get_by_role("button", name=re.compile(r"^Take ")).first).to_be_visible()
    page.locator('button[title^="Row B, seat 2,"]').click()  # B1 would be left alone
    expect(page.locator("button.seat-alone")).to_have_count(1)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then((r) => r.violations.map((v) => `${v.id}: ${v.nodes.length} nodes, e.g. "
        "${v.nodes[0].target}`))",
        RULES,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"seat-map-{width}px-{color_scheme}.png"), full_page=True)
    assert not found, found
