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


def template_editor() -> rx.Component:
    """A screen's price template: the prices new shows get where scheduling leaves them blank."""
    return rx.card(
        rx.vstack(
            rx.heading("Price templates", size="4", as_="h2"),
            rx.text(
                "One rule a line: every, weekdays or weekends; the first start time it "
                "applies to (cinema's clock); categories with whole rupees. The latest start "
                "that applies wins; a show after midnight belongs to the evening before.",
                size="2",
            ),
            rx.select(
                PricesState.template_screens,
                value=PricesState.template_screen,
                on_change=PricesState.open_template,
                placeholder="Choose a screen",
                custom_attrs={"aria-label": "Screen whose template to edit"},
            ),
            rx.cond(
                PricesState.template_screen != "",
                rx.form(
                    rx.vstack(
                        rx.text_area(
                            name="template",
                            default_value=PricesState.template_text,
                            key=PricesState.template_screen + PricesState.template_text,
                            placeholder="every 09:00 Classic 180 Prime 250\n"
                            "weekends 09:00 Classic 220 Prime 300\n"
                            "every 18:00 Classic 230 Prime 320",
                            rows="6",
                            width="100%",
                            font_family="monospace",
                            custom_attrs={"aria-label": "Price template"},
                        ),
                        rx.button(
                            "Save the template", type="submit", disabled=~PricesState.is_admin
                        ),
                        width="100%",
                    ),
                    on_submit=PricesState.save_template,
                    width="100%",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
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
        template_editor(),
        table_of(
            ["Chosen", "Starts (cinema's time)", "Movie", "Where", "Prices"],
            rx.foreach(PricesState.rows, price_line),
        ),
    )
