"""Showtimes grouped for the movie page: days in order, cinemas by name, shows by time."""

from __future__ import annotations

from datetime import UTC, datetime

from bookmyseat.services.catalog.showtimes import ShowtimeSlot
from bookmyseat.state.movie import group_slots


def make_slot(i: int, day: int, hour: int, cinema: str, status: str = "bookable") -> ShowtimeSlot:
    return ShowtimeSlot(
        id=i,
        starts_at=datetime(2030, 1, day, hour, tzinfo=UTC),
        cinema=cinema,
        city="Mumbai",
        screen="1",
        format="2D",
        language="Hindi",
        from_price_paise=18000,
        seats_left=0 if status == "sold_out" else 5,
        status=status,
    )


def test_grouping_by_day_then_cinema() -> None:
    slots = [
        make_slot(1, 1, 10, "Zeta"),
        make_slot(2, 1, 12, "Alpha"),
        make_slot(3, 1, 18, "Zeta"),
        make_slot(4, 2, 9, "Alpha", status="sold_out"),
    ]
    days = group_slots(slots)
    assert [d.label for d in days] == ["Tue 01 Jan", "Wed 02 Jan"]
    assert [c.name for c in days[0].cinemas] == ["Alpha", "Zeta"]
    assert [s.time for s in days[0].cinemas[1].shows] == ["10:00", "18:00"]
    first = days[0].cinemas[0].shows[0]
    assert (first.price, first.seats_left, first.bookable) == ("from ₹180", "5 seats left", True)
    sold_out = days[1].cinemas[0].shows[0]
    assert (sold_out.status, sold_out.bookable) == ("Sold out · join the waiting list", False)
    assert sold_out.sold_out  # its chip leads to the show's waiting list (the walk's M2)
    assert not days[0].cinemas[0].shows[0].sold_out
