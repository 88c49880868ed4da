"""A cinema's wall-clock time: staff enter and read showtimes in the cinema's own time zone,
while the database keeps instants in UTC. Zones with daylight saving have a local hour that
never happens (clocks go forward) and one that happens twice (clocks go back)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


class NoSuchLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change in that zone."""


def instant_of(local: datetime, zone: str) -> datetime:
    """The UTC instant of a wall-clock time in `zone`. A time that happens twice is the first
    one (the earlier instant); a time the clocks skip is refused."""
    tz = ZoneInfo(zone)
    first = local.replace(tzinfo=tz, fold=0)
    back = first.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NoSuchLocalTime(
            f"{local:%d %b %Y %H:%M} does not happen in {zone}: the clocks change then."
        )
    return first.astimezone(UTC)


def local_text(moment: datetime, zone: str, pattern: str = "%d %b %Y %H:%M") -> str:
    """ "15 Mar 2027 10:00 IST": the instant on the zone's clock, naming the zone."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local.strftime(pattern)} {local.tzname()}"
