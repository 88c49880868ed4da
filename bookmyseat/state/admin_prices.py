"""`/admin/prices`: the next two weeks' shows with their prices; staff tick shows and give new
prices by category (services.staff.pricing decides and audits)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import pricing, scheduling
from bookmyseat.state.admin import AdminState


@dataclasses.dataclass
class PriceLine:
    id: int
    movie: str
    place: str
    starts: str
    prices: str


class PricesState(AdminState):
    rows: list[PriceLine] = []
    chosen: list[int] = []

    @rx.event
    async def load(self):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        try:
            found = await self._run(pricing.upcoming_prices)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.rows = [PriceLine(s.id, s.movie, s.place, s.starts, s.prices) for s in found]
        shown = {row.id for row in self.rows}
        self.chosen = [i for i in self.chosen if i in shown]
        return None

    @rx.event
    def choose(self, showtime_id: int, checked: bool):
        others = [i for i in self.chosen if i != showtime_id]
        self.chosen = [*others, showtime_id] if checked is True else others

    @rx.event
    async def change(self, form: dict):
        try:
            prices = scheduling.prices_from_rupees(form)
            changed = await self._run(pricing.change_prices, self.chosen, prices)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.chosen = []
        shows = "1 show" if changed == 1 else f"{changed} shows"
        return [rx.toast.success(f"Prices changed for {shows}."), PricesState.load]
