"""`/showtimes/[id]`: pick seats on the map and hold them; on a sold-out show, join its
waiting list."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.layout import found_or_not, page
from bookmyseat.components.queue_line import queue_panel, turn_notice
from bookmyseat.components.seat_map import seat_map_view
from bookmyseat.components.waitlist import waitlist_panel
from bookmyseat.state.seat_map import SeatMapState


def live_updates() -> rx.Component:
    """Starts the map's live updates each time the tab is hydrated: on arrival, and again after a
    reconnect or a backend restart (which re-hydrate the tab but mount nothing anew)."""
    return rx.cond(
        rx.State.is_hydrated & ~SeatMapState.loading,
        rx.box(
            on_mount=SeatMapState.join_live,
            on_unmount=SeatMapState.leave_live,
            display="none",
        ),
    )


def showtime_page() -> rx.Component:
    return page(
        found_or_not(
            SeatMapState.found,
            rx.vstack(
                rx.link("← " + SeatMapState.title, href="/movies/" + SeatMapState.movie_slug),
                rx.heading(SeatMapState.title, size="6", as_="h1"),
                rx.text(SeatMapState.venue, size="2"),
                rx.text(SeatMapState.when, size="2", color_scheme="gray"),
                rx.flex(
                    rx.foreach(
                        SeatMapState.categories, lambda c: rx.badge(c, variant="soft", size="2")
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                rx.cond(
                    SeatMapState.queued,
                    queue_panel(),
                    rx.fragment(turn_notice(), seat_map_view(), waitlist_panel()),
                ),
                live_updates(),
                spacing="3",
                padding_y="1em",
            ),
            SeatMapState.missing_title,
        ),
        size="4",
    )
