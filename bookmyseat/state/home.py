"""State of the home page: the movie grid, its search and filters (they combine)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import reflex as rx

from bookmyseat.services.catalog.listings import MovieCard, filter_options, list_movies
from bookmyseat.settings import get_settings
from bookmyseat.state.formatting import runtime

ANY = "Any"
FILTERS = ("city", "day", "genre", "language")


def _card_row(card: MovieCard) -> dict[str, str]:
    return {
        "slug": card.slug,
        "title": card.title,
        "certificate": card.certificate,
        "runtime": runtime(card.runtime_minutes),
        "genres": " · ".join(card.genres),
        "language": card.language,
        "poster": card.poster_path,
    }


def coming_days(today: date, count: int = 7) -> dict[str, str]:
    """Labels for the date filter ("Today", "Tomorrow", "Fri 27 Nov") → ISO dates."""
    labels = {}
    for offset in range(count):
        day = today + timedelta(days=offset)
        label = {0: "Today", 1: "Tomorrow"}.get(offset, day.strftime("%a %d %b"))
        labels[label] = day.isoformat()
    return labels


class HomeState(rx.State):
    """Movies on the home page."""

    movies: list[dict[str, str]] = []
    search: str = ""
    city: str = ANY
    day: str = ANY
    genre: str = ANY
    language: str = ANY
    cities: list[str] = [ANY]
    days: list[str] = [ANY]
    genres: list[str] = [ANY]
    languages: list[str] = [ANY]
    loading: bool = False
    # Plain vars set where their inputs change, not computed vars: Reflex computes every computed
    # var of the tree on a tab's first load and then stores the state, so each page's computed
    # vars cost every tab of the site a Redis entry (bench/onsale.py: 8 entries a tab, not 3).
    filtered: bool = False  # any filter or a search in force (every change refreshes)
    _day_dates: dict[str, str] = {}

    async def _refresh(self) -> None:
        day = self._day_dates.get(self.day)
        cards = await asyncio.to_thread(
            list_movies,
            search=self.search,
            city="" if self.city == ANY else self.city,
            on_date=date.fromisoformat(day) if day else None,
            genre="" if self.genre == ANY else self.genre,
            language="" if self.language == ANY else self.language,
        )
        self.movies = [_card_row(c) for c in cards]
        chosen = (self.city, self.day, self.genre, self.language)
        self.filtered = bool(self.search) or any(value != ANY for value in chosen)

    @rx.event
    async def load(self):
        self.loading = True
        yield
        options = await asyncio.to_thread(filter_options)
        today = datetime.now(ZoneInfo(get_settings().default_timezone)).date()
        self._day_dates = coming_days(today)
        self.cities = [ANY, *options.cities]
        self.days = [ANY, *self._day_dates]
        self.genres = [ANY, *options.genres]
        self.languages = [ANY, *options.languages]
        await self._refresh()
        self.loading = False
        if self.router.page.params.get("signed_out"):
            yield rx.toast.info("You are signed out.")

    @rx.event
    async def set_search(self, value: str):
        self.search = value[:100]
        await self._refresh()

    @rx.event
    async def set_filter(self, name: str, value: str):
        """Set one of the filters; unknown names or values are ignored."""
        allowed = {
            "city": self.cities,
            "day": self.days,
            "genre": self.genres,
            "language": self.languages,
        }
        if name in allowed and value in allowed[name]:
            setattr(self, name, value)
            await self._refresh()

    @rx.event
    async def clear_filters(self):
        self.search = ""
        for name in FILTERS:
            setattr(self, name, ANY)
        await self._refresh()
