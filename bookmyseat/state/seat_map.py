"""State of `/showtimes/[id]`: the seat map, the customer's selection and the hold.

The layout (`seats`) is sent once; the status of every seat is one compact string (`codes`, a
letter a seat in map order) so that a change resends 400 bytes, not 400 objects.

Live: while the page is open, a background task waits for notices that the showtime's seats
changed (`services.seat_events`, relayed through Redis between workers) and re-reads them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import uuid
from urllib.parse import quote

import reflex as rx
from reflex.utils.prerequisites import get_app

from bookmyseat.services.booking import errors
from bookmyseat.services.booking.availability import SeatState, seat_map
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.booking.seat_events import hub
from bookmyseat.services.catalog.showtimes import showtime_summary
from bookmyseat.services.money import format_money
from bookmyseat.settings import get_settings
from bookmyseat.state.auth import AuthState
from bookmyseat.state.formatting import day_and_time

CODES = {"available": "a", "held": "h", "sold": "s", "blocked": "b"}
# A viewer re-reads the seats at least this often, so a lost notice or a hold that simply ran
# out (nobody announces the passing of time) shows within seconds.
RESYNC_SECONDS = 5.0
MAX_SEATS_IN_ADDRESS = 20
LOAD_WAIT_STEPS = 300  # × 0.1 s: a watcher gives up if its page has not loaded in 30 s
# A watcher whose page stayed open this long stops; reloading the page starts a new one.
WATCH_LIMIT_SECONDS = 3 * 3600


@functools.cache
def _app():  # the rx.App, looked up once (get_app edits sys.path on every call)
    return get_app().app


def client_connected(token: str) -> bool:
    """Whether the browser tab behind `token` still has its websocket open."""
    namespace = _app().event_namespace
    return namespace is None or token in namespace.token_to_sid


def parse_seat_ids(text: str) -> list[int]:
    """Seat ids from an address ("12,13,14"); anything else in it is ignored."""
    parts = str(text).split(",")[:MAX_SEATS_IN_ADDRESS]
    return [int(part) for part in parts if part.isdigit() and len(part) < 10]


def status_codes(seats: list[SeatState]) -> str:
    """One letter a seat: a(vailable) h(eld by others) s(old) b(locked) m(ine, held by me)."""
    return "".join("m" if s.mine and s.status == "held" else CODES[s.status] for s in seats)


@dataclasses.dataclass
class SeatCell:
    id: int
    index: int
    number: int
    grid_row: int
    grid_col: int
    category: str
    price: str
    wheelchair: bool
    aria: str  # "Row F, seat 12, Prime, ₹250"


@dataclasses.dataclass
class RowMark:
    label: str
    grid_row: int


class SeatMapState(AuthState):
    found: bool = True
    showtime_id: int = 0
    title: str = ""
    movie_slug: str = ""
    venue: str = ""
    when: str = ""
    categories: list[str] = []
    seats: list[SeatCell] = []
    rows: list[RowMark] = []
    codes: str = ""
    selected: list[int] = []
    selected_labels: str = ""
    total: str = ""
    busy: bool = False
    loading: bool = True  # until the first load: the map says it is busy (aria-busy)
    limit: int = 10
    _viewer_id: int | None = None
    _watch_id: str = ""  # the watcher this tab runs now; a new page or a reset ends the old one
    _labels: dict[int, str] = {}
    _prices: dict[int, int] = {}
    _index: dict[int, int] = {}

    @rx.event
    async def load(self):
        self.loading = True
        self.selected = []
        self._update_totals()
        yield
        raw = str(self.router.page.params.get("id", ""))
        summary = await asyncio.to_thread(showtime_summary, int(raw)) if raw.isdigit() else None
        if summary is None:
            self.found = False
            self.loading = False
            return
        account = await self._current_account()
        state = await asyncio.to_thread(
            seat_map, summary.id, viewer_user_id=account.id if account else None
        )
        self.found = True
        self.limit = get_settings().max_seats_per_booking
        self.showtime_id = summary.id
        self.title = f"{summary.movie_title} ({summary.certificate})"
        self.movie_slug = summary.movie_slug
        self.venue = f"{summary.cinema}, {summary.city} · {summary.screen}"
        self.when = f"{day_and_time(summary.starts_at)} · {summary.format} · {summary.language}"
        self.categories = [f"{c} {format_money(p)}" for c, p in reversed(summary.prices.items())]
        self.seats = [
            SeatCell(
                id=s.id,
                index=i,
                number=s.number,
                grid_row=s.grid_row + 1,
                grid_col=s.grid_col + 2,  # column 1 holds the row labels
                category=s.category,
                price=format_money(s.price_paise),
                wheelchair=s.is_wheelchair,
                aria=f"Row {s.row_label}, seat {s.number}, {s.category}"
                + (f", {format_money(s.price_paise)}" if s.price_paise else "")
                + (", wheelchair space" if s.is_wheelchair else ""),
            )
            for i, s in enumerate(state)
        ]
        rows: dict[str, int] = {}
        for s in state:
            rows.setdefault(s.row_label, s.grid_row + 1)
        self.rows = [RowMark(label, row) for label, row in rows.items()]
        self._labels = {s.id: s.label for s in state}
        self._prices = {s.id: s.price_paise or 0 for s in state}
        self._index = {s.id: i for i, s in enumerate(state)}
        self.codes = status_codes(state)
        self._viewer_id = account.id if account else None
        self.loading = False
        wanted = parse_seat_ids(self.router.page.params.get("seats", ""))
        if wanted:  # back from signing in: the seats chosen before, where still free
            gone = self._choose_again(wanted)
            if gone:
                yield rx.toast.warning(
                    f"{gone} {'is' if ',' not in gone else 'are'} no longer free; "
                    "your other seats are still chosen."
                )

    def _choose_again(self, wanted: list[int]) -> str:
        """Select the wanted seats that are free now; the labels of those that are not."""
        free = [s for s in wanted if s in self._index and self.codes[self._index[s]] == "a"]
        self.selected = free[: self.limit]
        self._update_totals()
        return ", ".join(
            self._labels.get(s, "") for s in wanted if s in self._index and s not in free
        )

    def _update_totals(self) -> None:
        chosen = sorted(self.selected, key=lambda s: self._index.get(s, 0))
        self.selected_labels = ", ".join(self._labels.get(s, "") for s in chosen)
        self.total = format_money(sum(self._prices.get(s, 0) for s in self.selected))

    @rx.event
    def toggle(self, seat_id: int):
        if self.loading:
            return None
        if seat_id in self.selected:
            self.selected = [s for s in self.selected if s != seat_id]
        elif seat_id not in self._index or self.codes[self._index[seat_id]] != "a":
            return rx.toast.warning(f"Seat {self._labels.get(seat_id, '')} is not available.")
        elif len(self.selected) >= self.limit:
            return rx.toast.warning(f"You can book at most {self.limit} seats at a time.")
        else:
            self.selected = [*self.selected, seat_id]
        self._update_totals()

    @rx.event
    async def proceed(self):
        if not self.selected:
            yield rx.toast.warning("Choose at least one seat.")
            return
        account = await self._current_account()
        if account is None:  # the seats come back with the customer (see load)
            seats = ",".join(map(str, self.selected))
            back = quote(f"/showtimes/{self.showtime_id}?seats={seats}", safe="")
            yield rx.redirect(f"/login?next={back}")
            return
        self.busy = True
        yield
        try:
            booking = await asyncio.to_thread(
                hold_seats, account.id, self.showtime_id, list(self.selected)
            )
        except errors.SeatUnavailable as exc:
            self.busy = False
            await self._refresh_codes(account.id)
            taken = set(exc.labels)
            self.selected = [s for s in self.selected if self._labels.get(s) not in taken]
            self._update_totals()
            yield rx.toast.error(exc.message)
            return
        except errors.BookingError as exc:
            self.busy = False
            yield rx.toast.error(exc.message)
            return
        self.busy = False
        self.selected = []  # held now: the seats are the customer's, shown as theirs
        self._update_totals()
        yield rx.redirect(f"/checkout/{booking.reference}")

    async def _refresh_codes(self, user_id: int | None) -> None:
        state = await asyncio.to_thread(seat_map, self.showtime_id, viewer_user_id=user_id)
        self.codes = status_codes(state)

    def _apply_codes(self, codes: str) -> str:
        """New seat statuses; drops chosen seats someone else just took and says which."""
        self.codes = codes
        # A chosen seat is lost only to someone else: held by this customer ("m") it is theirs.
        lost = [s for s in self.selected if codes[self._index.get(s, 0)] not in ("a", "m")]
        if not lost:
            return ""
        self.selected = [s for s in self.selected if s not in lost]
        self._update_totals()
        labels = ", ".join(self._labels.get(s, "") for s in lost)
        return (
            f"Seat {labels} was just taken by someone else."
            if len(lost) == 1
            else (f"Seats {labels} were just taken by someone else.")
        )

    @rx.event
    def stop_watching(self):
        """Leaving the page: end its live updates; the next visit shows busy until it loads."""
        self._watch_id = ""
        self.loading = True

    @rx.event(background=True)
    async def watch(self):
        """Keep this map in step with the database until the customer leaves the page.

        Started by the page's on_mount, never from on_load: Reflex treats events an on_load
        handler yields as part of the page-load chain and cancels that chain on the next
        navigation; a background task cancelled inside `async with self` can leave the
        Redis state lock held until it expires, stalling the tab for seconds."""
        async with self:
            self._watch_id = generation = uuid.uuid4().hex
            token = self.router.session.client_token
        showtime_id = 0
        for _ in range(LOAD_WAIT_STEPS):  # started on mount: wait for the page's load to finish
            async with self:
                if self._watch_id != generation:
                    return
                if not self.loading:
                    showtime_id = self.showtime_id
            if showtime_id:
                break
            await asyncio.sleep(0.1)
        else:
            return
        seen = hub.version(showtime_id)
        deadline = asyncio.get_running_loop().time() + WATCH_LIMIT_SECONDS
        while asyncio.get_running_loop().time() < deadline:
            seen = await hub.wait(showtime_id, seen, RESYNC_SECONDS)
            if not client_connected(token):
                return
            async with self:
                if self._watch_id != generation or self.showtime_id != showtime_id:
                    return
                viewer = self._viewer_id
            state = await asyncio.to_thread(seat_map, showtime_id, viewer_user_id=viewer)
            codes = status_codes(state)
            message = ""
            async with self:
                if self._watch_id != generation:
                    return
                if codes != self.codes and len(codes) == len(self.codes):
                    message = self._apply_codes(codes)
            if message:
                yield rx.toast.warning(message)
