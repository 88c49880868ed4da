"""`/admin/prices`: tick future shows, give new prices (layout only)."""

from __future__ import annotations

import reflex as rx

from bookmyseat.pages.admin import admin_shell, table_of
from bookmyseat.state.admin_prices import PriceLine, PricesState

CATEGORIES = ("Classic", "Prime", "Recliner")


def price_line(row: PriceLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.checkbox(
                checked=PricesState.chosen.contains(row.id),
                on_change=lambda checked: PricesState.choose(row.id, checked),
                aria_label="Choose " + row.movie + ", " + row.place + ", " + row.starts,
            )
        ),
        rx.table.cell(row.starts),
        rx.table.cell(row.movie),
        rx.table.cell(row.place),
        rx.table.cell(row.prices),
        data_testid="price-row",
    )


def prices_page() -> rx.Component:
    return admin_shell(
        "Prices",
        rx.text(
            "New prices reach seats held from now on; every booking keeps the price it was "
            "held at. Shows that have started cannot change.",
            size="2",
        ),
        rx.form(
            rx.hstack(
                *[
                    rx.vstack(
                        rx.text(f"{c} ₹", size="2"),
                        rx.input(name=c, aria_label=f"New {c} price ₹", width="7em"),
                        spacing="1",
                    )
                    for c in CATEGORIES
                ],
                rx.button(
                    "Change prices of the chosen shows",
                    type="submit",
                    disabled=~PricesState.is_admin | (PricesState.chosen.length() == 0),
                ),
                align="end",
                wrap="wrap",
            ),
            on_submit=PricesState.change,
            reset_on_submit=True,
        ),
        table_of(
            ["Chosen", "Starts (cinema's time)", "Movie", "Where", "Prices"],
            rx.foreach(PricesState.rows, price_line),
        ),
    )
