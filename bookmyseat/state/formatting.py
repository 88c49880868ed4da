"""Display formats the pages' states share (money itself is `services.money.format_money`)."""

from __future__ import annotations

from datetime import datetime


def runtime(minutes: int) -> str:
    return f"{minutes // 60}h {minutes % 60:02d}m"


def day_and_time(moment: datetime) -> str:
    """ "Wed 25 Nov, 21:00" in the zone `moment` carries (the cinema's)."""
    return moment.strftime("%a %d %b, %H:%M")


def full_day_and_time(moment: datetime) -> str:
    """ "Wed 25 Nov 2026, 21:00": for lists that span years."""
    return moment.strftime("%a %d %b %Y, %H:%M")


def zoned_day_and_time(moment: datetime) -> str:
    """ "Wed 25 Nov 2026, 21:00 IST": a ticket's time, naming the cinema's zone."""
    return f"{full_day_and_time(moment)} {moment.tzname() or ''}".rstrip()


def clock_time(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def short_date(moment: datetime) -> str:
    return moment.strftime("%a %d %b")
