"""Editing a screen's layout: rows, seats, categories, wheelchair spaces and blocked seats.

Seats are matched by label. A change is refused, with the list of conflicts, when it would
remove, recategorise, block or change the kind of a seat that is held or sold for a show still
to come (as pretix refuses a seat-plan change that strands sold seats); seats of past shows do
not count, and their bookings keep the labels, categories and prices they were sold with.
A seat taken out keeps its row (bookings name it), blocked and off the map; put back, it is the
same seat again. A category new to the screen needs a price for the future shows that lack one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import read_session, write_session
from bookmyseat.models import (
    Booking,
    Cinema,
    Screen,
    Seat,
    SeatClaim,
    Showtime,
    ShowtimePrice,
    utcnow,
)
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking import seat_plan
from bookmyseat.services.booking.rules import hold_lapsed_sql
from bookmyseat.services.catalog.layouts import (
    REMOVED_ROW,
    LayoutError,
    SeatSpec,
    layout_json,
    parse_layout,
)
from bookmyseat.services.catalog.local_time import local_text
from bookmyseat.services.staff import audit
from bookmyseat.services.staff.access import actor_of, require_staff
from bookmyseat.services.staff.catalog_management import ManagementError, existing_row

CONFLICTS_NAMED = 10


@dataclass(frozen=True)
class LayoutChange:
    added: int
    removed: int
    changed: int


def layout_rows(account: Account | None, screen_id: int, *, engine: Engine | None = None):
    """The screen's layout as the editor's rows."""
    require_staff(account, "a screen", engine=engine)
    with read_session(engine) as session:
        screen = existing_row(session, Screen, screen_id, "That screen does not exist.")
        return json.loads(screen.layout)["rows"]


def change_layout(
    account: Account | None,
    screen_id: int,
    rows: list[dict],
    prices: dict[str, int],
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> LayoutChange:
    """Apply the new layout to the screen, or refuse it naming the seats in the way."""
    admin = require_staff(account, "a screen", write=True, engine=engine)
    now = now or utcnow()
    try:
        layout = layout_json(rows)
        specs = {s.label: s for s in parse_layout(layout)}
    except LayoutError as exc:
        raise ManagementError(str(exc)) from exc
    with write_session(engine) as session:
        screen = existing_row(session, Screen, screen_id, "That screen does not exist.", lock=True)
        seats = {
            s.label: s
            for s in session.execute(select(Seat).where(Seat.screen_id == screen_id)).scalars()
        }
        on_map = {label: s for label, s in seats.items() if s.grid_row != REMOVED_ROW}
        affected = [s for label, s in on_map.items() if _matters(s, specs.get(label))]
        _refuse_conflicts(session, screen, affected, now)
        future = list(
            session.execute(
                select(Showtime.id).where(
                    Showtime.screen_id == screen_id,
                    Showtime.starts_at > now,
                    ~Showtime.is_cancelled,
                )
            ).scalars()
        )
        _price_new_categories(session, future, {s.category for s in specs.values()}, prices)
        before = screen.layout
        for label, seat in seats.items():
            spec = specs.get(label)
            if spec is None:
                seat.is_blocked, seat.grid_row, seat.grid_col = True, REMOVED_ROW, 0
            else:
                _place(seat, spec)
        session.add_all(_place(Seat(screen_id=screen_id), specs[label]) for label in specs
                        if label not in seats)  # fmt: skip
        screen.layout = layout
        change = LayoutChange(
            added=sum(1 for label in specs if label not in on_map),
            removed=sum(1 for label in on_map if label not in specs),
            changed=sum(1 for label, s in on_map.items() if label in specs and
                        _differs(s, specs[label])),
        )  # fmt: skip
        audit.add_entry(
            session,
            actor_of(admin),
            "layout_changed",
            entity="screen",
            entity_id=screen_id,
            before={"layout": json.loads(before)["rows"]},
            after={"layout": rows, "added": change.added, "removed": change.removed,
                   "changed": change.changed},
            now=now,
        )  # fmt: skip
    seat_plan.forget(future)
    return change


def _matters(seat: Seat, spec: SeatSpec | None) -> bool:
    """Whether the change would take the seat from whoever holds it for a coming show: gone,
    another category, blocked, or a wheelchair space become a seat (or the other way)."""
    return spec is None or (
        spec.category != seat.category
        or (spec.is_blocked and not seat.is_blocked)
        or spec.is_wheelchair != seat.is_wheelchair
    )


def _differs(seat: Seat, spec: SeatSpec) -> bool:
    return (seat.grid_row, seat.grid_col, seat.category, seat.is_wheelchair, seat.is_blocked) != (
        spec.grid_row, spec.grid_col, spec.category, spec.is_wheelchair, spec.is_blocked
    )  # fmt: skip


def _place(seat: Seat, spec: SeatSpec) -> Seat:
    seat.label, seat.row_label, seat.number = spec.label, spec.row_label, spec.number
    seat.grid_row, seat.grid_col, seat.category = spec.grid_row, spec.grid_col, spec.category
    seat.is_wheelchair, seat.is_blocked = spec.is_wheelchair, spec.is_blocked
    return seat


def _refuse_conflicts(session: Session, screen: Screen, affected: list[Seat], now) -> None:
    if not affected:
        return
    zone = session.get(Cinema, screen.cinema_id).timezone
    found = session.execute(
        select(Seat.label, Showtime.starts_at, Booking.status)
        .select_from(SeatClaim)
        .join(Booking, Booking.id == SeatClaim.booking_id)
        .join(Showtime, Showtime.id == SeatClaim.showtime_id)
        .join(Seat, Seat.id == SeatClaim.seat_id)
        .where(
            SeatClaim.seat_id.in_([s.id for s in affected]),
            Showtime.starts_at > now,
            ~hold_lapsed_sql(now),
        )
        .order_by(Showtime.starts_at, Seat.label)
    ).all()
    if not found:
        return
    named = [
        f"{label} ({'sold' if status == 'paid' else 'held'} for "
        f"{local_text(starts_at, zone, '%a %d %b %H:%M')})"
        for label, starts_at, status in found[:CONFLICTS_NAMED]
    ]
    more = f" and {len(found) - CONFLICTS_NAMED} more" if len(found) > CONFLICTS_NAMED else ""
    raise ManagementError(
        "This change would take seats from customers of coming shows, so nothing was changed: "
        + ", ".join(named)
        + more
        + ". Keep those seats as they are, or cancel those bookings first."
    )


def _price_new_categories(session: Session, future: list[int], categories: set[str],
                          prices: dict[str, int]) -> None:  # fmt: skip
    """Every coming show needs a price for each category of the new layout."""
    priced = set(
        tuple(row)
        for row in session.execute(
            select(ShowtimePrice.showtime_id, ShowtimePrice.category).where(
                ShowtimePrice.showtime_id.in_(future)
            )
        ).all()
    )
    missing = {(show, c) for show in future for c in categories if (show, c) not in priced}
    unpriced = sorted({c for _, c in missing if prices.get(c, 0) <= 0})
    if unpriced:
        shows = len({show for show, c in missing if c in unpriced})
        raise ManagementError(
            f"Give a price for {', '.join(unpriced)} seats: {shows} coming shows of this screen "
            "have none."
        )
    session.add_all(
        ShowtimePrice(showtime_id=show, category=c, price_paise=prices[c]) for show, c in missing
    )
