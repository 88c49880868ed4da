"""Tables for what a cinema offers beyond a plain sale: promo codes and waiting lists."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bookmyseat.models.core import utcnow


class PromoCode(SQLModel, table=True):
    """A code that takes a percentage or an amount off a booking's seats. Its uses are not a
    counter: they are the live bookings that carry it, counted under the code's row lock."""

    __tablename__ = "promo_code"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)  # upper case
    description: str = Field(default="", max_length=200)
    percent_off: int = 0  # 1..100, or 0 for an amount
    amount_off_paise: int = 0  # or 0 for a percentage
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    max_uses: int | None = None  # None: no limit
    movie_id: int | None = Field(default=None, foreign_key="movie.id")
    cinema_id: int | None = Field(default=None, foreign_key="cinema.id")
    category: str = Field(default="", max_length=20)  # "" for every category
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Per-customer limits (services.offers.promo_codes): one booking a customer, and only a
    # customer's first paid booking.
    once_per_customer: bool = False
    first_booking_only: bool = False


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # seats held for them; the link is in their inbox
    BOOKED = "booked"  # they paid for the offered seats
    LAPSED = "lapsed"  # the offer ran out unpaid
    WITHDRAWN = "withdrawn"  # they (or staff) took their name off


class WaitlistEntry(SQLModel, table=True):
    """A customer waiting for seats of a sold-out showtime, served in the order they joined."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (
        Index("ix_waitlist_showtime_status", "showtime_id", "status", "id"),
        # One place in a showtime's line a customer (a second join finds the first).
        UniqueConstraint("showtime_id", "user_id", name="uq_waitlist_showtime_user"),
    )

    id: int | None = Field(default=None, primary_key=True)
    showtime_id: int = Field(foreign_key="showtime.id")
    user_id: int = Field(foreign_key="app_user.id", index=True)
    seats_wanted: int
    status: str = Field(default=WaitlistStatus.WAITING, max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    offered_at: datetime | None = None
    booking_id: int | None = Field(default=None, foreign_key="booking.id")
    updated_at: datetime = Field(default_factory=utcnow)
