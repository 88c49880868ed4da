"""Which payment gateway a booking goes to, chosen by the settings in this one place.

Demo while no Stripe keys are set (its page and actions refuse to work otherwise), Stripe
Checkout as soon as both keys are set.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bookmyseat.services.payments import stripe_checkout
from bookmyseat.settings import Settings, get_settings


def begin_payment(
    reference: str,
    user_id: int,
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> str:
    """The address to send the customer to for paying this booking."""
    settings = settings or get_settings()
    if settings.demo_payments:
        return f"/pay/demo/{reference}"
    return stripe_checkout.start_checkout(reference, user_id, settings=settings, engine=engine)
