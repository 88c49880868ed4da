"""`/admin/waitlist`: the waiting lists of the shows to come, and taking a name off one
(services.offers.waitlist_admin checks the role and audits)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from bookmyseat.services.errors import CustomerError
from bookmyseat.services.offers import waitlist_admin
from bookmyseat.services.offers.waitlist import ACTIVE
from bookmyseat.state.admin import AdminState

STATUS_WORDS = {
    "waiting": "Waiting",
    "offered": "Seats held for them",
    "booked": "Booked",
    "lapsed": "Offer lapsed",
    "withdrawn": "Left the list",
}


@dataclasses.dataclass
class WaitlistLine:
    id: int
    position: str  # "1", "2" … for the waiting, "" for the rest
    customer: str
    email: str
    seats: int
    status: str
    joined: str
    offer: str  # "REF · until 18:45", or ""
    removable: bool


@dataclasses.dataclass
class WaitlistShow:
    showtime_id: int
    title: str  # movie · cinema · screen · start
    lines: list[WaitlistLine]


def show_of(found: waitlist_admin.ShowWaitlist) -> WaitlistShow:
    return WaitlistShow(
        showtime_id=found.showtime_id,
        title=f"{found.movie} · {found.place} · {found.starts}",
        lines=[
            WaitlistLine(
                id=e.id,
                position=str(e.position) if e.position else "",
                customer=e.username,
                email=e.email,
                seats=e.seats_wanted,
                status=STATUS_WORDS.get(e.status, e.status),
                joined=e.joined,
                offer=f"{e.reference} · until {e.offer_expires}" if e.reference else "",
                removable=e.status in ACTIVE,
            )
            for e in found.entries
        ],
    )


class AdminWaitlistState(AdminState):
    shows: list[WaitlistShow] = []

    @rx.event
    async def load(self):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        try:
            found = await self._run(waitlist_admin.entries_for_admin)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.shows = [show_of(show) for show in found]
        return None

    @rx.event
    async def remove(self, entry_id: int):
        try:
            removed = await self._run(waitlist_admin.remove_entry, entry_id)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        done = "Taken off the waiting list." if removed else "That entry had already left."
        return [rx.toast.success(done), AdminWaitlistState.load]
