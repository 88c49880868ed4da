"""The waiting-list panel under a seat map: "Tell me when seats free up" on a sold-out show, and
the customer's place in line (or the seats held for them) once they joined."""

from __future__ import annotations

import reflex as rx

from bookmyseat.state.seat_map import SeatMapState
from bookmyseat.state.waitlist import WaitlistState


def _sold_out() -> rx.Var:
    """The live codes name no available seat (decided in the browser, no round trip)."""
    codes = SeatMapState.codes
    return (codes != "") & ~codes.contains("a") & ~SeatMapState.loading


def _join_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Sold out", size="4", as_="h2"),
            rx.text(
                "Join the waiting list: when seats free up, the first in line gets them held "
                "for " + WaitlistState.offer_minutes.to_string() + " minutes and an email "
                "with the link to pay.",
                size="2",
            ),
            rx.form(
                rx.hstack(
                    rx.select(
                        WaitlistState.choices,
                        name="seats",
                        default_value="2",
                        custom_attrs={"aria-label": "Seats wanted"},
                    ),
                    rx.button(
                        "Tell me when seats free up",
                        type="submit",
                        loading=WaitlistState.busy,
                    ),
                    align="center",
                    wrap="wrap",
                ),
                on_submit=WaitlistState.join,
            ),
            spacing="2",
        ),
        data_testid="waitlist-join",
        width="100%",
    )


def _place_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("You are on the waiting list", size="4", as_="h2"),
            rx.cond(
                WaitlistState.status == "offered",
                rx.vstack(
                    rx.text(
                        "Seats freed up and are held for you: pay before the hold ends, or they "
                        "go to the next in line.",
                        size="2",
                    ),
                    rx.link(
                        rx.button("Pay for your seats"),
                        href="/checkout/" + WaitlistState.reference,
                    ),
                    spacing="2",
                ),
                rx.text(
                    "You are number ",
                    rx.text.strong(WaitlistState.position),
                    " in line for ",
                    WaitlistState.seats_wanted,
                    rx.cond(WaitlistState.seats_wanted == 1, " seat", " seats"),
                    ". We will email you when seats free up.",
                    size="2",
                    role="status",
                ),
            ),
            rx.button(
                "Leave the waiting list",
                variant="outline",
                color_scheme="gray",
                on_click=WaitlistState.leave,
                loading=WaitlistState.busy,
            ),
            spacing="2",
        ),
        data_testid="waitlist-place",
        width="100%",
    )


def waitlist_panel() -> rx.Component:
    sold_out = _sold_out()
    joined = WaitlistState.in_line & (WaitlistState.showtime_id == SeatMapState.showtime_id)
    return rx.fragment(
        rx.cond(sold_out, rx.box(on_mount=WaitlistState.load, display="none")),
        rx.cond(joined, _place_card(), rx.cond(sold_out, _join_card())),
    )
