"""The Stripe SDK client as this site configures it, and the refusal shown when Stripe is away."""

from __future__ import annotations

import stripe

from bookmyseat.services.booking.errors import BookingError
from bookmyseat.settings import Settings

PROVIDER = "stripe"


class PaymentServiceDown(BookingError):
    code = "payment_service_down"

    def __init__(self) -> None:
        super().__init__("The card payment service did not answer. Please try again in a moment.")


def stripe_client(settings: Settings) -> stripe.StripeClient:
    """A client for the configured key; `stripe_api_base` points it at another server (tests)."""
    base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
    return stripe.StripeClient(
        settings.stripe_secret_key,
        base_addresses=base,
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=settings.stripe_timeout_seconds),
    )
