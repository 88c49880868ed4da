"""State of `/payments/stripe/success`: Stripe sends the customer back here after paying.
What happened is decided by `payments.stripe_sessions.confirm_return` (for the signed-in
visitor: only the booking's own customer is sent on to it); this page says it."""

from __future__ import annotations

import asyncio

import reflex as rx

from bookmyseat.services.errors import CustomerError
from bookmyseat.services.payments.stripe_sessions import confirm_return
from bookmyseat.state.auth import AuthState

MESSAGES = {
    "flagged": "We received a payment that does not match this booking, so no tickets were "
    "issued yet. Our staff will look at it and contact you.",
    "refund_needed": "Your payment arrived after your seat hold had ended and someone else "
    "booked the seats, so no tickets were issued. The full amount will be refunded to your card; "
    "we have emailed you about it.",
    "pending": "Your bank is still processing the payment. We will email your tickets as soon "
    "as it is confirmed; your seats stay reserved meanwhile.",
    "unconfirmed": "We could not confirm your payment just now. If you paid, your tickets will "
    "arrive by email shortly; My bookings shows the booking as soon as it is confirmed.",
    "not_yours": "If this payment was yours, your tickets are emailed to you once it is "
    "confirmed; sign in with the account you booked with to see the booking in My bookings.",
    "nothing": "There is no card payment to confirm here.",
}


class StripeReturnState(AuthState):
    message: str = ""
    checking: bool = True

    @rx.event
    async def load(self):
        self.checking, self.message = True, ""
        yield
        session_id = str(self.router.page.params.get("session_id", ""))[:255]
        address = self.router.session.client_ip
        account = await self._current_account()
        viewer_id = account.id if account else None
        try:
            outcome = await asyncio.to_thread(confirm_return, session_id, address, viewer_id)
        except CustomerError as exc:  # checked too often
            self.checking, self.message = False, exc.message
            return
        self.checking = False
        if outcome.result == "paid":
            yield rx.redirect(f"/bookings/{outcome.reference}")
        else:
            self.message = MESSAGES.get(outcome.result, MESSAGES["flagged"])
