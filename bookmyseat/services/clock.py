"""What "now" is: the caller's `now` when given (tests, replays), else the aware UTC clock."""

from __future__ import annotations

from datetime import datetime

from bookmyseat.models import utcnow


def resolve_now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()
