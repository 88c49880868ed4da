"""`/payments/stripe/success`: confirming the payment, then on to the booking."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.layout import page
from bookmyseat.state.stripe_return import StripeReturnState


def stripe_return_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Your payment", size="7", as_="h1"),
            rx.cond(
                StripeReturnState.checking,
                rx.hstack(rx.spinner(), rx.text("Confirming your payment with the bank…")),
                rx.callout(StripeReturnState.message, icon="info", role="status"),
            ),
            rx.link("My bookings", href="/bookings"),
            spacing="4",
            padding_y="2em",
            max_width="40em",
        ),
        size="3",
    )
