"""State of the admin area. Every handler passes the signed-in account to `services.admin`,
which checks the role on the server and logs refusals; the page guard only saves a round trip."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, timedelta

import reflex as rx

from bookmyseat.services.booking.references import client_reference
from bookmyseat.services.catalog.local_time import local_text
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.money import format_money, format_number
from bookmyseat.services.reporting.ranges import CUSTOM, DEFAULT_RANGE, RANGES, range_days
from bookmyseat.services.staff import actions, exports
from bookmyseat.services.staff.access import AccessDenied, TwoFactorNeeded, require_staff
from bookmyseat.settings import get_settings
from bookmyseat.state import admin_charts
from bookmyseat.state.auth import AuthState


class AdminState(AuthState):
    """Shared by every admin page: who may see it."""

    is_admin: bool = False
    is_staff: bool = False  # the guard has let this account in (pages show nothing before)

    @rx.event
    async def guard(self):
        """On load of every admin page: staff only (checked and logged on the server)."""
        self.is_staff = False
        account = await self._current_account()
        path = self.router.url.path.rstrip("/") or "/"
        try:
            await asyncio.to_thread(require_staff, account, f"the page {path}")
        except TwoFactorNeeded as exc:  # enrol, or (enrolled) sign in again with a code
            where = "/login?next=" + path if account.two_factor else "/account/two-factor"
            return [rx.redirect(where), rx.toast.info(exc.message)]
        except AccessDenied as exc:
            if account is None:
                return rx.redirect(f"/login?next={path}")
            return [rx.redirect("/"), rx.toast.error(exc.message)]
        self.is_admin = account.role == "admin"
        self.is_staff = True
        return None

    async def _run(self, staff_action, *args, **kwargs):
        """Call a staff action (from services.admin) as the signed-in account, in a thread."""
        account = await self._current_account()
        return await asyncio.to_thread(staff_action, account, *args, **kwargs)


@dataclasses.dataclass
class ActivityLine:
    at: str
    what: str
    reference: str
    amount: str


ACTIVITY_WORDS = {
    "paid": "Paid",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "email_failed": "Email failed",
}


class DashboardState(AdminState):
    activity: list[ActivityLine] = []
    activity_page: int = 0
    activity_more: bool = False
    range_name: str = DEFAULT_RANGE
    custom_from: str = ""
    custom_to: str = ""
    cinema: str = "All cinemas"
    cinemas: list[str] = ["All cinemas"]
    kpis: list[list[str]] = []
    # Charts as plotly's JSON, not Figure objects: every tab's first load (hydrate) copies the
    # default of every var of every page, and five empty Figures cost a worker more than the
    # seat map itself (a profile of the on-sale bench: 56 % of its time).
    revenue: dict = {}
    movies: dict = {}
    occupancy: dict = {}
    heatmap: dict = {}
    mix: dict = {}
    loading: bool = False
    clock: str = ""  # which zone the days and hours are on
    _cinema_ids: dict[str, int] = {}

    def _window(self) -> tuple[date, date]:
        return range_days(self.range_name, self.custom_from, self.custom_to)

    @rx.event
    async def load(self):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        try:
            self._cinema_ids = await self._run(actions.cinema_choices)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.cinemas = ["All cinemas", *self._cinema_ids]
        return DashboardState.refresh

    @rx.event
    async def set_range(self, name: str):
        self.range_name = name if name in RANGES else DEFAULT_RANGE
        if self.range_name != CUSTOM:
            return DashboardState.refresh
        return None

    @rx.event
    def set_custom(self, form: dict):
        self.custom_from = str(form.get("from", ""))[:10]
        self.custom_to = str(form.get("to", ""))[:10]
        return DashboardState.refresh

    @rx.event
    def set_cinema(self, name: str):
        self.cinema = name if name in self.cinemas else "All cinemas"
        return DashboardState.refresh

    @rx.event
    async def refresh(self):
        self.loading = True
        yield
        try:
            first, after = self._window()
            data = await self._run(
                actions.dashboard, first, after, self._cinema_ids.get(self.cinema)
            )
        except CustomerError as exc:
            self.loading = False
            yield rx.toast.error(exc.message)
            return
        k = data.kpis
        self.kpis = [
            ["Bookings", format_number(k.bookings)],
            ["Tickets", format_number(k.tickets)],
            ["Revenue (net of refunds)", format_money(k.revenue_paise)],
            ["Refunded", format_money(k.refunds_paise)],
            ["Occupancy", f"{k.occupancy_pct}%"],
            ["Average ticket", format_money(k.average_ticket_paise)],
            ["Customers", format_number(k.customers)],
            [
                "Promo codes used",
                f"{format_number(data.promos.bookings)} "
                + ("booking, " if data.promos.bookings == 1 else "bookings, ")
                + f"{format_money(data.promos.discount_paise)} off",
            ],
        ]
        self.clock = f"Days and hours on {data.zone} time" + (
            " (the site's zone)" if self.cinema == "All cinemas" else " (the cinema's zone)"
        )
        self.revenue = admin_charts.as_json(admin_charts.revenue_by_day(data))
        self.movies = admin_charts.as_json(admin_charts.tickets_by_movie(data))
        self.occupancy = admin_charts.as_json(admin_charts.occupancy_by_screen(data))
        self.heatmap = admin_charts.as_json(admin_charts.sales_heatmap(data))
        self.mix = admin_charts.as_json(admin_charts.category_mix(data))
        self.loading = False
        yield DashboardState.load_activity(0)

    @rx.event
    async def load_activity(self, step: int = 0):
        page = max(0, self.activity_page + step)
        try:
            items, more = await self._run(actions.activity, page)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.activity_page, self.activity_more = page, more
        self.activity = [
            ActivityLine(
                local_text(a.at, get_settings().default_timezone, "%d %b %H:%M"),
                ACTIVITY_WORDS.get(a.kind, a.kind) + (f": {a.detail}" if a.detail else ""),
                a.reference,
                format_money(a.amount_paise) if a.amount_paise else "",
            )
            for a in items
        ]
        return None

    @rx.event
    async def export_csv(self):
        try:
            first, after = self._window()
            cinema_id = self._cinema_ids.get(self.cinema)
            text = await self._run(exports.bookings_csv, first, after, cinema_id)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        return rx.download(data=text, filename=f"bookings-{first}-{after - timedelta(days=1)}.csv")


@dataclasses.dataclass
class BookingLine:
    reference: str
    status: str
    customer: str
    movie: str
    when: str
    seats: int
    total: str


def detail_lines(found: actions.BookingDetail) -> dict[str, list[str]]:
    """A booking as the staff dialog lists it: "C1 (Prime) ₹300", "demo pay_1: succeeded ₹660"."""
    entered = found.checked_in_at
    door = (
        f"checked in {local_text(entered, get_settings().default_timezone, '%d %b %H:%M')}"
        if entered
        else "not checked in"
    )
    total = format_money(found.total_paise, found.currency)
    return {
        "summary": [f"{found.status}, total {total}, {door}"],
        "seats": [
            f"{x.label} ({x.category}) {format_money(x.price_paise, found.currency)}"
            for x in found.seats
        ],
        "payments": [
            f"{p.provider} {p.provider_ref}: {p.status} "
            + format_money(p.amount_paise, found.currency)
            for p in found.payments
        ]
        or ["none"],
        "emails": [f"{e.kind} to {e.to_address}: {e.status}" for e in found.emails] or ["none"],
    }


class AdminBookingsState(AdminState):
    query: str = ""
    rows: list[BookingLine] = []
    working: str = ""
    asking: str = ""  # the booking whose "Cancel and refund" waits for a yes
    ask_text: str = ""
    viewing: str = ""
    detail: dict[str, list[str]] = {}

    @rx.event
    async def view(self, reference: str):
        try:
            found = await self._run(actions.booking_detail, reference)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.detail = detail_lines(found)
        self.viewing = reference
        return None

    @rx.event
    def close_view(self, is_open: bool = False):
        if not is_open:
            self.viewing = ""

    @rx.event
    async def search(self, form: dict | None = None):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        if form is not None:
            self.query = str(form.get("query", ""))[:120]
        try:
            found = await self._run(actions.find_bookings, self.query)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.rows = [
            BookingLine(
                r.reference,
                r.status,
                f"{r.customer} <{r.email}>",
                r.movie,
                local_text(r.starts_at, r.timezone),
                r.seats,
                format_money(r.total_paise),
            )
            for r in found
        ]
        return None

    @rx.event
    async def ask_cancel(self, reference: str):
        """Before "Cancel and refund": what the customer gets back, said once."""
        try:
            terms = await self._run(actions.cancel_terms, client_reference(reference))
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.asking, self.ask_text = terms.reference, terms.for_staff
        return None

    @rx.event
    def keep(self, is_open: bool = False):
        if not is_open:
            self.asking = ""

    @rx.event
    async def cancel(self, reference: str):
        self.asking = ""
        self.working = reference
        yield
        try:
            status = await self._run(actions.cancel_as_staff, reference)
        except CustomerError as exc:
            self.working = ""
            yield rx.toast.error(exc.message)
            return
        self.working = ""
        yield rx.toast.success(f"Booking {reference} is now {status}.")
        yield AdminBookingsState.search

    @rx.event
    async def resend(self, reference: str):
        try:
            await self._run(actions.resend_as_staff, reference)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success(f"The ticket for {reference} will be emailed again.")
