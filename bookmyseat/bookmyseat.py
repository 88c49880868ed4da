"""The Reflex app: pages registered, background tasks started.

Our tables are plain SQLModel (services must not import Reflex); they live in SQLModel's shared
MetaData, which rx.Model is registered with, so importing `models` is what `reflex db` needs.
"""

from __future__ import annotations

import reflex as rx

from bookmyseat import models  # noqa: F401 - registers every table for `reflex db`
from bookmyseat.api import api
from bookmyseat.db import one_off_engine
from bookmyseat.live_seats import broadcast_forever
from bookmyseat.pages.accessibility import accessibility_page
from bookmyseat.pages.admin import (
    audit_page,
    bookings_page,
    dashboard_page,
    outbox_page,
    scan_page,
)
from bookmyseat.pages.admin_catalog import catalog_page
from bookmyseat.pages.admin_onsale import onsale_page
from bookmyseat.pages.admin_prices import prices_page
from bookmyseat.pages.admin_promos import promos_page
from bookmyseat.pages.admin_waitlist import waitlist_page
from bookmyseat.pages.admin_week import week_page
from bookmyseat.pages.auth import login_page, signup_page
from bookmyseat.pages.checkout import checkout_page
from bookmyseat.pages.home import home
from bookmyseat.pages.movie import movie_page
from bookmyseat.pages.not_found import not_found_page
from bookmyseat.pages.password_reset import forgot_password_page, reset_password_page
from bookmyseat.pages.payment import confirmation_page, demo_pay_page, my_bookings_page
from bookmyseat.pages.showtime import showtime_page
from bookmyseat.pages.stripe_return import stripe_return_page
from bookmyseat.pages.two_factor import two_factor_page
from bookmyseat.pages.verify_email import verify_email_page
from bookmyseat.server.client_address import with_client_address
from bookmyseat.server.edge_limits import EdgeLimits, UploadGate, with_edge_limits
from bookmyseat.server.headers import with_security_headers
from bookmyseat.server.log_format import configure_logging
from bookmyseat.server.patches import reflex_lock_fix
from bookmyseat.server.production_gate import refuse_if_unsafe
from bookmyseat.server.tasks import (
    offer_to_waitlists,
    relay_seat_changes,
    report_open_sockets,
    send_outbox,
    stripe_housekeeping,
    sweep_lapsed_holds,
)
from bookmyseat.settings import get_settings
from bookmyseat.state.admin import AdminBookingsState, AdminState, DashboardState
from bookmyseat.state.admin_catalog import CatalogState
from bookmyseat.state.admin_onsale import OnSaleState
from bookmyseat.state.admin_prices import PricesState
from bookmyseat.state.admin_promos import PromosState
from bookmyseat.state.admin_tools import AuditState, OutboxState, ScanState
from bookmyseat.state.admin_waitlist import AdminWaitlistState
from bookmyseat.state.admin_week import WeekState
from bookmyseat.state.auth import AuthState, LoginState, SessionBinding, SignupState
from bookmyseat.state.checkout import CheckoutState
from bookmyseat.state.home import HomeState
from bookmyseat.state.movie import MovieState
from bookmyseat.state.payment import ConfirmationState, DemoPayState, MyBookingsState
from bookmyseat.state.seat_map import SeatMapState
from bookmyseat.state.stripe_return import StripeReturnState
from bookmyseat.state.two_factor import TwoFactorState
from bookmyseat.state.verify_email import VerifyEmailState

DEMO_PAYMENT_ROUTES = [
    (demo_pay_page, "/pay/demo/[reference]", "demo payment", DemoPayState.load),
]
# Staff pages: each load is guarded, and every action re-checks the role in services.admin.
ADMIN_ROUTES = [
    (dashboard_page, "/admin", "admin dashboard", [AdminState.guard, DashboardState.load]),
    (
        bookings_page,
        "/admin/bookings",
        "admin bookings",
        [AdminState.guard, AdminBookingsState.search],
    ),
    (outbox_page, "/admin/outbox", "email outbox", [AdminState.guard, OutboxState.load]),
    (scan_page, "/admin/scan", "door scanner", [AdminState.guard, ScanState.load]),
    (catalog_page, "/admin/catalog", "catalog", [AdminState.guard, CatalogState.load]),
    (prices_page, "/admin/prices", "prices", [AdminState.guard, PricesState.load]),
    (promos_page, "/admin/promos", "promo codes", [AdminState.guard, PromosState.load]),
    (week_page, "/admin/schedule", "schedule a week", [AdminState.guard, WeekState.load]),
    (
        waitlist_page,
        "/admin/waitlist",
        "waiting lists",
        [AdminState.guard, AdminWaitlistState.load],
    ),
    (onsale_page, "/admin/onsale", "on-sale lines", [AdminState.guard, OnSaleState.load]),
    (audit_page, "/admin/audit", "audit log", [AdminState.guard, AuditState.load]),
]
STRIPE_ROUTES = [
    (stripe_return_page, "/payments/stripe/success", "payment", StripeReturnState.load),
]


