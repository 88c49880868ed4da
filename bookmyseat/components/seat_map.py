"""The seat map: rows, aisles and gaps by grid position; every seat a focusable button."""

from __future__ import annotations

import reflex as rx

from bookmyseat.state.seat_map import RowMark, SeatCell, SeatMapState

STATUS_WORDS = (
    ("a", "available"),
    ("h", "held by someone else"),
    ("s", "sold"),
    ("b", "not for sale"),
    ("m", "held by you"),
)


def seat_button(seat: SeatCell) -> rx.Component:
    code = SeatMapState.codes[seat.index]
    selected = SeatMapState.selected.contains(seat.id)
    status = rx.cond(selected, "selected", rx.match(code, *STATUS_WORDS, "unknown"))
    return rx.el.button(
        rx.cond(seat.wheelchair, "♿", seat.number.to_string()),
        class_name="seat seat-"
        + code
        + rx.cond(selected, " seat-selected", "")
        + rx.cond(seat.wheelchair, " seat-wheelchair", ""),
        style={"gridRow": seat.grid_row.to_string(), "gridColumn": seat.grid_col.to_string()},
        aria_label=seat.aria + ", " + status,
        aria_pressed=rx.cond(selected, "true", "false"),
        title=seat.aria,
        on_click=SeatMapState.toggle(seat.id),
        disabled=SeatMapState.loading,
        type="button",
    )


def row_mark(row: RowMark) -> rx.Component:
    return rx.el.div(
        row.label,
        class_name="row-mark",
        style={"gridRow": row.grid_row.to_string(), "gridColumn": "1"},
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
        rx.box(
            rx.el.div(
                rx.foreach(SeatMapState.rows, row_mark),
                rx.foreach(SeatMapState.seats, seat_button),
                class_name="seat-grid",
                role="group",
                aria_label="Seat map",
                aria_busy=rx.cond(SeatMapState.loading, "true", "false"),
            ),
            overflow_x="auto",
            width="100%",
            padding="0.5em 0",
        ),
        legend(),
        width="100%",
        spacing="3",
    )
