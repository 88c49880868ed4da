"""`/checkout/[reference]`: seats with prices, fee, total and the hold's countdown."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.layout import found_or_not, page
from bookmyseat.state.checkout import CheckoutState, LineRow


def line(row: LineRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.label),
        rx.table.cell(row.category),
        rx.table.cell(row.price, text_align="right"),
    )


def ended_notice() -> rx.Component:
    return rx.callout(
        rx.text(
            CheckoutState.ended_message,
            " ",
            rx.link(
                "Back to the seat map",
                href="/showtimes/" + CheckoutState.showtime_id.to_string(),
            ),
        ),
        icon="triangle_alert",
        color_scheme="red",
        role="alert",
        data_testid="hold-ended",
    )


def promo_form() -> rx.Component:
    """A code goes on before paying; once on, it can come off again."""
    return rx.cond(
        CheckoutState.promo_code != "",
        rx.hstack(
            rx.text("Promo code ", rx.text.strong(CheckoutState.promo_code), " applied.", size="2"),
            rx.button(
                "Remove code", variant="soft", color_scheme="gray", size="1",
                on_click=CheckoutState.remove_code,
            ),
            align="center",
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    name="code", placeholder="Promo code", max_length=32,
                    custom_attrs={"aria-label": "Promo code"}, auto_complete="off",
                ),
                rx.button("Apply", type="submit", variant="outline"),
                align="center",
            ),
            rx.cond(
                CheckoutState.promo_error != "",
                rx.text(
                    CheckoutState.promo_error, color_scheme="red", size="2", role="alert",
                    data_testid="promo-error",
                ),
            ),
            on_submit=CheckoutState.apply_code,
            reset_on_submit=False,
        ),
    )  # fmt: skip


def checkout_page() -> rx.Component:
    return page(
        found_or_not(
            CheckoutState.found,
            rx.vstack(
                rx.heading("Checkout", size="7", as_="h1"),
                rx.text(CheckoutState.title, weight="bold", size="4"),
                rx.text(CheckoutState.venue + " · " + CheckoutState.when, size="2"),
                rx.cond(
                    CheckoutState.is_live,
                    rx.callout(
                        rx.text(
                            "Seats held for you for ",
                            # Counted down in the browser (assets/countdown.js), which presses
                            # the hidden button below at zero.
                            rx.text.strong(
                                CheckoutState.countdown,
                                data_testid="countdown",
                                data_countdown_seconds=CheckoutState.seconds_left,
                                data_countdown_key=CheckoutState.reference,
                                data_countdown_ended="hold-ran-out",
                                role="timer",
                            ),
                        ),
                        icon="timer",
                    ),
                    rx.cond(CheckoutState.status != "", ended_notice()),
                ),
                rx.el.button(
                    id="hold-ran-out",
                    on_click=CheckoutState.hold_ran_out,
                    hidden=True,
                    aria_hidden="true",
                    tab_index=-1,
                ),
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Seat"),
                            rx.table.column_header_cell("Category"),
                            rx.table.column_header_cell("Price", text_align="right"),
                        )
                    ),
                    rx.table.body(
                        rx.foreach(CheckoutState.lines, line),
                        rx.table.row(
                            rx.table.cell("Convenience fee", col_span=2),
                            rx.table.cell(CheckoutState.fee, text_align="right"),
                        ),
                        rx.cond(
                            CheckoutState.discount != "",
                            rx.table.row(
                                rx.table.cell("Promo code " + CheckoutState.promo_code, col_span=2),
                                rx.table.cell(
                                    CheckoutState.discount,
                                    text_align="right",
                                    data_testid="discount",
                                ),
                            ),
                        ),
                        rx.table.row(
                            rx.table.cell(rx.text.strong("Total"), col_span=2),
                            rx.table.cell(
                                rx.text.strong(CheckoutState.total),
                                text_align="right",
                                data_testid="total",
                            ),
                        ),
                    ),
                    width="100%",
                ),
                rx.cond(CheckoutState.status == "held", promo_form()),
                rx.hstack(
                    rx.button(
                        "Pay " + CheckoutState.total,
                        size="3",
                        on_click=CheckoutState.pay,
                        loading=CheckoutState.paying,
                        disabled=~CheckoutState.is_live,
                    ),
                    rx.button(
                        "Release seats",
                        variant="soft",
                        color_scheme="gray",
                        on_click=CheckoutState.release,
                        loading=CheckoutState.busy,
                        disabled=~CheckoutState.is_live,
                    ),
                    align="center",
                ),
                spacing="3",
                padding_y="1.5em",
                max_width="40em",
            ),
            "Booking not found",
        ),
        size="3",
        on_unmount=CheckoutState.leave,
    )
