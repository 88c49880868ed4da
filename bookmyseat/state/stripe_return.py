"""State of `/payments/stripe/success`: Stripe sends the customer back here after paying.

The session id in the address is only a pointer: the payment is confirmed by reading the session
from Stripe, and fulfilling is idempotent, so this page and the webhook may both do it.
"""

from __future__ import annotations

import asyncio
import logging

import reflex as rx
import stripe

from bookmyseat.services import errors
from bookmyseat.services.stripe_payments import fulfil_session
from bookmyseat.settings import get_settings
from bookmyseat.state.auth import AuthState

log = logging.getLogger("bookmyseat.stripe")

MESSAGES = {
    "flagged": "We received a payment that does not match this booking, so no tickets were "
    "issued yet. Our staff will look at it and contact you.",
    "refund_needed": "Your payment arrived after your seat hold had ended and someone else "
    "booked the seats, so no tickets were issued. The full amount will be refunded to your card; "
    "we have emailed you about it.",
    "pending": "Your bank is still processing the payment. We will email your tickets as soon "
    "as it is confirmed; your seats stay reserved meanwhile.",
}


class StripeReturnState(AuthState):
    message: str = ""
    checking: bool = True

    @rx.event
    async def load(self):
        self.checking, self.message = True, ""
        yield
        session_id = str(self.router.page.params.get("session_id", ""))[:255]
        if get_settings().demo_payments or not session_id.startswith("cs_"):
            self.checking = False
            self.message = "There is no card payment to confirm here."
            return
        try:
            outcome = await asyncio.to_thread(fulfil_session, session_id)
        except (stripe.StripeError, errors.BookingError) as exc:
            log.warning("Could not confirm Stripe session %s: %s", session_id, exc)
            self.checking = False
            self.message = (
                "We could not confirm your payment just now. If you paid, your tickets will "
                "arrive by email shortly; My bookings shows the booking as soon as it is confirmed."
            )
            return
        self.checking = False
        if outcome is None:
            self.message = MESSAGES["pending"]
        elif outcome.is_paid or outcome.result == "duplicate":
            yield rx.redirect(f"/bookings/{outcome.booking.reference}")
        else:
            self.message = MESSAGES.get(outcome.result, MESSAGES["flagged"])
