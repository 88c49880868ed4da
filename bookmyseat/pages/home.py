"""`/`: what is showing."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.movie_card import movie_card
from bookmyseat.components.navbar import navbar
from bookmyseat.state.home import HomeState


def home() -> rx.Component:
    return rx.box(
        navbar(),
        rx.container(
            rx.vstack(
                rx.heading("Now showing", size="7", as_="h1"),
                rx.input(
                    rx.input.slot(rx.icon("search")),
                    placeholder="Search movies, cast or genres",
                    value=HomeState.search,
                    on_change=HomeState.set_search.debounce(250),
                    aria_label="Search movies",
                    width="100%",
                    max_width="28em",
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
                        rx.callout("No movies match your search.", icon="info"),
                    ),
                ),
                spacing="5",
                padding_y="1.5em",
            ),
            size="4",
        ),
    )
