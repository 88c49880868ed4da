"""The dashboard's date ranges: named spans ending today, or a custom pair of days.

A range is whole days, [the first day, the day after the last), read on the dashboard's clock
(analytics.Window); "today" is the site's today. A custom range that cannot be read falls back
to the last seven days; one that ends before it starts or spans more than MAX_DAYS is refused
with a message.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookmyseat.services.errors import CustomerError
from bookmyseat.settings import get_settings

CUSTOM = "Custom"
DEFAULT_RANGE = "7 days"
RANGES = {"Today": 0, "7 days": 7, "30 days": 30, CUSTOM: -1}  # name → days back from today
FIRST_YEAR, LAST_YEAR = 2000, 2100  # local midnights near year 1 or 9999 have no UTC instant
MAX_DAYS = 3 * 366  # the longest custom range (the roll-ups make longer ones cheap, not readable)


class RangeRefused(CustomerError):
    code = "range_refused"


def range_days(
    name: str, custom_from: str = "", custom_to: str = "", *, today: date | None = None
) -> tuple[date, date]:
    """The [first, after) days of a named range, or of the custom days given as ISO dates."""
    today = today or datetime.now(ZoneInfo(get_settings().default_timezone)).date()
    days = RANGES.get(name, RANGES[DEFAULT_RANGE])
    if days >= 0:
        return today - timedelta(days=days), today + timedelta(days=1)
    try:
        start, end = date.fromisoformat(custom_from), date.fromisoformat(custom_to)
    except ValueError:
        start, end = today - timedelta(days=RANGES[DEFAULT_RANGE]), today
    if end < start:
        raise RangeRefused("The range ends before it starts.")
    if (end - start).days >= MAX_DAYS or end >= date.max - timedelta(days=1):
        raise RangeRefused(f"Choose a range of at most {MAX_DAYS} days.")
    if start.year < FIRST_YEAR or end.year > LAST_YEAR:
        raise RangeRefused(f"Choose days between {FIRST_YEAR} and {LAST_YEAR}.")
    return start, end + timedelta(days=1)
