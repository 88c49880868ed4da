"""`/admin/onsale`: set up an on-sale line for a show, and each line with Pause, Open and End
(layout only)."""

from __future__ import annotations

import reflex as rx

from bookmyseat.pages.admin import admin_shell, table_of
from bookmyseat.pages.admin_promos import field
from bookmyseat.state.admin_onsale import OnSaleLine, OnSaleState


def action(row: OnSaleLine, status: str, words: str, color: str | None) -> rx.Component:
    return rx.cond(
        (row.status != status) & ((row.status != "ended") | (status == "open")),
        rx.button(
            words,
            size="1",
            variant="soft",
            color_scheme=color,
            disabled=~OnSaleState.is_admin,
            on_click=OnSaleState.change(row.showtime_id, status),
            aria_label=words + " the line of " + row.show,
        ),
    )


def line_row(row: OnSaleLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.show),
        rx.table.cell(row.opens),
        rx.table.cell(row.pace),
        rx.table.cell(row.status_words),
        rx.table.cell(row.waiting),
        rx.table.cell(row.inside),
        rx.table.cell(
            rx.hstack(
                action(row, "paused", "Pause", None),  # the accent: amber fails contrast
                action(row, "open", "Open", "green"),
                action(row, "ended", "End", "red"),
                spacing="2",
            )
        ),
        data_testid="onsale-row",
    )


def set_up_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            field(
                "Show",
                rx.select(
                    OnSaleState.show_labels, name="show", custom_attrs={"aria-label": "Show"}
                ),
            ),
            field(
                "Sale opens (cinema's time)",
                rx.input(name="opens_at", type="datetime-local", aria_label="Sale opens"),
            ),
            field(
                "Customers a minute",
                rx.input(
                    name="per_minute",
                    default_value=OnSaleState.default_per_minute,
                    aria_label="Customers a minute",
                    width="7em",
                ),
            ),
            field(
                "Minutes to choose",
                rx.input(
                    name="admission_minutes",
                    default_value=OnSaleState.default_admission_minutes,
                    aria_label="Minutes to choose",
                    width="7em",
                ),
            ),
            rx.button("Set up and open", type="submit", disabled=~OnSaleState.is_admin),
            wrap="wrap",
            align="end",
        ),
        on_submit=OnSaleState.set_up,
        reset_on_submit=False,
    )


def onsale_page() -> rx.Component:
    return admin_shell(
        "On-sale lines",
        rx.text(
            "For a show that will sell out in minutes: customers wait in a line and are let in "
            "at the pace you set. Everyone who arrives before the sale opens gets a place at "
            "random; later arrivals join in order. A customer let in who has not held seats "
            "within the minutes to choose goes to the back.",
            size="2",
        ),
        set_up_form(),
        rx.cond(
            OnSaleState.rows.length() == 0,
            rx.text("No show to come has a line.", size="2", color_scheme="gray"),
            table_of(
                ["Show", "Sale opens", "Pace", "Status", "Waiting", "Choosing", "Actions"],
                rx.foreach(OnSaleState.rows, line_row),
            ),
        ),
    )
