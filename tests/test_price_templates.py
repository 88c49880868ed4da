"""A screen's price template: which rule prices a show (weekday, weekend, evening, after
midnight), how staff type it, and that scheduling a show or a week fills blank prices from it."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from bookmyseat.db import read_session
from bookmyseat.models import AuditLog, ShowtimePrice
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.catalog.price_templates import (
    Rule,
    TemplateError,
    rules_from_text,
    rules_to_text,
    template_prices,
)
from bookmyseat.services.staff import pricing, scheduling
from bookmyseat.services.staff import week_scheduling as week
from bookmyseat.services.staff.access import AccessDenied
from bookmyseat.services.staff.catalog_management import ManagementError
from tests.conftest import World
from tests.test_week_scheduling import ids

TEMPLATE = """
every    09:00  Classic 180  Prime 250
weekends 09:00  Classic 220  Prime 300
every    18:00  Classic 230  Prime 320
weekends 18:00  Classic 260
"""
FRIDAY, SATURDAY = date(2031, 3, 7), date(2031, 3, 8)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(FRIDAY, 10), {"Classic": 18000, "Prime": 25000}),  # a weekday morning
        (at(FRIDAY, 17, 59), {"Classic": 18000, "Prime": 25000}),
        (at(FRIDAY, 18), {"Classic": 23000, "Prime": 32000}),  # the evening from 18:00
        (at(SATURDAY, 10), {"Classic": 22000, "Prime": 30000}),  # weekend beats every day
        (at(SATURDAY, 20), {"Classic": 26000, "Prime": 32000}),  # latest start, per category
        (at(SATURDAY, 0, 30), {"Classic": 23000, "Prime": 32000}),  # Friday night's show
        (at(FRIDAY, 8, 59), {"Classic": 23000, "Prime": 32000}),  # still Thursday's night
    ],
)
def test_the_latest_rule_of_the_shows_kind_of_day_prices_it(start, expected) -> None:
    assert template_prices(rules_from_text(TEMPLATE), start) == expected


def test_no_rule_before_the_first_start_means_no_template_price() -> None:
    rules = [Rule("every", time(12), "Classic", 10000)]
    assert template_prices(rules, at(FRIDAY, 11)) == {}


def test_the_text_reads_back_as_it_was_written() -> None:
    rules = rules_from_text(TEMPLATE)
    assert len(rules) == 7
    again = rules_from_text(rules_to_text(rules))
    assert len(again) == len(rules) and set(again) == set(rules)
    assert rules_from_text("") == [] and rules_from_text("\n \n") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sundays 10:00 Classic 100", "every, weekdays or weekends"),
        ("every 25:00 Classic 100", "not a time of day"),
        ("every 10:00 Classic", "needs a price"),
        ("every 10:00 Balcony 100", "not a seat category"),
        ("every 10:00 Classic 0", "above 0"),
        ("every 10:00 Classic 12.50", "whole rupees"),
        ("every 10:00 Classic 100 classic 120", "priced twice"),
        ("every", "write it as"),
    ],
)
def test_a_line_that_cannot_be_read_is_named(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        rules_from_text(text)


def test_a_week_left_unpriced_takes_the_templates_prices(world: World, boss: Account) -> None:
    movie, screen = ids(world)
    with pytest.raises(ManagementError, match="or set them in the screen's price template"):
        week.plan(boss, week.grid(movie, [screen], [FRIDAY], [time(10)], {}), engine=world.engine)
    assert pricing.set_price_template(boss, screen, TEMPLATE, engine=world.engine) == 7
    proposals = week.grid(movie, [screen], [FRIDAY, SATURDAY], [time(10), time(19)],
                          {"Prime": 40000})  # fmt: skip
    preview = week.plan(boss, proposals, engine=world.engine)
    assert [s.prices for s in preview.shows] == [
        "Classic ₹180 · Prime ₹400",
        "Classic ₹230 · Prime ₹400",  # typed prices win over the template's
        "Classic ₹220 · Prime ₹400",
        "Classic ₹260 · Prime ₹400",
    ]
    week.plan(boss, proposals, create=True, engine=world.engine)
    with read_session(world.engine) as session:
        classic = session.execute(
            select(ShowtimePrice.price_paise)
            .where(ShowtimePrice.category == "Classic",
                   ShowtimePrice.showtime_id.not_in([world.showtime_id, world.other_showtime_id]))
            .order_by(ShowtimePrice.showtime_id)
        ).scalars().all()  # fmt: skip
    assert sorted(classic) == [18000, 22000, 23000, 26000]


def test_one_show_scheduled_without_prices_takes_the_template(world: World, boss) -> None:
    movie, screen = ids(world)
    pricing.set_price_template(boss, screen, TEMPLATE, engine=world.engine)
    show = scheduling.schedule_showtime(boss, movie, screen, at(SATURDAY, 21), {},
                                        engine=world.engine)  # fmt: skip
    with read_session(world.engine) as session:
        prices = dict(
            session.execute(
                select(ShowtimePrice.category, ShowtimePrice.price_paise).where(
                    ShowtimePrice.showtime_id == show
                )
            ).all()
        )
    assert prices == {"Classic": 26000, "Prime": 32000}


def test_staff_replace_a_template_audited_and_a_bad_one_changes_nothing(world, boss) -> None:
    _, screen = ids(world)
    pricing.set_price_template(boss, screen, TEMPLATE, engine=world.engine)
    with pytest.raises(ManagementError, match="Line 2"):
        pricing.set_price_template(
            boss, screen, "every 10:00 Classic 1\nevery x", engine=world.engine
        )
    kept = rules_from_text(pricing.price_template(boss, screen, engine=world.engine))
    assert set(kept) == set(rules_from_text(TEMPLATE))  # the bad text replaced nothing
    assert pricing.set_price_template(boss, screen, "", engine=world.engine) == 0
    assert pricing.price_template(boss, screen, engine=world.engine) == ""
    with read_session(world.engine) as session:
        actions = session.execute(
            select(AuditLog.action).where(AuditLog.action == "price_template_set")
        ).all()
    assert len(actions) == 2
    customer = Account(world.alice, "alice", "alice@example.com", "", "customer")
    with pytest.raises(AccessDenied):
        pricing.set_price_template(customer, screen, TEMPLATE, engine=world.engine)
    with pytest.raises(ManagementError, match="does not exist"):
        pricing.set_price_template(boss, 10**6, TEMPLATE, engine=world.engine)
