"""A movie card for the home grid."""

from __future__ import annotations

import reflex as rx


def movie_card(movie: rx.Var) -> rx.Component:
    return rx.link(
        rx.card(
            rx.image(
                src=movie["poster"],
                alt=movie["title"] + " poster",
                width="100%",
                aspect_ratio="2 / 3",
                object_fit="cover",
                border_radius="var(--radius-2)",
            ),
            rx.vstack(
                rx.heading(movie["title"], size="3", as_="h2"),
                rx.hstack(
                    rx.badge(movie["certificate"], variant="outline"),
                    rx.text(movie["runtime"], size="1", color_scheme="gray"),
                    rx.text(movie["language"], size="1", color_scheme="gray"),
                    spacing="2",
                    align="center",
                ),
                rx.text(movie["genres"], size="1", color_scheme="gray"),
                spacing="1",
                padding_top="0.5em",
            ),
            class_name="movie-card",
        ),
        href="/movies/" + movie["slug"],
        underline="none",
        data_testid="movie-card",
    )
