"""State of `/admin/catalog`: movies, the screen layout editor with its live preview, and
scheduling showtimes. Handlers pass the account to `services.management`, which checks it."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import reflex as rx

from bookmyseat.models import SeatCategory
from bookmyseat.services.catalog import posters
from bookmyseat.services.catalog.layouts import LayoutError, layout_json, parse_layout
from bookmyseat.services.catalog.poster_store import posters_folder
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import catalog_management as management
from bookmyseat.services.staff import layout_editing, scheduling
from bookmyseat.services.staff.catalog_management import ManagementError, MovieFields
from bookmyseat.settings import get_settings
from bookmyseat.state.admin import AdminState

SEAT_CATEGORIES = [str(c) for c in SeatCategory]
SAMPLE_LAYOUT = "A Classic WSSS_SSSS\nB Classic SSSS_SSSS\n-\nC Prime SSSS_SSSX"


@dataclasses.dataclass
class MovieLine:
    id: int
    title: str
    runtime: int
    active: bool


@dataclasses.dataclass
class PreviewSeat:
    label: str
    grid_row: int
    grid_col: int
    kind: str  # a (seat) w (wheelchair) b (blocked)


# The movie form, add and edit alike: (field of MovieFields, label, longest accepted text).
MOVIE_FORM = [
    ("title", "Title", 200),
    ("runtime_minutes", "Runtime (minutes)", 4),
    ("certificate", "Certificate (U, UA, A, S)", 4),
    ("language", "Language", 40),
    ("genres", "Genres", 200),
    ("cast_members", "Cast", 500),
    ("trailer_url", "Trailer (YouTube link)", 500),
    ("synopsis", "Synopsis", 4000),
]


def _movie_fields(form: dict) -> MovieFields:
    """The form's text as MovieFields; every field of the form is read (a field left out would
    be saved empty, as the cast once was)."""
    text = {name: str(form.get(name, "")).strip()[:longest] for name, _, longest in MOVIE_FORM}
    runtime = text["runtime_minutes"]
    return MovieFields(
        **text
        | {
            "certificate": text["certificate"].upper() or "UA",
            "runtime_minutes": int(runtime) if runtime.isascii() and runtime.isdigit() else 0,
        }
    )


class CatalogState(AdminState):
    movies: list[MovieLine] = []
    movie_titles: list[str] = []
    screens: list[str] = []
    cinemas: list[str] = []
    layout_text: str = SAMPLE_LAYOUT
    # Plain vars set where their inputs change, not computed vars: Reflex computes every computed
    # var of the tree on a tab's first load and then stores the state, so each page's computed
    # vars cost every tab of the site a Redis entry (bench/onsale.py: 8 entries a tab, not 3).
    preview: list[PreviewSeat] = []
    layout_problem: str = ""
    poster_movie: str = ""
    editing_id: int = 0
    layout_screen: str = ""  # the screen whose layout is in the editor ("": a new screen)
    edit: dict[str, str] = {}
    uploading: bool = False
    error: str = ""
    default_timezone: str = ""
    _movie_ids: dict[str, int] = {}
    _screen_ids: dict[str, int] = {}
    _cinema_ids: dict[str, int] = {}

    def _preview_layout(self) -> None:
        """The screen layout being typed, drawn (or what is wrong with it)."""
        try:
            seats = parse_layout(layout_json(scheduling.rows_from_text(self.layout_text)))
        except (LayoutError, ManagementError) as exc:
            self.preview, self.layout_problem = [], str(exc)
            return
        kinds = {(True, False): "w", (False, True): "b"}
        self.preview = [
            PreviewSeat(
                s.label,
                s.grid_row + 1,
                s.grid_col + 1,
                kinds.get((s.is_wheelchair, s.is_blocked), "a"),
            )
            for s in seats
        ]
        self.layout_problem = ""

    @rx.event
    async def load(self):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        try:
            view = await self._run(management.catalog_overview)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.movies = [
            MovieLine(m.id, m.title, m.runtime_minutes, m.is_active) for m in view.movies
        ]
        self._movie_ids = {m.title: m.id for m in view.movies if m.is_active}
        self.movie_titles = list(self._movie_ids)
        self._screen_ids = {f"{s.cinema} · {s.name}": s.id for s in view.screens}
        self.screens = list(self._screen_ids)
        self._cinema_ids = {c.name: c.id for c in view.cinemas}
        self.default_timezone = view.default_timezone
        self.cinemas = list(self._cinema_ids)
        self._preview_layout()
        return None

    @rx.event
    def set_poster_movie(self, title: str):
        self.poster_movie = title if title in self._movie_ids else ""

    @rx.event
    async def upload_poster(self, files: list[rx.UploadFile]):
        movie = self._movie_ids.get(self.poster_movie)
        if movie is None or not files:
            yield rx.toast.error("Choose a movie and an image first.")
            return
        self.uploading = True
        yield
        data = await files[0].read(posters.UPLOAD_MAX_BYTES + 1)
        try:
            folder = posters_folder(get_settings())
            await self._run(management.store_poster, movie, data, folder)
        except CustomerError as exc:
            self.uploading = False
            yield rx.toast.error(exc.message)
            return
        self.uploading = False
        yield rx.clear_selected_files("poster")
        yield rx.toast.success(f"New poster for {self.poster_movie}.")

    @rx.event
    def set_layout_text(self, text: str):
        self.layout_text = text[:4000]
        self._preview_layout()

    async def _change(self, call, *args, done: str):
        try:
            await self._run(call, *args)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        return [rx.toast.success(done), CatalogState.load]

    @rx.event
    async def open_layout(self, screen: str):
        """Put a screen's layout in the editor, to change it."""
        screen_id = self._screen_ids.get(screen)
        if screen_id is None:
            return rx.toast.error("Choose a screen.")
        try:
            rows = await self._run(layout_editing.layout_rows, screen_id)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.layout_screen = screen
        self.layout_text = scheduling.rows_to_text(rows)
        self._preview_layout()
        return None

    @rx.event
    async def save_layout(self, form: dict):
        screen_id = self._screen_ids.get(self.layout_screen)
        if screen_id is None:
            return rx.toast.error("Choose the screen whose layout changes.")
        try:
            rows = scheduling.rows_from_text(self.layout_text)
            prices = scheduling.prices_from_rupees(form)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        done = f"Layout of {self.layout_screen} saved."
        return await self._change(layout_editing.change_layout, screen_id, rows, prices, done=done)

    @rx.event
    async def open_edit(self, movie_id: int):
        try:
            fields = await self._run(management.movie_fields, movie_id)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.edit = {name: str(getattr(fields, name)) for name, _, _ in MOVIE_FORM}
        self.editing_id = movie_id
        return None

    @rx.event
    def close_edit(self, is_open: bool = False):
        if not is_open:
            self.editing_id = 0

    @rx.event
    async def save_edit(self, form: dict):
        # A field the browser did not send keeps the value the dialog opened with.
        movie_id, fields = self.editing_id, _movie_fields(self.edit | form)
        try:
            await self._run(management.save_movie, fields, movie_id)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.editing_id = 0
        return [rx.toast.success(f"{fields.title} saved."), CatalogState.load]

    @rx.event
    async def add_cinema(self, form: dict):
        name = str(form.get("name", ""))[:120]
        return await self._change(
            management.add_cinema,
            name,
            str(form.get("city", ""))[:80],
            str(form.get("address", ""))[:300],
            str(form.get("timezone", "")).strip()[:64],
            done=f"{name} added.",
        )

    @rx.event
    async def add_movie(self, form: dict):
        fields = _movie_fields(form)
        return await self._change(management.save_movie, fields, done=f"{fields.title} added.")

    @rx.event
    async def retire(self, movie_id: int):
        return await self._change(management.retire_movie, movie_id, done="Movie retired.")

    @rx.event
    async def add_screen(self, form: dict):
        try:
            rows = scheduling.rows_from_text(self.layout_text)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        cinema = self._cinema_ids.get(str(form.get("cinema", "")))
        if cinema is None:
            return rx.toast.error("Choose a cinema.")
        name = str(form.get("name", ""))[:60]
        return await self._change(scheduling.add_screen, cinema, name, rows, done=f"{name} added.")

    @rx.event
    async def schedule(self, form: dict):
        movie = self._movie_ids.get(str(form.get("movie", "")))
        screen = self._screen_ids.get(str(form.get("screen", "")))
        try:
            # The cinema's wall-clock time, as typed: the service reads it in the cinema's zone.
            starts_at = datetime.fromisoformat(str(form.get("starts_at", ""))).replace(tzinfo=None)
        except ValueError:
            return rx.toast.error("Give the start as a date and time.")
        if movie is None or screen is None:
            return rx.toast.error("Choose a movie and a screen.")
        try:
            prices = scheduling.prices_from_rupees(form)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        return await self._change(
            scheduling.schedule_showtime,
            movie,
            screen,
            starts_at,
            prices,
            done="Showtime scheduled.",
        )
