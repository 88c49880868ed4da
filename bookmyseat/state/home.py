"""State of the home page: the movie grid and its search."""

from __future__ import annotations

import asyncio

import reflex as rx

from bookmyseat.services.catalog import MovieCard, list_movies
from bookmyseat.state.formatting import runtime


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
