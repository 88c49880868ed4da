"""The waiting list on `/showtimes/[id]`: "Tell me when seats free up" on a sold-out show, and
the customer's place in line once they joined (services.offers.waitlist decides everything).

Kept apart from SeatMapState, whose per-tab state every viewer of an on-sale pays for: this one
is loaded only when the map shows the show sold out (the page mounts its loader then).
"""

from __future__ import annotations

import asyncio

import reflex as rx

from bookmyseat.services.errors import CustomerError
from bookmyseat.services.ids import parse_row_id
from bookmyseat.services.offers.waitlist import (
    OFFER_MINUTES,
    WaitlistPlace,
    join_waitlist,
    leave_waitlist,
    my_place,
)
from bookmyseat.settings import get_settings
from bookmyseat.state.auth import AuthState


def seats_from(form: dict) -> int:
    """The seats asked for in the join form; 0 (refused by the service) for anything else."""
    value = form.get("seats") if isinstance(form, dict) else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 4:
        return int(value)
    return 0


class WaitlistState(AuthState):
    showtime_id: int = 0  # the show the rest is about
    status: str = ""  # the customer's entry: "" (none), waiting, offered, booked, lapsed, withdrawn
    in_line: bool = False  # waiting or offered
    position: int = 0
    seats_wanted: int = 0
    reference: str = ""  # the offered booking's (its checkout page)
    choices: list[str] = []  # "1" … the booking limit
    offer_minutes: int = OFFER_MINUTES
    busy: bool = False

    def _route_showtime(self) -> int:
        return parse_row_id(self.router.page.params.get("id", "")) or 0

    def _show(self, showtime_id: int, place: WaitlistPlace | None) -> None:
        self.showtime_id = showtime_id
        self.status = place.status if place else ""
        self.in_line = bool(place and place.in_line)
        self.position = place.position if place else 0
        self.seats_wanted = place.seats_wanted if place else 0
        self.reference = place.reference if place and place.in_line else ""

    @rx.event
    async def load(self):
        """When the map shows the show sold out: the choices, and this customer's place."""
        showtime_id = self._route_showtime()
        self.choices = [str(n) for n in range(1, get_settings().max_seats_per_booking + 1)]
        account = await self._current_account()
        place = None
        if account is not None and showtime_id:
            place = await asyncio.to_thread(my_place, account.id, showtime_id)
        self._show(showtime_id, place)

    @rx.event
    async def join(self, form: dict):
        showtime_id = self._route_showtime()
        account = await self._current_account()
        if account is None:
            yield rx.redirect(f"/login?next=/showtimes/{showtime_id}")
            return
        self.busy = True
        yield
        try:
            place = await asyncio.to_thread(
                join_waitlist, account.id, showtime_id, seats_from(form)
            )
        except CustomerError as exc:
            self.busy = False
            yield rx.toast.error(exc.message)
            return
        self._show(showtime_id, place)
        self.busy = False
        if place.status == "waiting":
            yield rx.toast.success(
                f"You are number {place.position} in line. We will email you when seats free up."
            )

    @rx.event
    async def leave(self):
        showtime_id = self._route_showtime()
        account = await self._current_account()
        if account is None:
            yield rx.redirect(f"/login?next=/showtimes/{showtime_id}")
            return
        self.busy = True
        yield
        left = await asyncio.to_thread(leave_waitlist, account.id, showtime_id)
        place = await asyncio.to_thread(my_place, account.id, showtime_id)
        self._show(showtime_id, place)
        self.busy = False
        if left:
            yield rx.toast.success("You have left the waiting list.")
