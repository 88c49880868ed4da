"""State of `/movies/[slug]`: the movie, its trailer modal and its showtimes by day and cinema."""

from __future__ import annotations

import asyncio
import dataclasses
from itertools import groupby

import reflex as rx

from bookmyseat.services.catalog.showtimes import ShowtimeSlot, movie_detail, movie_showtimes
from bookmyseat.services.catalog.trailers import embed_url
from bookmyseat.services.money import format_money
from bookmyseat.state.formatting import clock_time, runtime, short_date

STATUS_TEXT = {"bookable": "", "sold_out": "Sold out · join the waiting list", "started": "Started"}


@dataclasses.dataclass
class ShowRow:
    id: int
    time: str
    format: str
    language: str
    price: str
    seats_left: str
    status: str
    bookable: bool
    sold_out: bool  # its chip leads to the show's waiting list


@dataclasses.dataclass
class CinemaGroup:
    name: str
    city: str
    shows: list[ShowRow]


@dataclasses.dataclass
class DayGroup:
    label: str
    cinemas: list[CinemaGroup]


def group_slots(slots: list[ShowtimeSlot]) -> list[DayGroup]:
    """Days in order, cinemas by name within a day, shows by time within a cinema."""
    days = []
    for day, day_slots in groupby(slots, key=lambda s: s.starts_at.date()):
        cinemas = []
        for (name, city), shows in groupby(
            sorted(day_slots, key=lambda s: (s.cinema, s.starts_at)),
            key=lambda s: (s.cinema, s.city),
        ):
            cinemas.append(
                CinemaGroup(
                    name=name,
                    city=city,
                    shows=[
                        ShowRow(
                            id=s.id,
                            time=clock_time(s.starts_at),
                            format=s.format,
                            language=s.language,
                            price=f"from {format_money(s.from_price_paise)}",
                            seats_left=f"{s.seats_left} seats left",
                            status=STATUS_TEXT[s.status],
                            bookable=s.bookable,
                            sold_out=s.status == "sold_out",
                        )
                        for s in shows
                    ],
                )
            )
        days.append(DayGroup(label=short_date(day), cinemas=cinemas))
    return days


class MovieState(rx.State):
    """One movie's page."""

    found: bool = True
    loading: bool = True
    title: str = ""
    synopsis: str = ""
    cast: str = ""
    poster: str = ""
    certificate: str = ""
    runtime: str = ""
    genres: str = ""
    language: str = ""
    release: str = ""
    trailer_src: str = ""
    trailer_open: bool = False
    days: list[DayGroup] = []

    @rx.event
    async def load(self):
        self.loading = True
        self.trailer_open = False
        slug = self.router.page.params.get("slug", "")
        detail = await asyncio.to_thread(movie_detail, slug)
        if detail is None:
            self.found = False
            self.loading = False
            return
        slots = await asyncio.to_thread(movie_showtimes, detail.card.id)
        card = detail.card
        self.found = True
        self.title = card.title
        self.synopsis = detail.synopsis
        self.cast = ", ".join(detail.cast)
        self.poster = card.poster_path
        self.certificate = card.certificate
        self.runtime = runtime(card.runtime_minutes)
        self.genres = " · ".join(card.genres)
        self.language = card.language
        self.release = detail.release_date.strftime("%d %b %Y") if detail.release_date else ""
        self.trailer_src = embed_url(detail.trailer_id) if detail.trailer_id else ""
        self.days = group_slots(slots)
        self.loading = False

    @rx.event
    def set_trailer_open(self, value: bool):
        self.trailer_open = value and bool(self.trailer_src)
