"""`/pay/demo/[reference]` (demo gateway) and `/bookings/[reference]` (confirmation)."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.navbar import navbar
from bookmyseat.state.payment import BookingPageState, ConfirmationState, DemoPayState


def detail(label: str, value: rx.Var, testid: str = "") -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label),
        rx.data_list.value(value, data_testid=testid or None),
    )


def booking_details(state: type[BookingPageState]) -> rx.Component:
    b = state.booking
    return rx.data_list.root(
        detail("Reference", b.reference, "booking-reference"),
        detail("Status", b.status_text, "booking-status"),
        detail("Movie", b.movie),
        detail("Cinema", b.cinema),
        detail("Screen", b.screen),
        detail("Time", b.when),
        detail("Seats", b.seats),
        detail("Amount", b.amount, "booking-amount"),
    )


def framed(state: type[BookingPageState], body: rx.Component) -> rx.Component:
    return rx.box(
        navbar(),
        rx.container(
            rx.cond(
                state.found,
                body,
                rx.vstack(
                    rx.heading("Booking not found", size="6"),
                    rx.link("Back home", href="/"),
                    padding_y="2em",
                ),
            ),
            size="2",
        ),
    )


def demo_pay_page() -> rx.Component:
    return framed(
        DemoPayState,
        rx.vstack(
            rx.heading("Demo payment — no card is charged", size="6", as_="h1"),
            rx.callout(
                "This site runs without a payment provider. Pay confirms the booking "
                "as if a card had been charged.",
                icon="info",
            ),
            booking_details(DemoPayState),
            rx.hstack(
                rx.button(
                    "Pay " + DemoPayState.booking.amount,
                    size="3",
                    on_click=DemoPayState.pay,
                    loading=DemoPayState.busy,
                ),
                rx.button(
                    "Decline",
                    size="3",
                    variant="soft",
                    color_scheme="orange",
                    on_click=DemoPayState.decline,
                ),
                rx.button(
                    "Cancel",
                    size="3",
                    variant="soft",
                    color_scheme="gray",
                    on_click=DemoPayState.cancel,
                ),
                wrap="wrap",
            ),
            spacing="4",
            padding_y="1.5em",
        ),
    )


def confirmation_page() -> rx.Component:
    return framed(
        ConfirmationState,
        rx.vstack(
            rx.cond(
                ConfirmationState.booking.status == "paid",
                rx.heading("You're booked!", size="7", as_="h1"),
                rx.heading("Your booking", size="7", as_="h1"),
            ),
            booking_details(ConfirmationState),
            rx.link("See what else is showing", href="/"),
            spacing="4",
            padding_y="1.5em",
        ),
    )
