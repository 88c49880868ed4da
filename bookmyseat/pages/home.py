"""`/`: what is showing."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.layout import page
from bookmyseat.components.movie_card import movie_card
from bookmyseat.state.home import HomeState


def filter_select(label: str, name: str, options: rx.Var, value: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", as_="label"),
        rx.select.root(
            rx.select.trigger(aria_label=f"Filter by {label.lower()}", min_width="9em"),
            rx.select.content(rx.foreach(options, lambda o: rx.select.item(o, value=o))),
            value=value,
            on_change=lambda v: HomeState.set_filter(name, v),
        ),
        spacing="1",
    )


def home() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Now showing", size="7", as_="h1"),
            rx.flex(
                rx.input(
                    rx.input.slot(rx.icon("search")),
                    placeholder="Search movies, cast or genres",
                    value=HomeState.search,
                    on_change=HomeState.set_search.debounce(250),
                    aria_label="Search movies",
                    width="100%",
                    max_width="24em",
                ),
                filter_select("City", "city", HomeState.cities, HomeState.city),
                filter_select("Date", "day", HomeState.days, HomeState.day),
                filter_select("Genre", "genre", HomeState.genres, HomeState.genre),
                filter_select("Language", "language", HomeState.languages, HomeState.language),
                rx.cond(
                    HomeState.filtered,
                    rx.button("Clear", variant="ghost", on_click=HomeState.clear_filters),
                ),
                wrap="wrap",
                spacing="3",
                align="end",
                width="100%",
            ),
            rx.cond(
                HomeState.movies.length() > 0,
                rx.grid(
                    rx.foreach(HomeState.movies, movie_card),
                    columns=rx.breakpoints(initial="2", sm="3", md="4", lg="5"),
                    spacing="4",
                    width="100%",
                ),
                rx.cond(
                    HomeState.loading,
                    rx.spinner(),
                    rx.callout(
                        "No movies match your search and filters. Try clearing some.",
                        icon="info",
                    ),
                ),
            ),
            spacing="5",
            padding_y="1.5em",
        ),
        size="4",
    )
