"""`/movies/[slug]`: synopsis, cast, details, trailer and showtimes by day and cinema."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.layout import found_or_not, page
from bookmyseat.components.trailer_modal import trailer_modal
from bookmyseat.state.movie import CinemaGroup, DayGroup, MovieState, ShowRow


def show_button(show: ShowRow) -> rx.Component:
    label = rx.vstack(
        rx.text(show.time, weight="bold"),
        rx.text(show.format + " · " + show.language, size="1"),
        rx.text(show.price, size="1"),
        rx.text(rx.cond(show.bookable, show.seats_left, show.status), size="1"),
        spacing="0",
        align="center",
    )
    to_show = "/showtimes/" + show.id.to_string()
    return rx.cond(
        show.bookable,
        rx.link(
            rx.button(label, variant="outline", height="auto", padding="0.5em 0.9em"),
            href=to_show,
        ),
        rx.cond(
            show.sold_out,  # the show's page offers its waiting list
            rx.link(
                rx.button(
                    label, variant="soft", height="auto", padding="0.5em 0.9em", color_scheme="gray"
                ),  # fmt: skip
                href=to_show,
                data_testid="sold-out-show",
            ),
            rx.button(
                label,
                variant="outline",
                height="auto",
                padding="0.5em 0.9em",
                disabled=True,
                color_scheme="gray",
            ),
        ),
    )


def cinema_row(cinema: CinemaGroup) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(cinema.name, size="3", as_="h3"),
                rx.badge(cinema.city, variant="soft", color_scheme="gray"),
                align="center",
            ),
            rx.flex(rx.foreach(cinema.shows, show_button), wrap="wrap", spacing="2"),
            spacing="2",
        ),
        width="100%",
    )


def day_section(day: DayGroup) -> rx.Component:
    return rx.vstack(
        rx.heading(day.label, size="4", as_="h2"),
        rx.foreach(day.cinemas, cinema_row),
        spacing="2",
        width="100%",
        data_testid="showtime-day",
    )


def details() -> rx.Component:
    return rx.flex(
        rx.image(
            src=MovieState.poster,
            alt=MovieState.title + " poster",
            width="220px",
            border_radius="var(--radius-3)",
            aspect_ratio="2 / 3",
            object_fit="cover",
        ),
        rx.vstack(
            rx.heading(MovieState.title, size="8", as_="h1"),
            rx.hstack(
                rx.badge(MovieState.certificate, variant="outline"),
                rx.text(MovieState.runtime),
                rx.text(MovieState.language),
                rx.text(MovieState.genres, color_scheme="gray"),
                wrap="wrap",
                align="center",
            ),
            rx.text(MovieState.synopsis, size="3"),
            rx.cond(MovieState.cast != "", rx.text(rx.text.strong("Cast: "), MovieState.cast)),
            rx.cond(
                MovieState.release != "", rx.text(rx.text.strong("Released: "), MovieState.release)
            ),
            rx.cond(
                MovieState.trailer_src != "",
                trailer_modal(
                    MovieState.title,
                    MovieState.trailer_src,
                    MovieState.trailer_open,
                    MovieState.set_trailer_open,
                ),
            ),
            spacing="3",
        ),
        spacing="5",
        direction=rx.breakpoints(initial="column", sm="row"),
    )


def movie_page() -> rx.Component:
    return page(
        found_or_not(
            MovieState.found,
            rx.vstack(
                details(),
                rx.heading("Showtimes", size="6", as_="h2", margin_top="1em"),
                rx.cond(
                    MovieState.loading,
                    rx.spinner(),
                    rx.cond(
                        MovieState.days.length() > 0,
                        rx.vstack(
                            rx.foreach(MovieState.days, day_section), spacing="5", width="100%"
                        ),
                        rx.callout("No showtimes in the next 7 days.", icon="info"),
                    ),
                ),
                spacing="4",
                padding_y="1.5em",
            ),
            "Movie not found",
            link_text="See what is showing",
        ),
        size="4",
    )
