"""What cancelling a booking gives back, said before anyone confirms, and where that refund
stands afterwards. The money is the booking's own: a paid booking cancelled gets back everything
that was paid (its tickets less any promo discount, and the booking fee), to the way it was paid;
an unpaid hold gets nothing back because nothing was paid. The refund itself is
services.payments.refunds' (card refunds are asked of the provider by the background sender)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session
from bookmyseat.models import BookingStatus, Payment, PaymentStatus
from bookmyseat.services.booking.records import booking_view, find_booking
from bookmyseat.services.money import format_money

BANK_DAYS = "banks usually show it within 5–7 working days"
REFUND_STATE = {
    PaymentStatus.REFUND_PENDING: "being sent to your card",
    PaymentStatus.REFUND_REQUESTED: "sent to your card; " + BANK_DAYS,
    PaymentStatus.REFUNDED: "refunded to your card",
    PaymentStatus.REFUND_FAILED: "held up: our staff are looking at it and will contact you",
}


@dataclass(frozen=True)
class RefundTerms:
    reference: str
    status: str  # the booking's
    paid_paise: int  # what was paid, and what a cancellation gives back
    tickets_paise: int  # the tickets before any promo discount
    fee_paise: int
    discount_paise: int
    promo_code: str
    currency: str
    provider: str  # how it was paid: "stripe", "demo"; "" when nothing was paid
    payment_status: str = ""  # the payment's, once there is one

    def _money(self, paise: int) -> str:
        return format_money(paise, self.currency)

    @property
    def parts(self) -> str:
        """ "the tickets (₹900, less WELCOME10's ₹90) and the booking fee (₹60)"."""
        tickets = self._money(self.tickets_paise)
        if self.discount_paise:
            tickets += f", less {self.promo_code}'s {self._money(self.discount_paise)}"
        fee = f" and the booking fee ({self._money(self.fee_paise)})" if self.fee_paise else ""
        return f"the tickets ({tickets}){fee}"

    @property
    def before_cancelling(self) -> str:
        """What the customer is told before confirming a cancellation."""
        if self.status != BookingStatus.PAID:
            return "Nothing was paid, so nothing is refunded. The seats go back on sale."
        back = f"You get back {self._money(self.paid_paise)}: {self.parts}."
        if self.provider == "demo":
            return f"{back} This was a demo payment: no money moved, so none moves back."
        return f"{back} It goes back to the card you paid with; {BANK_DAYS}."

    @property
    def for_staff(self) -> str:
        """What staff are told before "Cancel and refund"."""
        if self.status != BookingStatus.PAID:
            return "This booking is not paid: cancelling releases its seats, nothing is refunded."
        refund = f"Refund {self._money(self.paid_paise)} ({self.parts})"
        if self.provider == "demo":
            return f"{refund}: a demo payment, so no money moves."
        return f"{refund} to the customer's card; {BANK_DAYS}."

    @property
    def refund_state(self) -> str:
        """Where the refund of a cancelled booking stands ("" when there is none)."""
        if (
            self.status not in (BookingStatus.CANCELLED, BookingStatus.REFUNDED)
            or not self.provider
        ):
            return ""
        amount = self._money(self.paid_paise)
        if self.provider == "demo":
            return f"Refund of {amount}: a demo payment, so no money moved."
        state = REFUND_STATE.get(self.payment_status, "being sent to your card")
        return f"Refund of {amount}: {state}."


def refund_terms(
    reference: str, *, user_id: int | None, engine: Engine | None = None
) -> RefundTerms:
    """The booking's refund terms (only the customer's own when `user_id` is given); raises
    BookingNotFound otherwise."""
    with read_session(engine) as session:
        booking = find_booking(session, reference, user_id)
        view = booking_view(session, booking)
        payment = session.execute(
            select(Payment.provider, Payment.status)
            .where(Payment.booking_id == booking.id)
            .order_by(Payment.id.desc())
            .limit(1)
        ).first()
    paid = view.paid_at is not None and payment is not None
    return RefundTerms(
        reference=view.reference,
        status=view.status,
        paid_paise=view.total_paise if paid else 0,
        tickets_paise=view.subtotal_paise,
        fee_paise=view.fee_paise,
        discount_paise=view.discount_paise,
        promo_code=view.promo_code,
        currency=view.currency,
        provider=payment.provider if paid else "",
        payment_status=payment.status if paid else "",
    )
