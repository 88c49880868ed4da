"""A screen's price template: the prices a new show on it gets unless staff type others."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class ScreenPriceRule(SQLModel, table=True):
    """One line of a screen's template: on these days, for shows starting from this time on the
    cinema's clock, this category costs this much. The latest start that applies wins; a rule
    for weekdays or weekends beats one for every day at the same start."""

    __tablename__ = "screen_price_rule"
    __table_args__ = (
        UniqueConstraint("screen_id", "days", "from_time", "category", name="uq_screen_price_rule"),
    )

    id: int | None = Field(default=None, primary_key=True)
    screen_id: int = Field(foreign_key="screen.id", index=True)
    days: str = Field(max_length=8)  # every | weekdays | weekends
    from_time: str = Field(max_length=5)  # HH:MM on the cinema's clock
    category: str = Field(max_length=20)
    price_paise: int
