"""`/admin/catalog`: movies, the screen layout editor with a live preview, showtimes."""

from __future__ import annotations

import reflex as rx

from bookmyseat.pages.admin import admin_shell, table_of
from bookmyseat.state.admin import AdminState
from bookmyseat.state.admin_catalog import (
    MOVIE_FORM,
    SEAT_CATEGORIES,
    CatalogState,
    MovieLine,
    PreviewSeat,
)


def movie_line(movie: MovieLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(movie.title),
        rx.table.cell(movie.runtime.to_string() + " min"),
        rx.table.cell(rx.cond(movie.active, "on listings", "retired")),
        rx.table.cell(
            rx.cond(
                AdminState.is_admin,
                rx.button(
                    "Edit", size="1", variant="soft", on_click=CatalogState.open_edit(movie.id)
                ),
            ),
            rx.cond(
                movie.active & AdminState.is_admin,
                rx.button(
                    "Retire", size="1", variant="soft", on_click=CatalogState.retire(movie.id)
                ),
            ),
        ),
    )


def edit_dialog() -> rx.Component:
    edit = CatalogState.edit
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Edit movie"),
            rx.form(
                rx.vstack(
                    *[
                        movie_field(name, label, default_value=edit[name])
                        for name, label, _ in MOVIE_FORM
                    ],
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                        rx.button("Save", type="submit"),
                    ),
                    width="100%",
                ),
                on_submit=CatalogState.save_edit,
            ),
        ),
        open=CatalogState.editing_id != 0,
        on_open_change=CatalogState.close_edit,
    )


def movie_field(name: str, label: str, **props) -> rx.Component:
    """One field of the movie form (the synopsis is a text area)."""
    if name == "synopsis":
        return rx.vstack(
            rx.text(label, size="2"),
            rx.text_area(name=name, aria_label=label, width="100%", **props),
            spacing="1",
            width="100%",
        )
    if name == "runtime_minutes":
        props.setdefault("type", "number")
    return _field(label, name, **props)


def preview_seat(seat: PreviewSeat) -> rx.Component:
    return rx.el.span(
        class_name="seat legend-swatch seat-" + seat.kind,
        title=seat.label,
        style={"gridRow": seat.grid_row.to_string(), "gridColumn": seat.grid_col.to_string()},
    )


def _field(label: str, name: str, **props) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2"), rx.input(name=name, aria_label=label, **props), spacing="1"
    )


