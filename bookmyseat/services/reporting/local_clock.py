"""The money roll-up (by UTC quarter-hour) read on a local clock, folded by the database.

Every zone's offset from UTC is a whole number of quarter-hours, and it changes only at a
quarter-hour of UTC, so a window splits into spans of one offset each (`offset_spans`, exact to
the quarter-hour) and, within a span, a quarter's local hour is `(epoch + offset) // 3600`: the
database sums each local hour and Python only names the hours' days and weekdays (a year is
some 8,800 local hours, not 35,000 quarters)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, Select, and_, cast, func, select

from bookmyseat.models import SalesQuarter

HOUR, QUARTER = timedelta(hours=1), timedelta(minutes=15)
EPOCH_DAY = date(1970, 1, 1)  # a Thursday: weekday 4 when Sunday is 0


def offset_spans(start: datetime, end: datetime, zone: str) -> list[tuple[datetime, datetime, int]]:
    """[from, to) spans of [start, end) over which `zone`'s offset (in seconds) is constant; the
    zone is asked once an hour, and to the quarter-hour where its offset changed."""
    tz = ZoneInfo(zone)

    def offset(moment: datetime) -> int:
        return int(moment.astimezone(tz).utcoffset().total_seconds())

    spans: list[tuple[datetime, datetime, int]] = []
    span_start, current, moment = start, offset(start), start
    while moment < end:
        step = min(moment + HOUR, end)
        if step < end and offset(step) != current:
            change = moment + QUARTER
            while offset(change) == current:
                change += QUARTER
            spans.append((span_start, change, current))
            span_start, current, moment = change, offset(change), change
            continue
        moment = step
    spans.append((span_start, end, current))
    return spans


def _epoch(dialect: str):
    column = SalesQuarter.quarter_start
    if dialect == "postgresql":
        return cast(func.extract("epoch", column), BigInteger)
    return cast(func.strftime("%s", column), Integer)


def local_hour_statements(
    start: datetime, end: datetime, zone: str, cinema_id: int | None, dialect: str
) -> list[Select]:
    """One statement a span: (local hour number since 1970, net revenue, tickets)."""
    statements = []
    for span_from, span_to, offset in offset_spans(start, end, zone):
        hour = (_epoch(dialect) + offset) // 3600
        conditions = [SalesQuarter.quarter_start >= span_from, SalesQuarter.quarter_start < span_to]
        if cinema_id is not None:
            conditions.append(SalesQuarter.cinema_id == cinema_id)
        statements.append(
            select(
                hour,
                func.coalesce(func.sum(SalesQuarter.gross_paise), 0)
                - func.coalesce(func.sum(SalesQuarter.refunds_paise), 0),
                func.coalesce(func.sum(SalesQuarter.tickets), 0),
            )
            .where(and_(*conditions))
            .group_by(hour)
        )
    return statements


def fold_hours(
    hours: list[tuple[int, int, int]],
) -> tuple[list[tuple[str, int]], list[tuple[int, int, int]]]:
    """Local hours of (net revenue, tickets) into revenue by day and tickets by weekday × hour
    (weekday 0 is Sunday)."""
    by_day: Counter[str] = Counter()
    by_hour: Counter[tuple[int, int]] = Counter()
    for number, net, tickets in hours:
        days, hour = divmod(int(number), 24)
        by_day[(EPOCH_DAY + timedelta(days=days)).isoformat()] += int(net)
        by_hour[((days + 4) % 7, hour)] += int(tickets)
    heatmap = sorted((w, h, n) for (w, h), n in by_hour.items() if n > 0)
    return sorted(by_day.items()), heatmap
