"""No single-seat gaps: a choice of seats must not strand one empty seat on its own.

A seat left alone between the chosen seats and a taken seat, an aisle or the row's end is a seat
nobody buys. The rule works on runs: the free seats side by side in one row, bounded by taken or
blocked seats, aisles, the row's ends and wheelchair spaces. Choosing seats of a run must not
leave one of its seats with no free neighbour in the run, unless it cannot be helped: when the
run has exactly one seat more than the seats chosen in it, every choice leaves one alone (then
the one left should be a companion seat where the run has one).
Wheelchair spaces are sold on their own terms: they are never "stranded", and a seat beside a
free wheelchair space is its companion seat, kept free on purpose.

Pure functions over `Place`s: the hold checks them on the server (services.booking.holds), and
the seat picker (assets/seat_picker.jsx) applies the same rule before Proceed so that the
customer sees the seat at once; the server's answer is the one that counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby


@dataclass(frozen=True)
class Place:
    """A seat as the seat-map rules see it: where it is, whether it is a wheelchair space, and
    its category (for suggestions)."""

    id: int
    label: str
    grid_row: int
    grid_col: int
    wheelchair: bool = False
    category: str = ""


def stranded_seat(places: Iterable[Place], taken: set[int], chosen: set[int]) -> Place | None:
    """The first seat (in map order) that choosing `chosen` would leave on its own, or None.

    `places` are the seats of the rows concerned (any order); `taken` the ids held, sold or
    blocked; `chosen` the ids wanted now (free ones).
    """
    ordered = sorted(places, key=lambda p: (p.grid_row, p.grid_col))
    for _, row in groupby(ordered, key=lambda p: p.grid_row):
        seats = list(row)
        for run in _free_runs(seats, taken):
            found = _stranded_in_run(run, chosen, _companions(seats, taken | chosen))
            if found is not None:
                return found
    return None


def _free_runs(row: list[Place], taken: set[int]) -> list[list[Place]]:
    """Free ordinary seats side by side: split by taken seats, gaps in the grid (aisles) and
    wheelchair spaces."""
    runs: list[list[Place]] = []
    current: list[Place] = []
    previous_col = None
    for place in row:
        usable = place.id not in taken and not place.wheelchair
        adjacent = previous_col is not None and place.grid_col == previous_col + 1
        if current and not (usable and adjacent):
            runs.append(current)
            current = []
        if usable:
            current.append(place)
        previous_col = place.grid_col
    if current:
        runs.append(current)
    return runs


def _companions(row: list[Place], taken: set[int]) -> set[int]:
    """Seats beside a wheelchair space still free after the choice (its companion seats)."""
    by_col = {p.grid_col: p for p in row}
    found = set()
    for place in row:
        if place.wheelchair and place.id not in taken:
            for col in (place.grid_col - 1, place.grid_col + 1):
                if col in by_col:
                    found.add(by_col[col].id)
    return found


def _stranded_in_run(run: list[Place], chosen: set[int], companions: set[int]) -> Place | None:
    picked = [p.id in chosen for p in run]
    lonely = next(
        (
            place
            for i, place in enumerate(run)
            if not picked[i]
            and place.id not in companions
            and (i == 0 or picked[i - 1])
            and (i == len(run) - 1 or picked[i + 1])
        ),
        None,
    )
    if lonely is None:
        return None
    # With one seat to spare, every choice leaves one seat alone; that is fine unless it could
    # have been a companion seat (at an end of the run, beside a wheelchair space).
    spare = len(run) - sum(picked)
    if spare == 1 and run[0].id not in companions and run[-1].id not in companions:
        return None
    return lonely
