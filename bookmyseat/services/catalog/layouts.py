"""Seat layouts: a compact JSON text per screen, and the seats it defines.

A layout is `{"rows": [...]}`; each row is either `{"gap": true}` (a cross aisle) or
`{"label": "F", "category": "Prime", "cells": "SSSS_SSSSWW_SSSS"}`, where in `cells`
`S` is a seat, `W` a wheelchair space, `X` a blocked seat and `_` an aisle or gap.
Seats are numbered 1.. from the left across S, W and X cells.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bookmyseat.models import SeatCategory
from bookmyseat.services.errors import CustomerError

SEAT_CELLS = {"S", "W", "X"}
GAP_CELL = "_"
# A seat taken out of a screen's layout keeps its row (past bookings name it), blocked and off
# the map on this grid row; seat maps leave it out (services.staff.layout_editing).
REMOVED_ROW = -1
ROW_LABEL = re.compile(r"^[A-Z]{1,2}$")
MAX_ROW_WIDTH = 60


class LayoutError(CustomerError, ValueError):
    """A layout that cannot be used; the message says what to fix."""

    code = "layout_invalid"


@dataclass(frozen=True)
class SeatSpec:
    label: str
    row_label: str
    number: int
    grid_row: int
    grid_col: int
    category: str
    is_wheelchair: bool
    is_blocked: bool


def parse_layout(text: str) -> list[SeatSpec]:
    """Validate a layout and list its seats in map order."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise LayoutError("The layout is not valid JSON.") from exc
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise LayoutError("The layout needs at least one row.")
    categories = {c.value for c in SeatCategory}
    seats: list[SeatSpec] = []
    seen_labels: set[str] = set()
    for grid_row, row in enumerate(rows):
        if not isinstance(row, dict):
            raise LayoutError(f"Row {grid_row + 1} is not an object.")
        if row.get("gap"):
            continue
        label = str(row.get("label", "")).strip().upper()
        if not ROW_LABEL.match(label):
            raise LayoutError(f"Row {grid_row + 1} needs a label of one or two letters.")
        if label in seen_labels:
            raise LayoutError(f"Row {label} appears twice.")
        seen_labels.add(label)
        category = str(row.get("category", ""))
        if category not in categories:
            raise LayoutError(f"Row {label} has an unknown category {category!r}.")
        cells = str(row.get("cells", ""))
        if not cells or len(cells) > MAX_ROW_WIDTH:
            raise LayoutError(f"Row {label} needs between 1 and {MAX_ROW_WIDTH} cells.")
        bad = set(cells) - SEAT_CELLS - {GAP_CELL}
        if bad:
            raise LayoutError(f"Row {label} has unknown cells {''.join(sorted(bad))!r}.")
        number = 0
        for grid_col, cell in enumerate(cells):
            if cell == GAP_CELL:
                continue
            number += 1
            seats.append(
                SeatSpec(
                    label=f"{label}{number}",
                    row_label=label,
                    number=number,
                    grid_row=grid_row,
                    grid_col=grid_col,
                    category=category,
                    is_wheelchair=cell == "W",
                    is_blocked=cell == "X",
                )
            )
        if number == 0:
            raise LayoutError(f"Row {label} has no seats.")
    return seats


def layout_json(rows: list[dict]) -> str:
    """Serialise rows into the stored layout text, validating them."""
    text = json.dumps({"rows": rows}, separators=(",", ":"))
    parse_layout(text)
    return text


def layout_categories(text: str) -> list[str]:
    """The categories a layout uses, front (cheapest rows near the screen) to back order kept."""
    seen: list[str] = []
    for seat in parse_layout(text):
        if seat.category not in seen:
            seen.append(seat.category)
    return seen
