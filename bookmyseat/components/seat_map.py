"""The seat map: the browser-side seat picker (assets/seat_picker.jsx) fed by SeatMapState, with
the screen above it and the legend below."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import passthrough_event_spec

from bookmyseat.state.seat_map import SeatMapState


class SeatPicker(rx.Component):
    """Rows, aisles and gaps by grid position, every seat a focusable button; the choice is
    kept in the browser and posted to `hold_url` on Proceed (or, signed out, taken along to
    the sign-in page). Where to go next goes to `on_go`; a refusal's message to `on_refused`."""

    library = "$/public/seat_picker.jsx"
    tag = "SeatPicker"

    seat_plan_url: rx.Var[str]
    codes: rx.Var[str]
    mine: rx.Var[list[int]]
    limit: rx.Var[int]
    hold_url: rx.Var[str]
    best_seats_url: rx.Var[str]
    signed_in: rx.Var[bool]
    loading: rx.Var[bool]
    preselected: rx.Var[list[int]]
    on_go: rx.EventHandler[passthrough_event_spec(str)]
    on_refused: rx.EventHandler[passthrough_event_spec(str)]


STATUS_WORDS = (
    ("a", "available"),
    ("h", "held by someone else"),
    ("s", "sold"),
    ("b", "not for sale"),
    ("m", "held by you"),
)


def legend() -> rx.Component:
    items = [
        ("seat-a", "Available"),
        ("seat-selected", "Selected"),
        ("seat-a seat-offered", "Best available"),
        ("seat-h", "Held by others"),
        ("seat-s", "Sold"),
        ("seat-b", "Blocked"),
    ]
    return rx.flex(
        *[
            rx.hstack(
                rx.el.span(class_name=f"seat legend-swatch {classes}"),
                rx.text(text, size="1"),
                align="center",
                spacing="1",
            )
            for classes, text in items
        ],
        rx.hstack(
            rx.el.span("♿", class_name="seat legend-swatch seat-wheelchair"),
            rx.text("Wheelchair space", size="1"),
            align="center",
            spacing="1",
        ),
        wrap="wrap",
        spacing="4",
        justify="center",
    )


def seat_map_view() -> rx.Component:
    return rx.vstack(
        rx.box(
            rx.box(class_name="screen-bar"),
            rx.text("Screen this way", size="1", align="center", color_scheme="gray"),
            width="60%",
            margin="0 auto",
        ),
        SeatPicker.create(
            seat_plan_url=SeatMapState.seat_plan_url,
            codes=SeatMapState.codes,
            mine=SeatMapState.mine,
            limit=SeatMapState.limit,
            hold_url=SeatMapState.hold_url,
            best_seats_url=SeatMapState.best_seats_url,
            signed_in=SeatMapState.username != "",
            loading=SeatMapState.loading,
            preselected=SeatMapState.preselected,
            on_go=lambda path: rx.redirect(path),  # handled in the browser: no round trip
            on_refused=lambda message: rx.toast.error(message),
        ),
        legend(),
        width="100%",
        spacing="3",
    )
