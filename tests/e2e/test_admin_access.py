"""Role × admin route: anonymous visitors are sent to sign in, customers are turned away, staff
get in; an extra URL parameter changes nothing. Refusals are in the audit log."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.helpers import expect_toast, sign_in
from tests.e2e.server import RunningApp

ROUTES = {
    "/admin": "Dashboard",
    "/admin/catalog": "Catalog",
    "/admin/prices": "Prices",
    "/admin/schedule": "Schedule a week",
    "/admin/bookings": "Bookings",
    "/admin/outbox": "Email outbox",
    "/admin/scan": "Door scanner",
    "/admin/audit": "Audit log",
}
STAFF = {"auditor1": "audit@123", "admin1": "admin@123"}


def refusals(app: RunningApp) -> int:
    engine = create_engine(app.database_url)
    try:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM audit_log WHERE action = 'access_refused'"
            return conn.execute(text(query)).scalar_one()
    finally:
        engine.dispose()


def test_every_admin_route_for_every_role(app_server: RunningApp, new_page) -> None:
    url = app_server.url
    before = refusals(app_server)

    visitor = new_page()
    for route in ROUTES:
        visitor.goto(f"{url}{route}?audit=true")
        expect(visitor).to_have_url(re.compile(rf"/login\?next={re.escape(route)}$"))

    customer = new_page()
    customer.goto(f"{url}/login")
    sign_in(customer, url)
    for route in ROUTES:
        customer.goto(f"{url}{route}?audit=true&role=admin")
        expect(customer).to_have_url(f"{url}/")
        expect_toast(customer, "This part of the site is for cinema staff")
    # Refusals are logged, coalesced to a few entries a minute per account (tests/unit).
    assert refusals(app_server) > before

    for username, password in STAFF.items():
        staff = new_page()
        staff.goto(f"{url}/login")
        sign_in(staff, url, username, password)
        for route, heading in ROUTES.items():
            staff.goto(f"{url}{route}")
            expect(staff.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            expect(staff).to_have_url(re.compile(rf"{re.escape(route)}/?$"))
