"""`/pay/demo/[reference]` (demo gateway), `/bookings/[reference]` (confirmation), `/bookings`."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.cancel_confirmation import cancel_confirmation
from bookmyseat.components.layout import found_or_not, page
from bookmyseat.state.payment import (
    BookingPageState,
    ConfirmationState,
    DemoPayState,
    MyBookingRow,
    MyBookingsState,
)


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
        rx.cond(b.refund != "", detail("Refund", b.refund, "booking-refund")),
    )


def framed(state: type[BookingPageState], body: rx.Component) -> rx.Component:
    return page(
        found_or_not(
            state.found,
            body,
            "Booking not found",
        ),
        size="2",
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
                    disabled=DemoPayState.booking.reference == "",
                    loading=DemoPayState.busy,
                ),
                rx.button(
                    "Decline",
                    size="3",
                    variant="soft",
                    color_scheme="red",
                    on_click=DemoPayState.decline,
                    disabled=DemoPayState.booking.reference == "",
                ),
                rx.button(
                    "Cancel",
                    size="3",
                    variant="soft",
                    color_scheme="gray",
                    on_click=DemoPayState.cancel,
                    disabled=DemoPayState.booking.reference == "",
                ),
                wrap="wrap",
            ),
            spacing="4",
            padding_y="1.5em",
        ),
    )


def ticket_file(icon: str, text: str, href: rx.Var) -> rx.Component:
    """A file from the server: the browser fetches it (document navigation), not the router."""
    return rx.el.a(
        rx.icon(icon, size=16, aria_hidden="true"),
        text,
        href=href,
        download="",
        reload_document=True,
        class_name="ticket-file",
    )


def ticket_in_hand(reference: rx.Var, size: str) -> rx.Component:
    """The ticket's QR code (the code the e-mail carries and the door scanner reads) with "Add
    to calendar" and "Download ticket (PDF)"; the files come from routes that check ownership
    (bookmyseat.api.tickets)."""
    files = "/api/bookings/" + reference
    return rx.flex(
        rx.image(
            src=files + "/qr.svg",
            alt="Ticket QR code for booking " + reference + ": show it at the door",
            width=size,
            height=size,
            class_name="ticket-qr",
            data_testid="ticket-qr",
        ),
        rx.vstack(
            rx.text("Show this code at the door, on your phone or on paper.", size="2"),
            ticket_file("calendar-plus", "Add to calendar", files + "/ticket.ics"),
            ticket_file("file-down", "Download ticket (PDF)", files + "/ticket.pdf"),
            spacing="2",
        ),
        gap="4",
        align="center",
        wrap="wrap",
        data_testid="ticket",
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
            rx.cond(
                ConfirmationState.booking.status == "paid",
                ticket_in_hand(ConfirmationState.booking.reference, "220px"),
            ),
            rx.link("See what else is showing", href="/"),
            spacing="4",
            padding_y="1.5em",
        ),
    )


def booking_row(row: MyBookingRow) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.heading(row.movie, size="4", as_="h3"),
                    rx.badge(row.status_text, variant="soft"),
                    align="center",
                    wrap="wrap",
                ),
                rx.text(row.when + " · " + row.place, size="2"),
                rx.text(
                    "Seats " + row.seats + " · " + row.amount + " · ref " + row.reference,
                    size="2",
                    color_scheme="gray",
                ),
                rx.cond(row.paid & row.upcoming, ticket_in_hand(row.reference, "140px")),
                spacing="2",
            ),
            rx.spacer(),
            rx.hstack(
                rx.cond(
                    row.unpaid,
                    rx.link(
                        rx.button("Continue to pay", variant="soft"),
                        href="/checkout/" + row.reference,
                    ),
                ),
                rx.cond(
                    ~row.unpaid,
                    rx.link(
                        rx.button("Details", variant="soft"), href="/bookings/" + row.reference
                    ),
                ),
                rx.cond(
                    row.paid & row.upcoming,
                    rx.button(
                        "Email my ticket again",
                        variant="soft",
                        loading=MyBookingsState.resending == row.reference,
                        on_click=MyBookingsState.resend(row.reference),
                    ),
                ),
                rx.cond(
                    row.cancellable,
                    rx.button(
                        "Cancel booking",
                        color_scheme="red",
                        variant="soft",
                        loading=MyBookingsState.cancelling == row.reference,
                        on_click=MyBookingsState.ask_cancel(row.reference),
                    ),
                ),
                wrap="wrap",
            ),
            gap="3",
            direction=rx.breakpoints(initial="column", sm="row"),
        ),
        width="100%",
        data_testid="my-booking",
    )


def my_bookings_page() -> rx.Component:
    upcoming = rx.foreach(MyBookingsState.rows, lambda r: rx.cond(r.upcoming, booking_row(r), ""))
    past = rx.foreach(MyBookingsState.rows, lambda r: rx.cond(r.upcoming, "", booking_row(r)))
    return page(
        rx.vstack(
            rx.heading("My bookings", size="7", as_="h1"),
            rx.cond(
                MyBookingsState.rows.length() > 0,
                rx.vstack(
                    rx.heading("Upcoming", size="5", as_="h2"),
                    upcoming,
                    rx.heading("Past", size="5", as_="h2"),
                    past,
                    spacing="3",
                    width="100%",
                ),
                rx.hstack(rx.text("No bookings yet."), rx.link("Find a show", href="/")),
            ),
            cancel_confirmation(MyBookingsState, "Keep my booking", "Yes, cancel it"),
            spacing="4",
            padding_y="1.5em",
        ),
        size="3",
    )
