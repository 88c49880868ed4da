"""The waiting line of a big on-sale: which showtimes have one, when their sale opens and how
fast the line moves. The line itself (who is where) lives in Redis (services.onsale.line)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from bookmyseat.models.core import utcnow


class SaleQueueStatus(StrEnum):
    OPEN = "open"  # visitors line up and are let in at the capacity rate
    PAUSED = "paused"  # visitors line up; nobody is let in until staff open it again
    ENDED = "ended"  # no line: the map is open to everyone


class SaleQueue(SQLModel, table=True):
    """A showtime's on-sale line, set up by staff. Before `opens_at` nobody is let in, and
    everyone who came before it is given a place at random; later arrivals join in order."""

    __tablename__ = "sale_queue"

    showtime_id: int = Field(foreign_key="showtime.id", primary_key=True)
    status: str = Field(default=SaleQueueStatus.OPEN, max_length=8)
    opens_at: datetime
    per_minute: int  # admissions a minute: the capacity
    admission_minutes: int  # how long an admission lasts unused
    updated_at: datetime = Field(default_factory=utcnow)
