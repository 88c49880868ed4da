"""Files the app keeps in the database when several app servers must all serve them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from bookmyseat.models.core import utcnow


class PosterFile(SQLModel, table=True):
    """An uploaded poster (BOOKMYSEAT_POSTER_STORAGE=database): every app server reads the same
    bytes, where a local folder would hold them on one machine only."""

    __tablename__ = "poster_file"

    name: str = Field(primary_key=True, max_length=80)  # slug-random.ext, as its URL says
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
