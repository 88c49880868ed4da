"""`/showtimes/[id]`: pick seats on the map and hold them."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.layout import found_or_not, page
from bookmyseat.components.seat_map import seat_map_view
from bookmyseat.state.seat_map import SeatMapState


def summary_bar() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text(
                    rx.cond(
                        SeatMapState.selected.length() > 0,
                        SeatMapState.selected_labels,
                        "No seats chosen yet",
                    ),
                    weight="bold",
                    data_testid="selected-seats",
                ),
                rx.text(
                    SeatMapState.selected.length().to_string()
                    + " of "
                    + SeatMapState.limit.to_string()
                    + " seats · tickets "
                    + rx.cond(SeatMapState.total != "", SeatMapState.total, "₹0"),
                    size="2",
                    data_testid="running-total",
                ),
                spacing="0",
            ),
            rx.spacer(),
            rx.button(
                "Proceed",
                size="3",
                on_click=SeatMapState.proceed,
                loading=SeatMapState.busy,
                disabled=SeatMapState.selected.length() == 0,
            ),
            align="center",
            gap="3",
        ),
        position="sticky",
        bottom="0.5em",
        width="100%",
    )


def live_updates() -> rx.Component:
    """Starts the map's live updates each time the tab is hydrated: on arrival, and again after a
    reconnect or a backend restart (which re-hydrate the tab but mount nothing anew)."""
    return rx.cond(rx.State.is_hydrated, rx.box(on_mount=SeatMapState.watch, display="none"))


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
                seat_map_view(),
                summary_bar(),
                live_updates(),
                spacing="3",
                padding_y="1em",
            ),
            "Show not found",
        ),
        size="4",
        # Leaving the page ends its live updates (closing the tab ends them too).
        on_unmount=SeatMapState.stop_watching,
    )
