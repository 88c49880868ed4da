"""State of `/checkout/[reference]`: the held seats, their prices and the hold's countdown."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from bookmyseat.models import BookingStatus, utcnow
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.holds import expire_lapsed_holds, release_hold
from bookmyseat.services.booking.records import BookingView, get_booking
from bookmyseat.services.booking.rules import UNPAID_LIVE
from bookmyseat.services.catalog.showtimes import showtime_summary
from bookmyseat.services.money import format_money
from bookmyseat.services.payments.gateway import begin_payment
from bookmyseat.state.auth import AuthState
from bookmyseat.state.formatting import day_and_time


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
    total: str = ""
    seconds_left: int = 0
    busy: bool = False
    paying: bool = False
    loading: bool = True
    _ticking_for: str = ""  # the booking whose countdown is running

    @rx.var
    def countdown(self) -> str:
        minutes, seconds = divmod(max(0, self.seconds_left), 60)
        return f"{minutes:02d}:{seconds:02d}"

    @rx.var
    def ended_message(self) -> str:
        if self.status == BookingStatus.PAID:
            return "This booking is paid; your tickets are in My bookings."
        if self.status == BookingStatus.CANCELLED:
            return "You released these seats."
        return "Your hold ran out and the seats were released. Please choose again."

    @rx.var
    def is_live(self) -> bool:
        return self.status in UNPAID_LIVE and self.seconds_left > 0

    def _fill(self, view: BookingView) -> None:
        self.reference = view.reference
        self.status = view.status
        self.showtime_id = view.showtime_id
        self.lines = [LineRow(x.label, x.category, format_money(x.price_paise)) for x in view.lines]
        self.fee = format_money(view.fee_paise)
        self.total = format_money(view.total_paise)
        left = (view.hold_expires_at - utcnow()).total_seconds()
        self.seconds_left = int(left) if view.status in UNPAID_LIVE else 0

    @rx.event
    async def load(self):
        # Forget the previous booking first, so it never shows under this one's reference.
        self.status, self.lines, self.seconds_left, self.busy = "", [], 0, False
        self.loading = True
        yield
        reference = str(self.router.page.params.get("reference", ""))[:16]
        account = await self.current_account()
        if account is None:
            self.loading = False
            yield rx.redirect(f"/login?next=/checkout/{reference}")
            return
        try:
            view = await asyncio.to_thread(get_booking, reference, user_id=account.id)
        except errors.BookingNotFound:
            self.found, self.loading = False, False
            return
        summary = await asyncio.to_thread(showtime_summary, view.showtime_id)
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

    @rx.event(background=True)
    async def tick(self):
        """Count down once a second while this booking's hold lasts; then tell the customer.

        Started by the page's on_mount (see SeatMapState.watch for why not from on_load); it
        first waits for the page's load to finish."""
        for _ in range(300):
            async with self:
                loaded = not self.loading
            if loaded:
                break
            await asyncio.sleep(0.1)
        async with self:
            reference = self.reference
            if not loaded or not self.is_live or self._ticking_for == reference:
                return
            self._ticking_for = reference
        ran_out = False
        try:
            while not ran_out:
                await asyncio.sleep(1)
                async with self:
                    if self.reference != reference or self.status not in UNPAID_LIVE:
                        return  # paid, released, or the customer moved on to another booking
                    self.seconds_left -= 1
                    ran_out = self.seconds_left <= 0
        finally:
            async with self:
                if self._ticking_for == reference:
                    self._ticking_for = ""
        # Free the seats now (not at the sweeper's next round) so that other maps show them; the
        # database's own clock decides, so a second's grace lets the hold's end pass there too.
        await asyncio.sleep(1)
        await asyncio.to_thread(expire_lapsed_holds)
        view = await asyncio.to_thread(get_booking, reference)
        async with self:
            if self.reference != reference:
                return  # the customer has moved on to another booking
            self._fill(view)
        if view.status == BookingStatus.EXPIRED:
            yield rx.toast.error(
                "Your hold ran out and the seats were released. Please choose again."
            )
        elif view.status in UNPAID_LIVE:
            yield CheckoutState.tick

    @rx.event
    async def pay(self):
        """To the payment gateway the settings choose: the demo page, or Stripe Checkout."""
        account = await self.current_account()
        if account is None:
            yield rx.redirect(f"/login?next=/checkout/{self.reference}")
            return
        self.paying = True
        yield
        try:
            url = await asyncio.to_thread(begin_payment, self.reference, account.id)
        except errors.BookingError as exc:
            self.paying = False
            yield rx.toast.error(exc.message)
            return
        self.paying = False
        yield rx.redirect(url, is_external=url.startswith("http"))

    @rx.event
    async def release(self):
        account = await self.current_account()
        if account is None:
            return rx.redirect("/login")
        self.busy = True
        view = await asyncio.to_thread(release_hold, self.reference, user_id=account.id)
        self.busy = False
        self._fill(view)
        return [
            rx.toast.info("Your seats were released."),
            rx.redirect(f"/showtimes/{self.showtime_id}"),
        ]
