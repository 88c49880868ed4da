"""The demo payment gateway: no card is charged. It exists only while Stripe is not configured,
and every call checks that on the server."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bookmyseat.services.booking import errors
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import mark_pending_payment
from bookmyseat.services.booking.records import BookingView, PaymentOutcome, get_booking
from bookmyseat.settings import Settings, get_settings

PROVIDER = "demo"


class DemoPaymentsDisabled(errors.BookingError):
    code = "demo_payments_disabled"

    def __init__(self) -> None:
        super().__init__("Demo payments are switched off on this site.")


def _require_demo(settings: Settings | None) -> None:
    if not (settings or get_settings()).demo_payments:
        raise DemoPaymentsDisabled()


def start(
    reference: str,
    user_id: int,
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> BookingView:
    """The customer opens the demo payment page: the hold becomes PENDING_PAYMENT."""
    _require_demo(settings)
    return mark_pending_payment(reference, user_id=user_id, engine=engine)


def pay(
    reference: str,
    user_id: int,
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> PaymentOutcome:
    """Pay the booking's own total. One payment id per booking: paying twice pays once."""
    _require_demo(settings)
    booking = get_booking(reference, user_id=user_id, engine=engine)
    return confirm_payment(
        reference,
        amount_paise=booking.total_paise,
        currency=booking.currency,
        provider=PROVIDER,
        provider_ref=f"demo_{reference}",
        engine=engine,
    )
