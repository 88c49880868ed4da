"""`/admin/schedule`: a week of shows at once, previewed with every clash before anything is
made (services.staff.week_scheduling decides)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import catalog_management as management
from bookmyseat.services.staff import scheduling
from bookmyseat.services.staff import week_scheduling as week
from bookmyseat.state.admin import AdminState


@dataclasses.dataclass
class PlannedLine:
    movie: str
    screen: str
    starts: str
    problem: str
    prices: str


class WeekState(AdminState):
    movie_titles: list[str] = []
    screens: list[str] = []
    chosen_screens: list[str] = []
    shows: list[PlannedLine] = []
    clashes: int = 0
    _movie_ids: dict[str, int] = {}
    _screen_ids: dict[str, int] = {}
    _proposals: list = []

    @rx.event
    async def load(self):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        try:
            view = await self._run(management.catalog_overview)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self._movie_ids = {m.title: m.id for m in view.movies if m.is_active}
        self._screen_ids = {f"{s.cinema} · {s.name}": s.id for s in view.screens}
        self.movie_titles, self.screens = list(self._movie_ids), list(self._screen_ids)
        return None

    @rx.event
    def choose_screen(self, screen: str, checked: bool):
        others = [s for s in self.chosen_screens if s != screen]
        self.chosen_screens = [*others, screen] if checked is True else others

    def _screen_list(self) -> list[int]:
        return [self._screen_ids[s] for s in self.chosen_screens if s in self._screen_ids]

    @rx.event
    async def preview_grid(self, form: dict):
        try:
            proposals = week.grid(
                self._movie_ids.get(str(form.get("movie", "")), 0),
                self._screen_list(),
                week.days_between(str(form.get("first", "")), str(form.get("last", ""))),
                week.start_times(str(form.get("times", ""))),
                scheduling.prices_from_rupees(form),
            )
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        return await self._preview(proposals)

    @rx.event
    async def preview_copy(self, form: dict):
        try:
            first = week.days_between(str(form.get("week_of", "")), "")[0]
            proposals = await self._run(week.next_week_of, self._screen_list(), first)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        if not proposals:
            return rx.toast.error("The chosen screens have no shows in that week.")
        return await self._preview(proposals)

    async def _preview(self, proposals: list):
        try:
            found = await self._run(week.plan, proposals)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self._proposals = proposals
        self.shows = [
            PlannedLine(s.movie, s.screen, s.starts, s.problem, s.prices) for s in found.shows
        ]
        self.clashes = found.clashes
        return None

    @rx.event
    async def create(self):
        try:
            made = await self._run(week.plan, self._proposals, create=True)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self._proposals, self.shows, self.clashes = [], [], 0
        return rx.toast.success(f"{len(made.shows)} shows scheduled.")
