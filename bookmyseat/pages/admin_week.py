"""`/admin/schedule`: the week grid and "copy a week to the next" (layout only)."""

from __future__ import annotations

import reflex as rx

from bookmyseat.pages.admin import admin_shell, table_of
from bookmyseat.state.admin_week import PlannedLine, WeekState

CATEGORIES = ("Classic", "Prime", "Recliner")


def _field(label: str, name: str, **props) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2"), rx.input(name=name, aria_label=label, **props), spacing="1"
    )


def planned_line(row: PlannedLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.starts),
        rx.table.cell(row.screen),
        rx.table.cell(row.movie),
        rx.table.cell(row.prices),
        rx.table.cell(rx.cond(row.problem == "", "✓ can be scheduled", row.problem)),
        data_testid="planned-show",
    )


def week_page() -> rx.Component:
    screens = rx.flex(
        rx.foreach(
            WeekState.screens,
            lambda s: rx.el.label(
                rx.checkbox(
                    checked=WeekState.chosen_screens.contains(s),
                    on_change=lambda checked: WeekState.choose_screen(s, checked),
                    aria_label=s,
                ),
                " ",
                s,
                class_name="screen-choice",
            ),
        ),
        gap="3",
        wrap="wrap",
        role="group",
        aria_label="Screens",
    )
    grid = rx.form(
        rx.flex(
            rx.select(
                WeekState.movie_titles,
                name="movie",
                placeholder="Movie",
                custom_attrs={"aria-label": "Movie"},
            ),
            _field("First day", "first", type="date"),
            _field("Last day", "last", type="date"),
            _field("Start times (cinema's clock)", "times", placeholder="10:00 13:30 21:00"),
            *[_field(f"{c} ₹", c, type="number", width="6em") for c in CATEGORIES],
            rx.button("Preview the week", type="submit", variant="soft"),
            gap="3",
            align="end",
            wrap="wrap",
        ),
        on_submit=WeekState.preview_grid,
    )
    copy = rx.form(
        rx.flex(
            _field("Copy the week starting", "week_of", type="date"),
            rx.button("Preview it a week later", type="submit", variant="soft"),
            gap="3",
            align="end",
        ),
        on_submit=WeekState.preview_copy,
    )
    return admin_shell(
        "Schedule a week",
        rx.heading("Screens", size="4", as_="h2"),
        screens,
        rx.heading("A movie on the chosen screens", size="4", as_="h2"),
        rx.text(
            "A price left blank comes from the screen's price template (set on the Prices "
            "page) for the show's day and time; the preview shows every show's prices.",
            size="2",
        ),
        grid,
        rx.heading("Or copy a week of the chosen screens to the next", size="4", as_="h2"),
        copy,
        rx.cond(
            WeekState.shows.length() > 0,
            rx.vstack(
                rx.heading("Preview", size="4", as_="h2"),
                rx.text(
                    WeekState.shows.length().to_string()
                    + " shows, "
                    + WeekState.clashes.to_string()
                    + " clashing.",
                    data_testid="week-summary",
                ),  # fmt: skip
                table_of(
                    ["Starts", "Screen", "Movie", "Prices", "Check"],
                    rx.foreach(WeekState.shows, planned_line),
                ),  # fmt: skip
                rx.button(
                    "Schedule these shows",
                    on_click=WeekState.create,
                    disabled=(WeekState.clashes > 0) | ~WeekState.is_admin,
                ),
                width="100%",
            ),
        ),
    )
