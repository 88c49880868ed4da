"""The on-sale line in front of a seat map: the customer's place, kept live by the browser
(assets/queue_line.jsx), or why they have none yet (signed out)."""

from __future__ import annotations

import reflex as rx

from bookmyseat.state.seat_map import SeatMapState


class QueueLine(rx.Component):
    """Polls `poll_url` and shows where the customer stands; reloads the page on their turn."""

    library = "$/public/queue_line.jsx"
    tag = "QueueLine"

    poll_url: rx.Var[str]
    text: rx.Var[str]


def queue_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(
                rx.cond(
                    SeatMapState.queue_poll_url == "",
                    "This show sells through a waiting line",
                    "You are in the line for this show",
                ),
                size="4",
                as_="h2",
            ),
            QueueLine.create(poll_url=SeatMapState.queue_poll_url, text=SeatMapState.queue_text),
            rx.cond(
                SeatMapState.queue_poll_url == "",
                rx.link(
                    rx.button("Sign in to take your place"),
                    href="/login?next=/showtimes/" + SeatMapState.showtime_id.to_string(),
                ),
                rx.text(
                    "Keep this page open: it moves on by itself when it is your turn. "
                    "Reloading it or opening it in another tab keeps your place.",
                    size="2",
                    color_scheme="gray",
                ),
            ),
            spacing="3",
        ),
        data_testid="queue-panel",
        width="100%",
    )


def turn_notice() -> rx.Component:
    """Once let in: until when the customer may choose (their admission lapses unused)."""
    return rx.cond(
        SeatMapState.turn_text != "",
        rx.callout(SeatMapState.turn_text, icon="clock", size="1", data_testid="queue-turn"),
    )
