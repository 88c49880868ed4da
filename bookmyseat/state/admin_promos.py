"""`/admin/promos`: promo codes, their terms and use; admins create, pause and resume them and
set their per-customer limits (services.staff.promotions checks the form, decides and
audits)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import promotions
from bookmyseat.state.admin import AdminState

EVERY = "Every"


@dataclasses.dataclass
class PromoLine:
    id: int
    code: str
    terms: str
    valid: str
    uses: str
    paid: int
    discount_given: str
    is_active: bool
    once_per_customer: bool
    first_booking_only: bool


def ticked(form: object, name: str) -> bool:
    """A checkbox of the form: sent as "on" when ticked, absent when not."""
    return isinstance(form, dict) and form.get(name) in ("on", True)


class PromosState(AdminState):
    rows: list[PromoLine] = []
    movie_titles: list[str] = []
    cinema_names: list[str] = []
    _movie_ids: dict[str, int] = {}
    _cinema_ids: dict[str, int] = {}

    @rx.event
    async def load(self):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        try:
            found = await self._run(promotions.promo_codes)
            self._movie_ids, self._cinema_ids = await self._run(promotions.promo_choices)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.rows = [PromoLine(**dataclasses.asdict(row)) for row in found]
        self.movie_titles = [EVERY, *self._movie_ids]
        self.cinema_names = [EVERY, *self._cinema_ids]
        return None

    @rx.event
    async def create(self, form: dict):
        def text(name: str) -> str:
            value = form.get(name, "") if isinstance(form, dict) else ""
            return value.strip() if isinstance(value, str) else ""

        movie, cinema, category = text("movie"), text("cinema"), text("category")
        try:
            promo = promotions.PromoForm(
                code=text("code"),
                description=text("description"),
                kind=text("kind") or "percent",
                value=text("value"),
                valid_from=text("valid_from"),
                valid_until=text("valid_until"),
                max_uses=text("max_uses"),
                movie_id=str(self._movie_ids.get(movie, "")),
                cinema_id=str(self._cinema_ids.get(cinema, "")),
                category="" if category in ("", EVERY) else category,
                once_per_customer=ticked(form, "once_per_customer"),
                first_booking_only=ticked(form, "first_booking_only"),
            )
            await self._run(promotions.create_promo_code, promo)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        return [rx.toast.success(f"Code {promo.code.upper()} created."), PromosState.load]

    @rx.event
    async def set_limit(self, promo_id: int, limit: str, on: bool):
        """A per-customer limit of a code turned on or off (its checkbox in the table)."""
        try:
            await self._run(promotions.set_customer_limit, promo_id, limit, on is True)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        return PromosState.load

    @rx.event
    async def set_active(self, promo_id: int, active: bool):
        try:
            await self._run(promotions.set_promo_active, promo_id, active is True)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        return PromosState.load
