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
    template_screens: list[str] = []
    template_screen: str = ""
    template_text: str = ""
    _screen_ids: dict[str, int] = {}

    @rx.event
    async def load(self):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        try:
            found = await self._run(pricing.upcoming_prices)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.rows = [PriceLine(s.id, s.movie, s.place, s.starts, s.prices) for s in found]
        try:
            self._screen_ids = await self._run(pricing.screen_names)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.template_screens = list(self._screen_ids)
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

    @rx.event
    async def open_template(self, name: str):
        """The chosen screen's template into the editor."""
        screen_id = self._screen_ids.get(name) if isinstance(name, str) else None
        if screen_id is None:
            return rx.toast.error("Choose a screen from the list.")
        try:
            self.template_text = await self._run(pricing.price_template, screen_id)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.template_screen = name
        return None

    @rx.event
    async def save_template(self, form: dict):
        text = form.get("template") if isinstance(form, dict) else None
        screen_id = self._screen_ids.get(self.template_screen)
        if screen_id is None:
            return rx.toast.error("Choose a screen from the list.")
        if not isinstance(text, str):  # no form: never read as "clear the template"
            return rx.toast.error("Type the template in the form.")
        try:
            count = await self._run(pricing.set_price_template, screen_id, text)
            self.template_text = await self._run(pricing.price_template, screen_id)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        if not count:
            return rx.toast.success(f"{self.template_screen} has no price template now.")
        return rx.toast.success(f"Price template of {self.template_screen} saved.")
