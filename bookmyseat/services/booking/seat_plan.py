"""A showtime's seat plan for the browser: each seat's place, label, category and price, in the
order of `availability.status_codes` (the live codes index into it). None of it changes during a
sale, so it is sent once and cached (by the browser and here) instead of living in every tab's
state, which then carries only the 440-byte codes string."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bookmyseat.services.booking.availability import seat_map
from bookmyseat.services.money import SYMBOLS, format_money
from bookmyseat.settings import get_settings

CACHE_SECONDS = 60  # prices may be changed by staff; a minute old at most

_cache: dict[int, tuple[float, SeatPlan]] = {}
_guard = threading.Lock()


@dataclass(frozen=True)
class SeatPlan:
    body: bytes  # the JSON the browser receives
    etag: str


def _build(showtime_id: int, engine: Engine | None) -> SeatPlan | None:
    seats = seat_map(showtime_id, engine=engine)
    if not seats:
        return None
    rows: dict[str, int] = {}
    prices: dict[str, str] = {}
    for seat in seats:
        rows.setdefault(seat.row_label, seat.grid_row + 1)
        if seat.price_paise:
            prices.setdefault(seat.category, format_money(seat.price_paise))
    currency = get_settings().currency
    plan = {
        "showtime": showtime_id,
        "symbol": SYMBOLS.get(currency, currency.upper() + " "),
        # id, label, row, number, grid row, grid column (column 1 holds the row labels),
        # category, price in paise (0: not for sale), wheelchair space
        "seats": [
            [
                s.id,
                s.label,
                s.row_label,
                s.number,
                s.grid_row + 1,
                s.grid_col + 2,
                s.category,
                s.price_paise or 0,
                s.is_wheelchair,
            ]
            for s in seats
        ],  # fmt: skip
        "rows": [[label, row] for label, row in rows.items()],
        "prices": prices,
    }
    body = json.dumps(plan, separators=(",", ":"), ensure_ascii=False).encode()
    return SeatPlan(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def seat_plan(showtime_id: int, *, engine: Engine | None = None) -> SeatPlan | None:
    """The plan (None for an unknown showtime), read at most once a minute per showtime."""
    now = time.monotonic()
    with _guard:
        cached = _cache.get(showtime_id)
    if cached and cached[0] > now:
        return cached[1]
    plan = _build(showtime_id, engine)
    if plan is not None:
        with _guard:
            _cache[showtime_id] = (now + CACHE_SECONDS, plan)
            if len(_cache) > 1000:  # a long-running worker forgets old showtimes
                for key, (expires, _) in list(_cache.items()):
                    if expires <= now:
                        del _cache[key]
    return plan


def forget(showtime_ids: list[int]) -> None:
    """Drop these showtimes' plans from this process's cache (their prices changed); other
    processes serve theirs for at most CACHE_SECONDS more."""
    with _guard:
        for showtime_id in showtime_ids:
            _cache.pop(showtime_id, None)
