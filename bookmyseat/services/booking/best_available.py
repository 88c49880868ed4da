"""Best available: the best block of N free seats side by side, per category.

Best means what cinema-goers ask for: in the middle distance from the screen and near the
centre of the row, never split by an aisle, and never leaving a seat stranded on its own (the
gap rule, services.booking.seat_gaps: the hold would refuse such a block; a block from the end
of a stretch never strands one, so this costs no offer). Wheelchair spaces are
offered only when asked for, and then the block includes one.

Pure functions over `Place`s, and `suggestions` for a showtime as its seats are now (the seat
map's "Best available" asks for one suggestion per category).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy.engine import Engine

from bookmyseat.services.booking.availability import seat_map
from bookmyseat.services.booking.seat_gaps import Place, stranded_seat


@dataclass(frozen=True)
class Suggestion:
    category: str
    seat_ids: list[int]
    labels: list[str]
    total_paise: int


def suggestions(
    showtime_id: int, count: int, *, wheelchair: bool = False, engine: Engine | None = None
) -> list[Suggestion] | None:
    """The best block of `count` seats per category, dearest category first; None for a show
    that does not exist."""
    seats = seat_map(showtime_id, engine=engine)
    if not seats:
        return None
    on_sale = [s for s in seats if s.price_paise is not None]
    places = [
        Place(s.id, s.label, s.grid_row, s.grid_col, s.is_wheelchair, s.category) for s in on_sale
    ]
    taken = {s.id for s in on_sale if s.status != "available"}
    price = {s.id: s.price_paise for s in on_sale}
    blocks = best_per_category(places, taken, count, wheelchair=wheelchair)
    found = [
        Suggestion(category, [p.id for p in block], [p.label for p in block],
                   sum(price[p.id] for p in block))
        for category, block in blocks.items()
    ]  # fmt: skip
    return sorted(found, key=lambda s: -s.total_paise)


def best_block(
    places: Iterable[Place],
    taken: set[int],
    count: int,
    *,
    category: str | None = None,
    wheelchair: bool = False,
) -> list[Place] | None:
    """The best `count` free seats side by side in one row (and one category), or None when
    no such block exists."""
    seats = sorted(places, key=lambda p: (p.grid_row, p.grid_col))
    if count < 1 or not seats:
        return None
    rows = sorted({p.grid_row for p in seats})
    ideal_row = (rows[0] + rows[-1]) / 2
    depth = max(1, rows[-1] - rows[0])
    cols = [p.grid_col for p in seats]
    centre, width = (min(cols) + max(cols)) / 2, max(1, max(cols) - min(cols))
    by_row = {row: list(group) for row, group in groupby(seats, key=lambda p: p.grid_row)}

    def score(block: list[Place]) -> tuple:
        middle = (block[0].grid_col + block[-1].grid_col) / 2
        distance = abs(block[0].grid_row - ideal_row) / depth + abs(middle - centre) / width
        return (round(distance, 6), -block[0].grid_row, block[0].grid_col)

    def leaves_gap(block: list[Place]) -> bool:
        # The gap rule judges rows apart: only the block's own row is read.
        row = by_row[block[0].grid_row]
        return stranded_seat(row, taken, {p.id for p in block}) is not None

    candidates = [
        block
        for block in _blocks(seats, taken, count)
        if (category is None or all(p.category == category for p in block))
        and len({p.category for p in block}) == 1
        and any(p.wheelchair for p in block) == wheelchair
        and not leaves_gap(block)  # the hold would refuse it
    ]
    return min(candidates, key=score) if candidates else None


def best_per_category(
    places: Iterable[Place], taken: set[int], count: int, *, wheelchair: bool = False
) -> dict[str, list[Place]]:
    """One suggestion per category that has a block of `count` free seats."""
    seats = list(places)
    found = {}
    for category in sorted({p.category for p in seats}):
        block = best_block(seats, taken, count, category=category, wheelchair=wheelchair)
        if block is not None:
            found[category] = block
    return found


def _blocks(seats: list[Place], taken: set[int], count: int) -> Iterable[list[Place]]:
    """Every window of `count` free seats side by side (no aisle between) in one row."""
    for _, row in groupby(seats, key=lambda p: p.grid_row):
        run: list[Place] = []
        for place in row:
            if place.id in taken or (run and place.grid_col != run[-1].grid_col + 1):
                run = []
            if place.id not in taken:
                run.append(place)
                if len(run) >= count:
                    yield run[-count:]