def catalog_page() -> rx.Component:
    movies = rx.card(
        rx.heading("Movies", size="4", as_="h2"),
        table_of(
            ["Title", "Runtime", "Status", "Actions"], rx.foreach(CatalogState.movies, movie_line)
        ),
        rx.flex(
            rx.select(
                CatalogState.movie_titles,
                placeholder="Poster for…",
                custom_attrs={"aria-label": "Poster for"},
                value=CatalogState.poster_movie,
                on_change=CatalogState.set_poster_movie,
            ),
            # A label around the drop zone names its file input (react-dropzone's input takes
            # no props of its own): "Drop a PNG, … poster here".
            rx.el.label(
                rx.upload(
                    rx.text(
                        "Drop a PNG, JPEG or WebP poster here, or click (2 MB at most)", size="2"
                    ),
                    id="poster",
                    max_files=1,
                    accept={
                        "image/png": [".png"],
                        "image/jpeg": [".jpg", ".jpeg"],
                        "image/webp": [".webp"],
                    },
                    border="1px dashed var(--gray-a7)",
                    padding="0.75em",
                )
            ),
            rx.text(rx.selected_files("poster").join(", "), size="1"),
            rx.button(
                "Upload poster",
                loading=CatalogState.uploading,
                on_click=CatalogState.upload_poster(rx.upload_files(upload_id="poster")),
            ),
            gap="3",
            align="center",
            wrap="wrap",
        ),
        rx.form(
            rx.flex(
                *[movie_field(name, label) for name, label, _ in MOVIE_FORM],
                rx.button("Add movie", type="submit"),
                wrap="wrap",
                gap="3",
                align="end",
            ),
            on_submit=CatalogState.add_movie,
            reset_on_submit=True,
        ),
        width="100%",
    )
    screens = rx.card(
        rx.heading("Screens: layout editor", size="4", as_="h2"),
        rx.text(
            f"One row a line: label, category ({', '.join(SEAT_CATEGORIES)}), cells. S seat, "
            "W wheelchair space, X blocked seat, _ aisle; a line with - is a gap between rows.",
            size="2",
        ),
        rx.flex(
            rx.text_area(
                value=CatalogState.layout_text,
                on_change=CatalogState.set_layout_text,
                aria_label="Seat layout",
                rows="8",
                font_family="monospace",
                width="24em",
            ),
            rx.vstack(
                rx.text("Preview", size="2", weight="bold"),
                rx.el.div(
                    rx.foreach(CatalogState.preview, preview_seat),
                    class_name="seat-grid",
                    data_testid="layout-preview",
                ),
                rx.cond(
                    CatalogState.layout_problem != "",
                    rx.text(
                        CatalogState.layout_problem, color_scheme="red", size="2", role="alert"
                    ),
                ),
            ),
            gap="4",
            wrap="wrap",
        ),
        rx.form(
            rx.flex(
                _field("New cinema", "name"),
                _field("City", "city"),
                _field("Address", "address"),
                _field("Time zone", "timezone", placeholder=CatalogState.default_timezone),
                rx.button("Add cinema", type="submit", variant="soft"),
                gap="3",
                align="end",
                wrap="wrap",
            ),
            on_submit=CatalogState.add_cinema,
            reset_on_submit=True,
        ),
        rx.form(
            rx.flex(
                rx.select(
                    CatalogState.cinemas,
                    name="cinema",
                    placeholder="Cinema",
                    custom_attrs={"aria-label": "Cinema"},
                ),
                _field("Screen name", "name"),
                rx.button("Add screen", type="submit"),
                gap="3",
                align="end",
                wrap="wrap",
            ),
            on_submit=CatalogState.add_screen,
        ),
        rx.heading("Change a screen's layout", size="3", as_="h3"),
        rx.form(
            rx.flex(
                rx.select(
                    CatalogState.screens,
                    value=CatalogState.layout_screen,
                    on_change=CatalogState.open_layout,
                    placeholder="Screen to change",
                    custom_attrs={"aria-label": "Screen to change"},
                ),
                *[_field(f"Price for new {c} seats ₹", c, type="number") for c in SEAT_CATEGORIES],
                rx.button("Save layout", type="submit", variant="soft"),
                gap="3",
                align="end",
                wrap="wrap",
            ),
            on_submit=CatalogState.save_layout,
        ),
        rx.text(
            "The editor above then holds that screen's layout. A change that would take a seat "
            "from a customer of a coming show is refused, naming the seats.",
            size="1",
            color_scheme="gray",
        ),
        width="100%",
    )
    showtimes = rx.card(
        rx.heading("Schedule a showtime", size="4", as_="h2"),
        rx.form(
            rx.flex(
                rx.select(
                    CatalogState.movie_titles,
                    name="movie",
                    placeholder="Movie",
                    custom_attrs={"aria-label": "Movie"},
                ),
                rx.select(
                    CatalogState.screens,
                    name="screen",
                    placeholder="Screen",
                    custom_attrs={"aria-label": "Screen"},
                ),
                _field("Starts (cinema's local time)", "starts_at", type="datetime-local"),
                *[_field(f"{c} ₹", c, type="number") for c in SEAT_CATEGORIES],
                rx.button("Schedule", type="submit"),
                gap="3",
                align="end",
                wrap="wrap",
            ),
            on_submit=CatalogState.schedule,
        ),
        width="100%",
    )
    return admin_shell("Catalog", movies, screens, showtimes, edit_dialog())
