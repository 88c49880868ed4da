"""State of the home page: the movie grid and its search."""

from __future__ import annotations

import asyncio

import reflex as rx

from bookmyseat.services.catalog import MovieCard, list_movies


def _card_row(card: MovieCard) -> dict[str, str]:
    hours, minutes = divmod(card.runtime_minutes, 60)
    return {
        "slug": card.slug,
        "title": card.title,
        "certificate": card.certificate,
        "runtime": f"{hours}h {minutes:02d}m",
        "genres": " · ".join(card.genres),
        "language": card.language,
        "poster": card.poster_path,
    }


class HomeState(rx.State):
    """Movies on the home page."""

    movies: list[dict[str, str]] = []
    search: str = ""
    loading: bool = False

    @rx.event
    async def load(self):
        self.loading = True
        yield
        cards = await asyncio.to_thread(list_movies, search=self.search)
        self.movies = [_card_row(c) for c in cards]
        self.loading = False

    @rx.event
    async def set_search(self, value: str):
        self.search = value[:100]
        cards = await asyncio.to_thread(list_movies, search=self.search)
        self.movies = [_card_row(c) for c in cards]
