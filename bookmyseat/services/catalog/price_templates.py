"""A screen's price template: the prices a new show gets from the day and time it starts on the
cinema's clock, where staff scheduling it leave a category's price blank.

Written as lines staff can read and type, one rule a line:

    every    09:00  Classic 180  Prime 250
    weekends 09:00  Classic 220  Prime 300
    every    18:00  Classic 230  Prime 320

For a show, the rules of its kind of day (weekdays Monday–Friday, weekends Saturday and Sunday,
or every day) that start at or before its start time apply; the latest start wins, and at the
same start a weekday or weekend rule beats an every-day one. A show after midnight but before
the cinema opens belongs to the night before (a Friday-night show at 00:30 is Friday's, and the
evening's prices reach it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bookmyseat.models import ScreenPriceRule, SeatCategory
from bookmyseat.services.money import format_money

DAYS = ("every", "weekdays", "weekends")
OPENS = time(9, 0)  # before this a show belongs to the night before (week_scheduling's too)
MOST_RUPEES = 100_000
_LINE = re.compile(r"(\w+)\s+(\d{1,2}):(\d{2})\s+(.+)")


class TemplateError(ValueError):
    """A template line that cannot be read; the message names the line."""


@dataclass(frozen=True)
class Rule:
    days: str
    from_time: time
    category: str
    price_paise: int


def business_day(local_start: datetime) -> date:
    return (
        (local_start - timedelta(days=1)).date()
        if local_start.time() < OPENS
        else (local_start.date())
    )


def _minutes_into_day(local_start: datetime) -> int:
    """Minutes since midnight of the business day (a 00:30 show after the night is 24:30)."""
    minutes = local_start.hour * 60 + local_start.minute
    return minutes + 24 * 60 if local_start.time() < OPENS else minutes


def template_prices(rules: list[Rule], local_start: datetime) -> dict[str, int]:
    """The template's price of each category for a show starting then (cinema's clock)."""
    weekend = business_day(local_start).weekday() >= 5
    at = _minutes_into_day(local_start)
    best: dict[str, tuple[tuple[int, int], int]] = {}
    for rule in rules:
        if rule.days != "every" and (rule.days == "weekends") != weekend:
            continue
        starts = rule.from_time.hour * 60 + rule.from_time.minute
        if starts > at:
            continue
        rank = (starts, 0 if rule.days == "every" else 1)
        if rule.category not in best or rank > best[rule.category][0]:
            best[rule.category] = (rank, rule.price_paise)
    return {category: price for category, (_, price) in best.items()}


def priced(
    rules: list[Rule], local_start: datetime, entered: dict[str, int], categories: list[str]
) -> dict[str, int]:
    """The show's prices: what staff typed, else the template's, for the screen's categories."""
    from_template = template_prices(rules, local_start)
    prices = {}
    for category in categories:
        paise = entered.get(category, 0) or from_template.get(category, 0)
        if paise > 0:
            prices[category] = paise
    return prices


def price_text(prices: dict[str, int]) -> str:
    """ "Classic ₹220 · Prime ₹300", cheapest first."""
    return " · ".join(
        f"{c} {format_money(p)}" for c, p in sorted(prices.items(), key=lambda x: x[1])
    )


def screen_rules(session: Session, screen_id: int) -> list[Rule]:
    return [
        Rule(row.days, time.fromisoformat(row.from_time), row.category, row.price_paise)
        for row in session.execute(
            select(ScreenPriceRule)
            .where(ScreenPriceRule.screen_id == screen_id)
            .order_by(ScreenPriceRule.from_time, ScreenPriceRule.days, ScreenPriceRule.id)
        ).scalars()
    ]


def rules_from_text(text: str) -> list[Rule]:
    """The template typed as lines (see the module's docstring); a blank text clears it."""
    rules: list[Rule] = []
    known = {c.value.lower(): c.value for c in SeatCategory}
    seen: set[tuple[str, time, str]] = set()
    for number, raw in enumerate(text.strip().splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.fullmatch(line)
        where = f"Line {number} ({line[:40]})"
        if not match or match[1].lower() not in DAYS:
            raise TemplateError(
                f"{where}: write it as 'weekends 18:00 Classic 250 Prime 350' "
                "(every, weekdays or weekends; a start time; categories with whole rupees)."
            )
        hour, minute = int(match[2]), int(match[3])
        if hour > 23 or minute > 59:
            raise TemplateError(f"{where}: {match[2]}:{match[3]} is not a time of day.")
        words = match[4].split()
        if len(words) % 2:
            raise TemplateError(f"{where}: each category needs a price after it.")
        for name, rupees in zip(words[::2], words[1::2], strict=True):
            category = known.get(name.lower())
            if category is None:
                raise TemplateError(f"{where}: {name} is not a seat category.")
            digits = rupees.isascii() and rupees.isdigit() and len(rupees) < 10
            if not digits or not 0 < int(rupees) <= MOST_RUPEES:
                raise TemplateError(f"{where}: {name}'s price must be whole rupees above 0.")
            key = (match[1].lower(), time(hour, minute), category)
            if key in seen:
                raise TemplateError(f"{where}: {category} is priced twice for that start.")
            seen.add(key)
            rules.append(Rule(key[0], key[1], category, int(rupees) * 100))
    return rules


def rules_to_text(rules: list[Rule]) -> str:
    """The rules as `rules_from_text` reads them, one line a (days, start)."""
    lines: dict[tuple[str, time], list[str]] = {}
    for rule in rules:
        rupees = format_money(rule.price_paise).lstrip("₹").replace(",", "")
        lines.setdefault((rule.days, rule.from_time), []).append(f"{rule.category} {rupees}")
    return "\n".join(
        f"{days:<8} {start:%H:%M}  " + "  ".join(prices)
        for (days, start), prices in sorted(lines.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    )
