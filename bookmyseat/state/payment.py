"""States of the pages about the customer's bookings: demo payment, confirmation, my bookings."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from bookmyseat.models import BookingStatus
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.holds import release_hold
from bookmyseat.services.booking.my_bookings import my_bookings
from bookmyseat.services.booking.records import BookingView, get_booking
from bookmyseat.services.booking.references import client_reference
from bookmyseat.services.booking.refund_terms import refund_terms
from bookmyseat.services.booking.rules import UNPAID_LIVE
from bookmyseat.services.catalog.showtimes import showtime_summary
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.mail.resend import queue_resend
from bookmyseat.services.money import format_money
from bookmyseat.services.payments import demo as demo_payments
from bookmyseat.services.payments.refunds import refund_now_if_card_paid
from bookmyseat.state.auth import AuthState
from bookmyseat.state.formatting import zoned_day_and_time

STATUS_TEXT = {
    "held": "Seats held, not paid",
    "pending_payment": "Waiting for payment",
    "paid": "Confirmed",
    "expired": "Expired: the hold ran out",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
}


@dataclasses.dataclass
class BookingCard:
    reference: str = ""
    status: str = ""
    status_text: str = ""
    movie: str = ""
    cinema: str = ""
    screen: str = ""
    when: str = ""
    seats: str = ""
    amount: str = ""
    showtime_id: int = 0
    refund: str = ""  # where a cancelled booking's refund stands


async def booking_card(view: BookingView) -> BookingCard:
    summary = await asyncio.to_thread(showtime_summary, view.showtime_id)
    terms = await asyncio.to_thread(refund_terms, view.reference, user_id=view.user_id)
    return BookingCard(
        reference=view.reference,
        status=view.status,
        status_text=STATUS_TEXT.get(view.status, view.status),
        movie=summary.movie_title if summary else "",
        cinema=f"{summary.cinema}, {summary.city}" if summary else "",
        screen=summary.screen if summary else "",
        when=zoned_day_and_time(summary.starts_at) if summary else "",
        seats=", ".join(f"{x.label} ({x.category})" for x in view.lines),
        amount=format_money(view.total_paise)
        + (
            f" (promo code {view.promo_code}: −{format_money(view.discount_paise)})"
            if view.promo_code
            else ""
        ),
        showtime_id=view.showtime_id,
        refund=terms.refund_state,
    )


class BookingPageState(AuthState):
    """Shared by the pages that show one of the customer's bookings."""

    found: bool = True
    busy: bool = False
    booking: BookingCard = BookingCard()

    async def _load_booking(self, route: str):
        """(account, None) with `booking` filled, or (None, a redirect or None if not found)."""
        reference = self._route_reference()
        account = await self._current_account()
        if account is None:
            return None, rx.redirect(f"/login?next={route}{reference}")
        try:
            view = await asyncio.to_thread(get_booking, reference, user_id=account.id)
        except errors.BookingNotFound:
            self.found = False
            return None, None
        self.found = True
        self.booking = await booking_card(view)
        return account, None


class ConfirmationState(BookingPageState):
    """`/bookings/[reference]`."""

    @rx.event
    async def load(self):
        _, redirect = await self._load_booking("/bookings/")
        return redirect


class DemoPayState(BookingPageState):
    """`/pay/demo/[reference]`: Pay, Decline or Cancel; no card is charged."""

    @rx.event
    async def load(self):
        account, redirect = await self._load_booking("/pay/demo/")
        if account is None:
            return redirect
        if self.booking.status == BookingStatus.PAID:  # paid meanwhile (a quick click ran first)
            return rx.redirect(f"/bookings/{self.booking.reference}")
        try:
            view = await asyncio.to_thread(demo_payments.start, self.booking.reference, account.id)
        except errors.BookingError as exc:
            return [rx.toast.error(exc.message), rx.redirect(f"/checkout/{self.booking.reference}")]
        self.booking = await booking_card(view)
        return None

    @rx.event
    async def pay(self):
        account = await self._current_account()
        if account is None:
            yield rx.redirect("/login")
            return
        self.busy = True
        yield
        reference = self._route_reference()
        try:
            outcome = await asyncio.to_thread(demo_payments.pay, reference, account.id)
        except CustomerError as exc:
            self.busy = False
            yield rx.toast.error(exc.message)
            return
        self.busy = False
        if outcome.is_paid:
            yield rx.redirect(f"/bookings/{reference}")
            yield rx.toast.success("Payment received. Enjoy the show!")
        else:
            self.booking = await booking_card(outcome.booking)
            yield rx.toast.error(outcome.message or "The payment could not be applied.")

    @rx.event
    def decline(self):
        return [
            rx.toast.warning("Payment declined (demo). Your seats are still held."),
            rx.redirect(f"/checkout/{self._route_reference()}"),
        ]

    @rx.event
    async def cancel(self):
        account = await self._current_account()
        if account is None:
            return rx.redirect("/login")
        try:
            view = await asyncio.to_thread(
                release_hold, self._route_reference(), user_id=account.id
            )
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        return [
            rx.toast.info("Payment cancelled and your seats released."),
            rx.redirect(f"/showtimes/{view.showtime_id}"),
        ]


