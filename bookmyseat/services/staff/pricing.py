"""Prices of showtimes already scheduled: staff change them for future shows, one or many at
once, by seat category. A booking keeps what it was priced at: every held or sold seat carries
its own price (booking_seat.price_paise, copied at hold time), so a change reaches only seats
held after it. Each show's change is audited with its prices before and after.

Each screen also has a price template (services.catalog.price_templates) that prices new shows
where staff scheduling them leave a category blank; staff read and replace it here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session, write_session
from bookmyseat.models import (
    Cinema,
    Movie,
    Screen,
    ScreenPriceRule,
    Showtime,
    ShowtimePrice,
    utcnow,
)
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking import seat_plan
from bookmyseat.services.catalog.local_time import local_text
from bookmyseat.services.catalog.price_templates import (
    TemplateError,
    rules_from_text,
    rules_to_text,
    screen_rules,
)
from bookmyseat.services.money import format_money
from bookmyseat.services.staff import audit
from bookmyseat.services.staff.access import actor_of, require_staff
from bookmyseat.services.staff.catalog_management import ManagementError

UPCOMING_DAYS = 14
MOST_AT_ONCE = 200


@dataclass(frozen=True)
class PricedShow:
    id: int
    movie: str
    place: str  # cinema · screen
    starts: str  # on the cinema's clock
    prices: str  # "Classic ₹180 · Prime ₹250"


def upcoming_prices(
    account: Account | None,
    *,
    days: int = UPCOMING_DAYS,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> list[PricedShow]:
    """The shows of the next `days`, soonest first, with their prices."""
    require_staff(account, "prices", engine=engine)
    now = now or utcnow()
    with read_session(engine) as session:
        shows = session.execute(
            select(Showtime.id, Showtime.starts_at, Movie.title, Screen.name, Cinema.name,
                   Cinema.timezone)
            .join(Movie, Movie.id == Showtime.movie_id)
            .join(Screen, Screen.id == Showtime.screen_id)
            .join(Cinema, Cinema.id == Screen.cinema_id)
            .where(Showtime.starts_at > now, Showtime.starts_at < now + timedelta(days=days),
                   ~Showtime.is_cancelled)
            .order_by(Showtime.starts_at, Cinema.name, Screen.name)
        ).all()  # fmt: skip
        prices: dict[int, dict[str, int]] = {}
        for showtime_id, category, paise in session.execute(
            select(ShowtimePrice.showtime_id, ShowtimePrice.category, ShowtimePrice.price_paise)
            .where(ShowtimePrice.showtime_id.in_([s.id for s in shows]))
            .order_by(ShowtimePrice.price_paise)
        ):
            prices.setdefault(showtime_id, {})[category] = paise
    return [
        PricedShow(
            id=s.id,
            movie=s.title,
            place=f"{s[4]} · {s[3]}",
            starts=local_text(s.starts_at, s.timezone, "%a %d %b %H:%M"),
            prices=" · ".join(f"{c} {format_money(p)}" for c, p in prices.get(s.id, {}).items()),
        )
        for s in shows
    ]


def change_prices(
    account: Account | None,
    showtime_ids: list[int],
    prices: dict[str, int],
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> int:
    """Set these categories' prices on these future shows, all or none; the number changed.
    A category a show's screen does not have is left out for that show."""
    admin = require_staff(account, "prices", write=True, engine=engine)
    now = now or utcnow()
    wanted = sorted(set(showtime_ids))
    if not wanted:
        raise ManagementError("Choose the shows whose prices change.")
    if len(wanted) > MOST_AT_ONCE:
        raise ManagementError(f"Change at most {MOST_AT_ONCE} shows at a time.")
    if not prices or any(p <= 0 for p in prices.values()):
        raise ManagementError("Give at least one new price, in whole rupees above zero.")
    with write_session(engine) as session:
        shows = {
            s.id: s
            for s in session.execute(
                select(Showtime).where(Showtime.id.in_(wanted)).with_for_update()
            ).scalars()
        }
        if len(shows) != len(wanted):
            raise ManagementError("Some of those shows do not exist; reload the page.")
        gone = [s for s in shows.values() if s.starts_at <= now or s.is_cancelled]
        if gone:
            raise ManagementError(
                f"{len(gone)} of the chosen shows have started or are cancelled; their prices "
                "stay as they were. Nothing was changed."
            )
        rows = session.execute(
            select(ShowtimePrice).where(ShowtimePrice.showtime_id.in_(wanted))
        ).scalars()
        by_show: dict[int, list[ShowtimePrice]] = {}
        for row in rows:
            by_show.setdefault(row.showtime_id, []).append(row)
        changed = 0
        for showtime_id in wanted:
            own = [row for row in by_show.get(showtime_id, []) if row.category in prices]
            if not own:
                continue
            before = {row.category: row.price_paise for row in own}
            for row in own:
                row.price_paise = prices[row.category]
            audit.add_entry(
                session,
                actor_of(admin),
                "prices_changed",
                entity="showtime",
                entity_id=showtime_id,
                before=before,
                after={row.category: row.price_paise for row in own},
                now=now,
            )
            changed += 1
        if not changed:
            raise ManagementError("None of the chosen shows has seats of those categories.")
    seat_plan.forget(wanted)
    return changed


def screen_names(account: Account | None, *, engine: Engine | None = None) -> dict[str, int]:
    """Every screen as "Cinema · Screen", for the template editor's list."""
    require_staff(account, "prices", engine=engine)
    with read_session(engine) as session:
        rows = session.execute(
            select(Cinema.name, Screen.name, Screen.id)
            .join(Cinema, Cinema.id == Screen.cinema_id)
            .order_by(Cinema.name, Screen.name)
        ).all()
    return {f"{cinema} · {screen}": screen_id for cinema, screen, screen_id in rows}


def price_template(account: Account | None, screen_id: int, *, engine: Engine | None = None) -> str:
    """The screen's template as the editor shows it ("" for none)."""
    require_staff(account, "prices", engine=engine)
    with read_session(engine) as session:
        return rules_to_text(screen_rules(session, screen_id))


def set_price_template(
    account: Account | None,
    screen_id: int,
    text: str,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> int:
    """Replace the screen's template with the typed one (blank clears it), audited; how many
    rules it has. Shows already scheduled keep their prices: a template prices new shows."""
    admin = require_staff(account, "prices", write=True, engine=engine)
    now = now or utcnow()
    try:
        rules = rules_from_text(text)
    except TemplateError as exc:
        raise ManagementError(str(exc)) from None
    with write_session(engine) as session:
        screen = session.get(Screen, screen_id, with_for_update=True)
        if screen is None:
            raise ManagementError("That screen does not exist; reload the page.")
        before = rules_to_text(screen_rules(session, screen_id))
        session.execute(delete(ScreenPriceRule).where(ScreenPriceRule.screen_id == screen_id))
        session.add_all(
            ScreenPriceRule(screen_id=screen_id, days=r.days, from_time=f"{r.from_time:%H:%M}",
                            category=r.category, price_paise=r.price_paise)
            for r in rules
        )  # fmt: skip
        audit.add_entry(session, actor_of(admin), "price_template_set", entity="screen",
                        entity_id=screen_id, before={"template": before},
                        after={"template": rules_to_text(rules)}, now=now)  # fmt: skip
    return len(rules)
