"""Which seats of a show can be bought now, as the hold engine judges them: a seat is taken when
it is blocked, not on sale (no price for its category), or claimed by a booking whose hold has
not lapsed (a lapsed hold's seats are free before the sweeper comes by). The hold's gap rule and
the waiting list's offers read the same statement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from bookmyseat.models import Booking, Seat, SeatClaim, Showtime, ShowtimePrice
from bookmyseat.services.booking.rules import hold_lapsed_sql
from bookmyseat.services.booking.seat_gaps import Place
from bookmyseat.services.catalog.layouts import REMOVED_ROW

NOW = bindparam("now", type_=Booking.__table__.c.hold_expires_at.type)
# Whether a seat is claimed already by a booking that has not lapsed.
CLAIMED = (
    select(SeatClaim.id)
    .join(Booking, Booking.id == SeatClaim.booking_id)
    .where(
        SeatClaim.showtime_id == Showtime.id,
        SeatClaim.seat_id == Seat.id,
        ~hold_lapsed_sql(NOW),
    )
    .exists()
)
# Every seat on the show's map and whether it can be bought now (built once: constructing a
# statement costs more than running it).
SHOW_SEATS = (
    select(
        Seat.id,
        Seat.label,
        Seat.grid_row,
        Seat.grid_col,
        Seat.is_wheelchair,
        Seat.category,
        (Seat.is_blocked | CLAIMED | ShowtimePrice.price_paise.is_(None)).label("taken"),
    )
    .select_from(Showtime)
    .join(Seat, Seat.screen_id == Showtime.screen_id)
    .outerjoin(
        ShowtimePrice,
        and_(ShowtimePrice.showtime_id == Showtime.id, ShowtimePrice.category == Seat.category),
    )
    .where(Showtime.id == bindparam("showtime_id"), Seat.grid_row != REMOVED_ROW)
)


def places_of(rows) -> tuple[list[Place], set[int]]:  # noqa: ANN001 - rows of SHOW_SEATS
    places = [
        Place(r.id, r.label, r.grid_row, r.grid_col, r.is_wheelchair, r.category) for r in rows
    ]
    return places, {r.id for r in rows if r.taken}


def bookable_places(session: Session, showtime_id: int, now: datetime):
    """(every seat of the show as a `Place`, the ids of those nobody can buy now), read in the
    caller's transaction."""
    return places_of(session.execute(SHOW_SEATS, {"showtime_id": showtime_id, "now": now}).all())