@dataclasses.dataclass
class MyBookingRow:
    reference: str
    status_text: str
    movie: str
    place: str
    when: str
    seats: str
    amount: str
    upcoming: bool
    cancellable: bool
    unpaid: bool
    paid: bool


class MyBookingsState(AuthState):
    """`/bookings`: upcoming and past bookings; cancel an upcoming one before the cut-off."""

    rows: list[MyBookingRow] = []
    asking: str = ""  # the booking whose cancellation waits for the customer's yes
    ask_text: str = ""  # what cancelling it gives back
    cancelling: str = ""
    resending: str = ""
    # Plain vars set where their inputs change, not computed vars: Reflex computes every computed
    # var of the tree on a tab's first load and then stores the state, so each page's computed
    # vars cost every tab of the site a Redis entry (bench/onsale.py: 8 entries a tab, not 3).
    has_upcoming: bool = False
    has_past: bool = False

    async def _fill(self, user_id: int) -> None:
        bookings = await asyncio.to_thread(my_bookings, user_id)
        self.rows = [
            MyBookingRow(
                reference=b.reference,
                status_text=STATUS_TEXT.get(b.status, b.status)
                + (f" · checked in at {b.checked_in_at:%H:%M}" if b.checked_in_at else ""),
                movie=b.movie,
                place=f"{b.cinema} · {b.screen}",
                when=zoned_day_and_time(b.starts_at),
                seats=", ".join(b.seats),
                amount=format_money(b.total_paise),
                upcoming=b.upcoming,
                cancellable=b.cancellable,
                unpaid=b.status in UNPAID_LIVE,
                paid=b.status == BookingStatus.PAID,
            )
            for b in bookings
        ]
        self.has_upcoming = any(r.upcoming for r in self.rows)
        self.has_past = any(not r.upcoming for r in self.rows)

    @rx.event
    async def load(self):
        account = await self._current_account()
        if account is None:
            return rx.redirect("/login?next=/bookings")
        await self._fill(account.id)
        return None

    @rx.event
    async def ask_cancel(self, reference: str):
        """Before cancelling: say once exactly what comes back, to where and when."""
        account = await self._current_account()
        if account is None:
            return rx.redirect("/login?next=/bookings")
        try:
            asked = client_reference(reference)
            terms = await asyncio.to_thread(refund_terms, asked, user_id=account.id)
        except errors.BookingError as exc:
            return rx.toast.error(exc.message)
        self.asking, self.ask_text = terms.reference, terms.before_cancelling
        return None

    @rx.event
    def keep(self, is_open: bool = False):
        """The confirmation closed without cancelling."""
        if not is_open:
            self.asking = ""

    @rx.event
    async def cancel(self, reference: str):
        account = await self._current_account()
        if account is None:
            yield rx.redirect("/login?next=/bookings")
            return
        self.asking = ""
        self.cancelling = reference
        yield
        try:
            view = await asyncio.to_thread(cancel_booking, reference, user_id=account.id)
        except errors.BookingError as exc:
            self.cancelling = ""
            yield rx.toast.error(exc.message)
            return
        await asyncio.to_thread(refund_now_if_card_paid)
        self.cancelling = ""
        await self._fill(account.id)
        terms = await asyncio.to_thread(refund_terms, view.reference, user_id=account.id)
        said = f" {terms.refund_state}" if terms.refund_state else ""
        yield rx.toast.success(
            f"Booking {view.reference} is cancelled; its seats are free again.{said}"
        )

    @rx.event
    async def resend(self, reference: str):
        """Email the e-ticket again (rate limited by the outbox service)."""
        account = await self._current_account()
        if account is None:
            yield rx.redirect("/login?next=/bookings")
            return
        self.resending = reference
        yield
        try:
            await asyncio.to_thread(queue_resend, reference, user_id=account.id)
        except CustomerError as exc:
            self.resending = ""
            yield rx.toast.error(exc.message)
            return
        self.resending = ""
        yield rx.toast.success("Your ticket is on its way to your email address.")
