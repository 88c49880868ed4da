"""The seat map: the browser-side seat picker (assets/seat_picker.jsx) fed by SeatMapState, with
the screen above it and the legend below."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import passthrough_event_spec

from bookmyseat.state.seat_map import SeatMapState


class SeatPicker(rx.Component):
    """Rows, aisles and gaps by grid position, every seat a focusable button; the choice is
    kept in the browser and handed to `on_proceed` as a list of seat ids."""

    library = "$/public/seat_picker.jsx"
    tag = "SeatPicker"

    seat_plan_url: rx.Var[str]
    codes: rx.Var[str]
    mine: rx.Var[list[int]]
    limit: rx.Var[int]
    busy: rx.Var[bool]
    loading: rx.Var[bool]
    preselected: rx.Var[list[int]]
    on_proceed: rx.EventHandler[passthrough_event_spec(list[int])]


STATUS_WORDS = (
    ("a", "available"),
    ("h", "held by someone else"),
    ("s", "sold"),
    ("b", "not for sale"),
    ("m", "held by you"),
)


def legend() -> rx.Component:
    items = [
        ("a", "Available"),
        ("selected", "Selected"),
        ("h", "Held by others"),
        ("s", "Sold"),
        ("b", "Blocked"),
    ]
    return rx.flex(
        *[
            rx.hstack(
                rx.el.span(
                    class_name=f"seat legend-swatch seat-{code}"
                    if code != "selected"
                    else "seat legend-swatch seat-selected"
                ),
                rx.text(text, size="1"),
                align="center",
                spacing="1",
            )
            for code, text in items
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
            busy=SeatMapState.busy,
            loading=SeatMapState.loading,
            preselected=SeatMapState.preselected,
            on_proceed=SeatMapState.proceed,
        ),
        legend(),
        width="100%",
        spacing="3",
    )
