"""State of `/checkout/[reference]`: the held seats, their prices and the hold's countdown.

The countdown runs in the browser (assets/countdown.js) from `seconds_left`; the server is asked
only when it reaches zero (`hold_ran_out`), and the sweeper ends lapsed holds anyway."""

from __future__ import annotations

import asyncio
import dataclasses
import math

import reflex as rx

from bookmyseat.models import BookingStatus, utcnow
from bookmyseat.services.accounts.login_sessions import account_for_token
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.holds import end_hold_if_lapsed, release_hold
from bookmyseat.services.booking.records import BookingView, get_booking
from bookmyseat.services.booking.rules import UNPAID_LIVE
from bookmyseat.services.catalog.showtimes import ShowtimeSummary, showtime_summary
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.money import format_money
from bookmyseat.services.offers.promo_codes import apply_promo_code, remove_promo_code
from bookmyseat.services.payments.gateway import begin_payment
from bookmyseat.state.auth import AuthState
from bookmyseat.state.formatting import day_and_time


def checkout_reads(
    token: str, reference: str
) -> tuple[Account | None, BookingView | None, ShowtimeSummary | None]:
    """Who is signed in, their booking and its show: one trip to a worker thread, not three."""
    account = account_for_token(token)
    if account is None:
        return None, None, None
    try:
        view = get_booking(reference, user_id=account.id)
    except errors.BookingNotFound:
        return account, None, None
    return account, view, showtime_summary(view.showtime_id)


@dataclasses.dataclass
class LineRow:
    label: str
    category: str
    price: str


class CheckoutState(AuthState):
    found: bool = True
    reference: str = ""
    status: str = ""
    title: str = ""
    venue: str = ""
    when: str = ""
    showtime_id: int = 0
    lines: list[LineRow] = []
    fee: str = ""
    discount: str = ""  # "−₹120" when a promo code is on the booking
    promo_code: str = ""
    promo_error: str = ""
    total: str = ""
    seconds_left: int = 0
    busy: bool = False
    paying: bool = False
    loading: bool = True

    # Plain vars set where their inputs change, not computed vars: Reflex computes every computed
    # var of the tree on a tab's first load and then stores the state, so each page's computed
    # vars cost every tab of the site a Redis entry (bench/onsale.py: 8 entries a tab, not 3).
    countdown: str = "00:00"
    ended_message: str = "Your hold ran out and the seats were released. Please choose again."
    is_live: bool = False

    def _derive(self) -> None:
        """What the page says follows from the status and the seconds left (set together)."""
        minutes, seconds = divmod(max(0, self.seconds_left), 60)
        self.countdown = f"{minutes:02d}:{seconds:02d}"
        if self.status == BookingStatus.PAID:
            self.ended_message = "This booking is paid; your tickets are in My bookings."
        elif self.status == BookingStatus.CANCELLED:
            self.ended_message = "You released these seats."
        else:
            self.ended_message = (
                "Your hold ran out and the seats were released. Please choose again."
            )
        self.is_live = self.status in UNPAID_LIVE and self.seconds_left > 0

    def _fill(self, view: BookingView) -> None:
        self.reference = view.reference
        self.status = view.status
        self.showtime_id = view.showtime_id
        self.lines = [LineRow(x.label, x.category, format_money(x.price_paise)) for x in view.lines]
        self.fee = format_money(view.fee_paise)
        self.promo_code = view.promo_code
        self.discount = f"−{format_money(view.discount_paise)}" if view.discount_paise else ""
        self.total = format_money(view.total_paise)
        left = (view.hold_expires_at - utcnow()).total_seconds()
        self.seconds_left = math.ceil(left) if view.status in UNPAID_LIVE and left > 0 else 0
        self._derive()

    @rx.event
    async def load(self):
        # Forget the previous booking first, so it never shows under this one's reference.
        self.status, self.lines, self.seconds_left, self.busy = "", [], 0, False
        self.promo_code, self.discount, self.promo_error = "", "", ""
        self._derive()
        self.loading = True
        yield
        reference = self._route_reference()
        account, view, summary = await asyncio.to_thread(
            checkout_reads, self.session_token, reference
        )
        self._show_identity(account)  # for the whole page (see LOADS_SHOWING_IDENTITY)
        if account is None:
            self.loading = False
            yield rx.redirect(f"/login?next=/checkout/{reference}")
            return
        if view is None:
            self.found, self.loading = False, False
            return
        self.found = True
        self.title = summary.movie_title if summary else ""
        self.venue = f"{summary.cinema} · {summary.screen}" if summary else ""
        self.when = day_and_time(summary.starts_at) if summary else ""
        self._fill(view)
        self.loading = False

    @rx.event
    def leave(self):
        """Leaving the page: the next visit waits for its own booking to load."""
        self.loading = True

    @rx.event
    async def hold_ran_out(self):
        """The browser's countdown reached zero (it counts; the server only acts at the end): the
        database decides whether the hold has ended, and other maps see the seats at once."""
        account = await self._current_account()
        if account is None or not self.reference:
            return None
        try:
            view = await asyncio.to_thread(end_hold_if_lapsed, self.reference, account.id)
        except errors.BookingNotFound:
            return None
        self._fill(view)  # still live (the browser's clock ran fast): a new countdown starts
        if view.status == BookingStatus.EXPIRED:
            return rx.toast.error(
                "Your hold ran out and the seats were released. Please choose again."
            )
        return None

    @rx.event
    async def pay(self):
        """To the payment gateway the settings choose: the demo page, or Stripe Checkout."""
        account = await self._current_account()
        reference = self._route_reference()
        if account is None:
            yield rx.redirect(f"/login?next=/checkout/{reference}")
            return
        self.paying = True
        yield
        try:
            url = await asyncio.to_thread(begin_payment, reference, account.id)
        except errors.BookingError as exc:
            self.paying = False
            yield rx.toast.error(exc.message)
            return
        self.paying = False
        yield rx.redirect(url, is_external=url.startswith("http"))

    @rx.event
    async def apply_code(self, form_data: dict):
        """The promo code form: the server prices the booking again, or says why not (tries
        are counted per account and per client address: services.offers.promo_codes)."""
        code = str(form_data.get("code", "")) if isinstance(form_data, dict) else ""
        account = await self._current_account()
        if account is None:
            return rx.redirect(f"/login?next=/checkout/{self._route_reference()}")
        reference, address = self._route_reference(), self.router.session.client_ip
        try:
            view = await asyncio.to_thread(
                lambda: apply_promo_code(reference, account.id, code, address=address)
            )
        except CustomerError as exc:
            self.promo_error = exc.message
            return None
        self.promo_error = ""
        self._fill(view)
        return None

    @rx.event
    async def remove_code(self):
        account = await self._current_account()
        if account is None:
            return rx.redirect(f"/login?next=/checkout/{self._route_reference()}")
        try:
            view = await asyncio.to_thread(remove_promo_code, self._route_reference(), account.id)
        except errors.BookingError as exc:
            self.promo_error = exc.message
            return None
        self.promo_error = ""
        self._fill(view)
        return None

    @rx.event
    async def release(self):
        account = await self._current_account()
        if account is None:
            return rx.redirect("/login")
        self.busy = True
        try:
            view = await asyncio.to_thread(
                release_hold, self._route_reference(), user_id=account.id
            )
        except errors.BookingNotFound:
            self.busy = False
            return rx.toast.error("We could not find that booking.")
        self.busy = False
        self._fill(view)
        return [
            rx.toast.info("Your seats were released."),
            rx.redirect(f"/showtimes/{self.showtime_id}"),
        ]
