"""`/admin/promos`: create a promo code, and every code with its use (layout only)."""

from __future__ import annotations

import reflex as rx

from bookmyseat.pages.admin import admin_shell, table_of
from bookmyseat.state.admin_promos import EVERY, PromoLine, PromosState

CATEGORIES = [EVERY, "Classic", "Prime", "Recliner"]


def field(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="2"), control, spacing="1")


def labelled_select(label: str, name: str, items, default: str) -> rx.Component:  # noqa: ANN001
    return field(
        label,
        rx.select(items, name=name, default_value=default, custom_attrs={"aria-label": label}),
    )


def limit_box(row: PromoLine, limit: str, label: str, checked) -> rx.Component:  # noqa: ANN001
    """One per-customer limit of a code, turned on or off where it is shown."""
    return rx.text(
        rx.flex(
            rx.checkbox(
                checked=checked,
                on_change=lambda on: PromosState.set_limit(row.id, limit, on),
                disabled=~PromosState.is_admin,
                aria_label=label + ": " + row.code,
            ),
            label,
            spacing="1",
        ),
        as_="label",
        size="1",
    )


def promo_line(row: PromoLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text.strong(row.code)),
        rx.table.cell(row.terms),
        rx.table.cell(
            rx.vstack(
                limit_box(row, "once_per_customer", "Once per customer", row.once_per_customer),
                limit_box(row, "first_booking_only", "First booking only", row.first_booking_only),
                spacing="1",
            )  # fmt: skip
        ),
        rx.table.cell(row.valid),
        rx.table.cell(row.uses),
        rx.table.cell(row.paid),
        rx.table.cell(row.discount_given),
        rx.table.cell(
            rx.button(
                rx.cond(row.is_active, "Pause", "Resume"),
                size="1",
                variant="soft",
                on_click=PromosState.set_active(row.id, ~row.is_active),
                disabled=~PromosState.is_admin,
                aria_label=rx.cond(row.is_active, "Pause ", "Resume ") + row.code,
            )
        ),
        data_testid="promo-row",
    )


def create_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.hstack(
                field("Code", rx.input(name="code", max_length=32, aria_label="Code")),
                field("Description", rx.input(name="description", aria_label="Description")),
                labelled_select("Kind", "kind", ["percent", "amount"], "percent"),
                field(
                    "Discount (% or ₹)",
                    rx.input(name="value", aria_label="Discount (% or ₹)", width="7em"),
                ),
                wrap="wrap",
                align="end",
            ),
            rx.hstack(
                field(
                    "Valid from (first day)",
                    rx.input(name="valid_from", type="date", aria_label="Valid from"),
                ),
                field(
                    "Valid until (last day)",
                    rx.input(name="valid_until", type="date", aria_label="Valid until"),
                ),
                field(
                    "Most uses (empty: no limit)",
                    rx.input(name="max_uses", aria_label="Most uses", width="7em"),
                ),
                wrap="wrap",
                align="end",
            ),
            rx.hstack(
                labelled_select("Movie", "movie", PromosState.movie_titles, EVERY),
                labelled_select("Cinema", "cinema", PromosState.cinema_names, EVERY),
                labelled_select("Seat category", "category", CATEGORIES, EVERY),
                rx.text(
                    rx.flex(
                        rx.checkbox(name="once_per_customer", aria_label="Once per customer"),
                        "Once per customer",
                        spacing="1",
                    ),
                    as_="label",
                    size="2",
                ),
                rx.text(
                    rx.flex(
                        rx.checkbox(name="first_booking_only", aria_label="First booking only"),
                        "First booking only",
                        spacing="1",
                    ),
                    as_="label",
                    size="2",
                ),
                rx.button("Create code", type="submit", disabled=~PromosState.is_admin),
                wrap="wrap",
                align="end",
            ),
            spacing="3",
        ),
        on_submit=PromosState.create,
        reset_on_submit=False,
    )


def promos_page() -> rx.Component:
    return admin_shell(
        "Promo codes",
        rx.text(
            "A code takes its discount off the seats of one booking (never the fee). Its uses "
            "are the bookings holding seats with it now; a hold that runs out or a cancelled "
            "booking gives its use back. Days are on the site's clock. Once per customer: "
            "one booking of each customer may have it; first booking only: only a customer "
            "who has never paid for a booking may use it (on one booking).",
            size="2",
        ),
        create_form(),
        table_of(
            [
                "Code",
                "Terms",
                "Customers",
                "Valid",
                "Uses",
                "Paid bookings",
                "Discount given",
                "Action",
            ],  # fmt: skip
            rx.foreach(PromosState.rows, promo_line),
        ),
    )
