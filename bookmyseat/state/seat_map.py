"""State of `/showtimes/[id]`: what the page says about the show, the seats' live codes, the
customer's own held seats, and the hold.

The seat plan is not here: the page's seat picker (assets/seat_picker.jsx) fetches it once from
`/api/showtimes/<id>/seat-plan` (cached) and keeps the customer's choice in the browser, so a
click costs no round trip; the server checks everything again when the seats are held. The
status of every seat is one string (`codes`, a letter a seat in plan order), pushed to every
open map of the showtime by `bookmyseat.live_seats` without touching this state, which stays a
couple of kilobytes a tab.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from urllib.parse import quote

import reflex as rx

from bookmyseat import live_seats
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.availability import seat_map, status_codes
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.catalog.showtimes import showtime_summary
from bookmyseat.services.money import format_money
from bookmyseat.settings import get_settings
from bookmyseat.state.auth import AuthState
from bookmyseat.state.formatting import day_and_time

log = logging.getLogger("bookmyseat.seat_map")

MAX_SEATS_IN_ADDRESS = 20
HOLD_FAILED = "We could not hold your seats just now; nothing was booked. Please try again."
FRESH_SECONDS = 5.0  # codes read this recently need no second read when the socket joins
# Holds run on a pool of their own, sized to the database pool: a rush of holds neither waits
# behind other work on the default pool nor takes more connections than there are.
HOLDS = concurrent.futures.ThreadPoolExecutor(
    max_workers=get_settings().database_pool_size, thread_name_prefix="holds"
)


def parse_seat_ids(text: object, limit: int = MAX_SEATS_IN_ADDRESS) -> list[int]:
    """Seat ids from an address ("12,13,14") or an event (a list); anything else is dropped."""
    parts = str(text).split(",") if isinstance(text, str) else text
    if not isinstance(parts, list | tuple):
        return []
    found = []
    for part in parts[:limit]:
        if isinstance(part, bool):
            continue
        if isinstance(part, int) and 0 < part < 2**31:
            found.append(part)
        elif isinstance(part, str) and part.isdigit() and len(part) < 10:
            found.append(int(part))
    return list(dict.fromkeys(found))


class SeatMapState(AuthState):
    found: bool = True
    showtime_id: int = 0
    seat_plan_url: str = ""
    title: str = ""
    movie_slug: str = ""
    venue: str = ""
    when: str = ""
    categories: list[str] = []
    codes: str = ""
    mine: list[int] = []  # the viewer's own held seats (the broadcast codes name nobody's)
    preselected: list[int] = []  # seats chosen before signing in, chosen again on return
    busy: bool = False
    loading: bool = True  # until the first load: the map says it is busy (aria-busy)
    limit: int = 10
    _loaded_at: float = 0.0

    @rx.event
    async def load(self):
        self.loading = True
        yield
        raw = str(self.router.page.params.get("id", ""))
        summary = await asyncio.to_thread(showtime_summary, int(raw)) if raw.isdigit() else None
        if summary is None:
            self.found = False
            self.loading = False
            return
        self.found = True
        self.limit = get_settings().max_seats_per_booking
        self.showtime_id = summary.id
        self.seat_plan_url = f"/api/showtimes/{summary.id}/seat-plan"
        self.title = f"{summary.movie_title} ({summary.certificate})"
        self.movie_slug = summary.movie_slug
        self.venue = f"{summary.cinema}, {summary.city} · {summary.screen}"
        self.when = f"{day_and_time(summary.starts_at)} · {summary.format} · {summary.language}"
        self.categories = [f"{c} {format_money(p)}" for c, p in reversed(summary.prices.items())]
        self.preselected = parse_seat_ids(self.router.page.params.get("seats", ""))
        await self._refresh()
        self._loaded_at = time.monotonic()
        self.loading = False

    async def _refresh(self) -> None:
        """Fresh codes and this customer's own seats (on arrival, and after a refused hold)."""
        account = await self._current_account()
        viewer = account.id if account else None
        seats = await asyncio.to_thread(seat_map, self.showtime_id, viewer_user_id=viewer)
        self.mine = [s.id for s in seats if s.mine and s.status == "held"]
        self.codes = status_codes(seats).replace("m", "h")

    @rx.event
    async def join_live(self):
        """On mount (and again after a reconnect): this socket hears the showtime's changes.
        After a reconnect the codes may be old, so they are read again; right after the page's
        load they are fresh (the broadcaster sends only changes)."""
        if self.showtime_id and not self.loading:
            await live_seats.join(self.router.session.session_id, self.showtime_id)
            if time.monotonic() - self._loaded_at > FRESH_SECONDS:
                await self._refresh()

    @rx.event
    async def leave_live(self):
        await live_seats.leave(self.router.session.session_id)

    @rx.event(background=True)
    async def proceed(self, seat_ids: list[int]):
        """Hold the chosen seats. The hold's database work runs outside this tab's state lock,
        on the holds' own pool; the services check every rule again."""
        async with self:
            busy, showtime_id, limit = self.busy, self.showtime_id, self.limit
            account = await self._current_account()
            if not busy and showtime_id and account is not None:
                self.busy = True
        wanted = parse_seat_ids(seat_ids, limit)
        if busy or not showtime_id:
            return
        if not wanted or account is None:
            if account is not None:
                async with self:
                    self.busy = False
            if not wanted:
                yield rx.toast.warning("Choose at least one seat.")
            else:  # the seats come back with the customer (see load)
                seats = ",".join(map(str, wanted))
                back = quote(f"/showtimes/{showtime_id}?seats={seats}", safe="")
                yield rx.redirect(f"/login?next={back}")
            return
        loop = asyncio.get_running_loop()
        try:
            booking = await loop.run_in_executor(
                HOLDS, lambda: hold_seats(account.id, showtime_id, wanted)
            )
        except errors.BookingError as exc:
            async with self:
                self.busy = False
                if isinstance(exc, errors.SeatUnavailable):  # the customer picks again: from
                    await self._refresh()  # what is free now, not from the last broadcast
            yield rx.toast.error(exc.message)
            return
        except Exception:  # the database away: say so, and leave the Proceed button usable
            log.exception("Holding seats %s of showtime %s failed", wanted, showtime_id)
            async with self:
                self.busy = False
            yield rx.toast.error(HOLD_FAILED)
            return
        async with self:
            self.busy = False
        yield rx.redirect(f"/checkout/{booking.reference}")
