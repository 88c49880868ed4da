"""State of `/showtimes/[id]`: what the page says about the show, the seats' live codes and the
customer's own held seats.

The seat plan is not here: the page's seat picker (assets/seat_picker.jsx) fetches it once from
`/api/showtimes/<id>/seat-plan` (cached) and keeps the customer's choice in the browser, so a
click costs no round trip. Proceed posts the choice to `/api/showtimes/<id>/holds`
(bookmyseat.api.showtimes), where the server checks everything again: a hold touches no tab
state. The status of every seat is one string (`codes`, a letter a seat in plan order), pushed
to every open map of the showtime by `bookmyseat.live_seats` without touching this state, which
stays a couple of kilobytes a tab.
"""

from __future__ import annotations

import asyncio
import time

import reflex as rx

from bookmyseat import live_seats
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking.availability import seat_map, status_codes
from bookmyseat.services.catalog.showtimes import showtime_summary
from bookmyseat.services.ids import parse_row_id
from bookmyseat.services.money import format_money
from bookmyseat.services.onsale import queues
from bookmyseat.settings import get_settings
from bookmyseat.state.auth import AuthState
from bookmyseat.state.formatting import day_and_time

MAX_SEATS_IN_ADDRESS = 20
FRESH_SECONDS = 5.0  # codes read this recently need no second read when the socket joins


def parse_seat_ids(text: object, limit: int = MAX_SEATS_IN_ADDRESS) -> list[int]:
    """Seat ids from an address ("12,13,14"); anything else is dropped."""
    parts = str(text).split(",") if isinstance(text, str) else text
    if not isinstance(parts, list | tuple):
        return []
    found = []
    for part in parts[:limit]:
        if isinstance(part, bool):
            continue
        if isinstance(part, int) and 0 < part < 2**31:
            found.append(part)
        elif (seat_id := parse_row_id(part)) is not None:
            found.append(seat_id)
    return list(dict.fromkeys(found))


class SeatMapState(AuthState):
    found: bool = True
    showtime_id: int = 0
    seat_plan_url: str = ""
    hold_url: str = ""
    best_seats_url: str = ""
    title: str = ""
    movie_slug: str = ""
    venue: str = ""
    when: str = ""
    categories: list[str] = []
    codes: str = ""
    mine: list[int] = []  # the viewer's own held seats (the broadcast codes name nobody's)
    preselected: list[int] = []  # seats chosen before signing in, chosen again on return
    loading: bool = True  # until the first load: the map says it is busy (aria-busy)
    limit: int = 10
    # An on-sale line in front of the map: `queued` while this customer is not let in; the
    # page then polls `queue_poll_url` (with a signed pass) instead of loading the map.
    queued: bool = False
    queue_text: str = ""
    queue_poll_url: str = ""
    turn_text: str = ""  # once let in: until when they may choose
    # What the page says when there is no map: no such show, or one of a retired movie
    # (not available: the hold refuses it too).
    missing_title: str = "Show not found"
    _loaded_at: float = 0.0

    @rx.event
    async def load(self):
        self.loading = True
        yield
        showtime_id = parse_row_id(self.router.page.params.get("id", ""))
        summary = await asyncio.to_thread(showtime_summary, showtime_id) if showtime_id else None
        if summary is None or not summary.on_sale:
            self.missing_title = "Show not found" if summary is None else "Show not available"
            self.found = False
            self.loading = False
            return
        self.found = True
        self.limit = get_settings().max_seats_per_booking
        self.showtime_id = summary.id
        self.seat_plan_url = f"/api/showtimes/{summary.id}/seat-plan"
        self.hold_url = f"/api/showtimes/{summary.id}/holds"
        self.best_seats_url = f"/api/showtimes/{summary.id}/best-seats"
        self.title = f"{summary.movie_title} ({summary.certificate})"
        self.movie_slug = summary.movie_slug
        self.venue = f"{summary.cinema}, {summary.city} · {summary.screen}"
        self.when = f"{day_and_time(summary.starts_at)} · {summary.format} · {summary.language}"
        self.categories = [f"{c} {format_money(p)}" for c, p in reversed(summary.prices.items())]
        self.preselected = parse_seat_ids(self.router.page.params.get("seats", ""))
        account = await self._current_account()
        self._show_identity(account)  # for the whole page (see LOADS_SHOWING_IDENTITY)
        await self._take_turn(account)
        if not self.queued:
            await self._refresh(account)
        self._loaded_at = time.monotonic()
        self.loading = False

    async def _take_turn(self, account: Account | None) -> None:
        """With an on-sale line in front of the show: the customer's place in it (joined once,
        whatever the tabs), or, let in, until when they may choose."""
        self.queued, self.queue_text, self.queue_poll_url, self.turn_text = False, "", "", ""
        known, rules = queues.remembered_rules(self.showtime_id)
        if not known:
            rules = await asyncio.to_thread(queues.rules_of, self.showtime_id)
        if rules is None:
            return
        user_id = account.id if account else None
        turn = await asyncio.to_thread(queues.take_turn, rules, user_id)
        if turn.admitted:
            self.turn_text = turn.waiting_text
            return
        self.queued, self.queue_text = True, turn.waiting_text
        if user_id is not None:
            pass_token = queues.issue_pass(self.showtime_id, user_id, self.session_token)
            self.queue_poll_url = f"/api/showtimes/{self.showtime_id}/queue?pass={pass_token}"

    async def _refresh(self, account: Account | None) -> None:
        """Fresh codes and this customer's own seats (on arrival, and after a reconnect)."""
        viewer = account.id if account else None
        seats = await asyncio.to_thread(seat_map, self.showtime_id, viewer_user_id=viewer)
        self.mine = [s.id for s in seats if s.mine and s.status == "held"]
        self.codes = status_codes(seats).replace("m", "h")

    @rx.event
    async def join_live(self):
        """On mount (and again after a reconnect): this socket hears the showtime's changes.
        After a reconnect the codes may be old, so they are read again; right after the page's
        load they are fresh (the broadcaster sends only changes)."""
        if self.showtime_id and not self.loading and not self.queued:
            await live_seats.join(self.router.session.session_id, self.showtime_id)
            if time.monotonic() - self._loaded_at > FRESH_SECONDS:
                await self._refresh(await self._current_account())

    @rx.event
    async def leave_live(self):
        await live_seats.leave(self.router.session.session_id)
