"""A showtime's seat availability: every seat with status and price, in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine, Row

from bookmyseat.db import is_row_id, read_session
from bookmyseat.models import Booking, BookingStatus, Seat, SeatClaim, Showtime, ShowtimePrice
from bookmyseat.services.booking.rules import claim_is_live
from bookmyseat.services.catalog.layouts import REMOVED_ROW
from bookmyseat.services.clock import resolve_now


@dataclass(frozen=True)
class SeatState:
    id: int
    label: str
    row_label: str
    number: int
    grid_row: int
    grid_col: int
    category: str
    price_paise: int | None
    is_wheelchair: bool
    status: str  # available | held | sold | blocked
    mine: bool = False


def seat_map(
    showtime_id: int,
    *,
    viewer_user_id: int | None = None,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> list[SeatState]:
    """Every seat of the showtime's screen with its status and price, in one query."""
    now = resolve_now(now)
    if not is_row_id(showtime_id):
        return []
    showtime_screen = select(Showtime.screen_id).where(Showtime.id == showtime_id)
    query = (
        select(
            Seat.id,
            Seat.label,
            Seat.row_label,
            Seat.number,
            Seat.grid_row,
            Seat.grid_col,
            Seat.category,
            Seat.is_wheelchair,
            Seat.is_blocked,
            ShowtimePrice.price_paise,
            Booking.status,
            Booking.hold_expires_at,
            Booking.user_id,
        )
        .select_from(Seat)
        .outerjoin(
            SeatClaim,
            and_(SeatClaim.seat_id == Seat.id, SeatClaim.showtime_id == showtime_id),
        )
        .outerjoin(Booking, Booking.id == SeatClaim.booking_id)
        .outerjoin(
            ShowtimePrice,
            and_(
                ShowtimePrice.showtime_id == showtime_id,
                ShowtimePrice.category == Seat.category,
            ),
        )
        .where(Seat.screen_id == showtime_screen.scalar_subquery(), Seat.grid_row != REMOVED_ROW)
        .order_by(Seat.grid_row, Seat.grid_col)
    )
    with read_session(engine) as session:
        rows = session.execute(query).all()
    return [_seat_state(row, viewer_user_id, now) for row in rows]


def _seat_state(row: Row, viewer_user_id: int | None, now: datetime) -> SeatState:
    status = "available"
    mine = False
    if row.is_blocked or row.price_paise is None:
        status = "blocked"
    elif row.status is not None and claim_is_live(row.status, row.hold_expires_at, now):
        status = "sold" if row.status == BookingStatus.PAID else "held"
        mine = row.user_id == viewer_user_id
    return SeatState(
        id=row.id,
        label=row.label,
        row_label=row.row_label,
        number=row.number,
        grid_row=row.grid_row,
        grid_col=row.grid_col,
        category=row.category,
        price_paise=row.price_paise,
        is_wheelchair=row.is_wheelchair,
        status=status,
        mine=mine,
    )


CODES = {"available": "a", "held": "h", "sold": "s", "blocked": "b"}


def status_codes(seats: list[SeatState]) -> str:
    """One letter a seat, in map order: a(vailable) h(eld) s(old) b(locked), and m(ine) for
    the viewer's own held seats; 440 seats are 440 bytes on the wire."""
    return "".join("m" if s.mine and s.status == "held" else CODES[s.status] for s in seats)


def seat_codes(showtime_id: int, *, engine: Engine | None = None) -> str:
    """The codes every viewer of the showtime is sent (nobody's seats are "mine")."""
    return status_codes(seat_map(showtime_id, engine=engine))