# The on-sale's pages ask who is signed in anyway and show it themselves: a page load costs one
# event (a state load and save) and one look-up fewer (bench/onsale.py).
LOADS_SHOWING_IDENTITY = (SeatMapState.load, CheckoutState.load)


def routes(demo_payments: bool) -> list[tuple]:
    """(page, route, title, the page's own on_load). Dynamic routes come before static ones; every
    page first learns who is signed in (in its own load, or AuthState.refresh_identity before
    it). The demo payment page exists only without Stripe keys."""
    return [
        (movie_page, "/movies/[slug]", "movie", MovieState.load),
        (showtime_page, "/showtimes/[id]", "choose seats", SeatMapState.load),
        (checkout_page, "/checkout/[reference]", "checkout", CheckoutState.load),
        *(DEMO_PAYMENT_ROUTES if demo_payments else STRIPE_ROUTES),
        (confirmation_page, "/bookings/[reference]", "your booking", ConfirmationState.load),
        (my_bookings_page, "/bookings", "my bookings", MyBookingsState.load),
        (home, "/", "now showing", HomeState.load),
        (login_page, "/login", "sign in", LoginState.remember_next),
        (signup_page, "/signup", "create an account", SignupState.remember_next),
        (forgot_password_page, "/forgot-password", "forgot password", None),
        (reset_password_page, "/reset-password", "choose a new password", None),
        (verify_email_page, "/verify-email", "confirm your email address", VerifyEmailState.load),
        (two_factor_page, "/account/two-factor", "two-factor sign-in", TwoFactorState.load),
        (accessibility_page, "/accessibility", "accessibility", None),
        (not_found_page, "404", "page not found", None),
        *ADMIN_ROUTES,
    ]


# Reflex 0.10.1 can leave a tab's state lock held after a full page load (see the module).
reflex_lock_fix.install()

# BOOKMYSEAT_ENV=production logs JSON lines, and stops here listing what is unsafe. The server
# imports this module in its supervisor, which then forks the workers: the gate's database read
# keeps no connection for them to inherit (bookmyseat.db).
configure_logging(get_settings())
with one_off_engine() as gate_engine:
    refuse_if_unsafe(get_settings(), gate_engine)

app = rx.App(
    stylesheets=["/theme.css", "/seatmap.css"],
    head_components=[rx.script(src="/camera_scan.js"), rx.script(src="/countdown.js")],
    api_transformer=[
        api,
        # Only staff upload (posters): any other upload is refused before its body is read.
        with_edge_limits(
            EdgeLimits.from_settings(get_settings()), UploadGate.of(CatalogState.upload_poster)
        ),
        with_security_headers(get_settings().public_url.startswith("https://")),
        # Outermost: who the client is, decided once for every layer and route inside.
        with_client_address(get_settings().trusted_proxy_networks),
    ],
)
# A tab's private data follows the browser's session cookie (state.auth.SessionBinding).
app.add_middleware(SessionBinding())
for page, route, title, load in routes(get_settings().demo_payments):
    own = load if isinstance(load, list) else [load] if load else []
    shown_by_own = own and any(own[0].fn is h.fn for h in LOADS_SHOWING_IDENTITY)
    on_load = own if shown_by_own else [AuthState.refresh_identity, *own]
    app.add_page(page, route=route, title=f"BookMySeat — {title}", on_load=on_load)
app.register_lifespan_task(sweep_lapsed_holds)
app.register_lifespan_task(relay_seat_changes)
app.register_lifespan_task(broadcast_forever)
app.register_lifespan_task(send_outbox)
app.register_lifespan_task(offer_to_waitlists)
app.register_lifespan_task(report_open_sockets)
if not get_settings().demo_payments:
    app.register_lifespan_task(stripe_housekeeping)
