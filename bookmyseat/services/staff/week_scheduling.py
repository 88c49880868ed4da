"""Scheduling a week at once: a movie on some screens, on some days, at some start times (on
each cinema's clock), previewed with every clash before anything is made; then created in one
transaction, all or none. "Copy last week to next week" proposes the same shows seven days on,
with the same checks.

A show clashes when it overlaps another on its screen (existing or in the same plan) with the
cleaning buffer between them, starts in the past, falls outside the opening hours, or starts at
a time the clocks skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Cinema, Movie, Screen, Showtime, ShowtimePrice, utcnow
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.catalog.layouts import layout_categories
from bookmyseat.services.catalog.local_time import NoSuchLocalTime, instant_of, local_text
from bookmyseat.services.catalog.price_templates import Rule, price_text, priced, screen_rules
from bookmyseat.services.catalog.venues import CLEANING_BUFFER_MINUTES, get_or_create_showtime
from bookmyseat.services.staff import audit
from bookmyseat.services.staff.access import actor_of, require_staff
from bookmyseat.services.staff.catalog_management import ManagementError, existing_row

OPENS = time(9, 0)  # the first show starts at 09:00 or later, on the cinema's clock
CLOSES = time(1, 0)  # and the last ends by 01:00 the next night
MOST_SHOWS = 200


@dataclass(frozen=True)
class Proposal:
    movie_id: int
    screen_id: int
    local_start: datetime  # naive, the cinema's wall clock
    prices: dict[str, int]


@dataclass(frozen=True)
class PlannedShow:
    movie: str
    screen: str
    starts: str  # on the cinema's clock
    problem: str  # "" when it can be made
    prices: str = ""  # "Classic ₹220 · Prime ₹300": typed, else the screen's template


@dataclass(frozen=True)
class WeekPlan:
    shows: list[PlannedShow]

    @property
    def clashes(self) -> int:
        return sum(1 for s in self.shows if s.problem)


def grid(movie_id: int, screen_ids: list[int], days: list[date], starts: list[time],
         prices: dict[str, int]) -> list[Proposal]:  # fmt: skip
    """The week grid's shows: every screen × day × start time."""
    return [
        Proposal(movie_id, screen_id, datetime.combine(day, start), prices)
        for screen_id in screen_ids
        for day in sorted(set(days))
        for start in sorted(set(starts))
    ]


def plan(
    account: Account | None,
    proposals: list[Proposal],
    *,
    create: bool = False,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> WeekPlan:
    """Every proposed show with its clash, if any; with `create`, the shows made (all in one
    transaction) when none clashes, else a refusal naming how many do."""
    admin = require_staff(account, "showtimes", write=create, engine=engine)
    now = now or utcnow()
    if not proposals:
        raise ManagementError("Choose at least one screen, one day and one start time.")
    if len(proposals) > MOST_SHOWS:
        raise ManagementError(f"Schedule at most {MOST_SHOWS} shows at a time.")
    with write_session(engine) as session:
        checked = _check(session, proposals, now, lock=create)
        week = WeekPlan([shown for shown, _, _ in checked])
        if not create:
            session.rollback()
            return week
        if week.clashes:
            raise ManagementError(
                f"{week.clashes} of the {len(proposals)} shows clash; nothing was scheduled. "
                "Preview them to see which."
            )
        for _, _, (movie, screen, starts_at, prices) in checked:
            show = get_or_create_showtime(session, movie, screen, starts_at, prices)
            after = {"movie": movie.title, "screen": screen.name, "starts_at": starts_at,
                     "prices": prices}  # fmt: skip
            audit.add_entry(session, actor_of(admin), "showtime_created", entity="showtime",
                            entity_id=show.id, after=after, now=now)  # fmt: skip
        return week


def next_week_of(
    account: Account | None,
    screen_ids: list[int],
    first_day: date,
    *,
    engine: Engine | None = None,
) -> list[Proposal]:
    """The shows of these screens in the 7 days from `first_day` (cinema's clock), proposed
    again 7 days later with their prices."""
    require_staff(account, "showtimes", engine=engine)
    proposals = []
    with read_session(engine) as session:
        for screen_id in screen_ids:
            screen = existing_row(session, Screen, screen_id, "That screen does not exist.")
            zone = session.get(Cinema, screen.cinema_id).timezone
            start = instant_of(datetime.combine(first_day, time(0)), zone)
            shows = session.execute(
                select(Showtime).where(
                    Showtime.screen_id == screen_id,
                    Showtime.starts_at >= start,
                    Showtime.starts_at < start + timedelta(days=7),
                    ~Showtime.is_cancelled,
                ).order_by(Showtime.starts_at)
            ).scalars().all()  # fmt: skip
            prices: dict[int, dict[str, int]] = {}
            for showtime_id, category, paise in session.execute(  # one query for the week
                select(ShowtimePrice.showtime_id, ShowtimePrice.category,
                       ShowtimePrice.price_paise)
                .where(ShowtimePrice.showtime_id.in_([show.id for show in shows]))
            ):  # fmt: skip
                prices.setdefault(showtime_id, {})[category] = paise
            for show in shows:
                local = show.starts_at.astimezone(ZoneInfo(zone))
                proposals.append(Proposal(show.movie_id, screen_id,
                                          local.replace(tzinfo=None) + timedelta(days=7),
                                          prices.get(show.id, {})))  # fmt: skip
    return proposals


def _check(session: Session, proposals: list[Proposal], now: datetime, *, lock: bool):
    """(what the preview shows, the proposal, (movie, screen, start in UTC, prices)) for each.
    A price left blank is the screen's template's for that day and time."""
    buffer = timedelta(minutes=CLEANING_BUFFER_MINUTES)
    unknown = "Choose a movie and screens that exist."
    planned: dict[int, list[tuple[datetime, datetime, str]]] = {}
    found = []
    screens: dict[int, Screen] = {}  # each screen read (and locked) once, not once a show
    movies: dict[int, Movie] = {}
    templates: dict[int, list[Rule]] = {}
    for proposal in sorted(proposals, key=lambda p: (p.screen_id, p.local_start)):
        if proposal.screen_id not in screens:
            screens[proposal.screen_id] = existing_row(
                session, Screen, proposal.screen_id, unknown, lock=lock
            )
        if proposal.movie_id not in movies:
            movies[proposal.movie_id] = existing_row(session, Movie, proposal.movie_id, unknown)
        screen, movie = screens[proposal.screen_id], movies[proposal.movie_id]
        if screen.id not in templates:
            templates[screen.id] = screen_rules(session, screen.id)
        categories = layout_categories(screen.layout)
        prices = priced(templates[screen.id], proposal.local_start, proposal.prices, categories)
        missing = [c for c in categories if c not in prices]
        if missing:
            raise ManagementError(
                f"Give a price for {', '.join(missing)} seats ({screen.name}), or set them in "
                "the screen's price template."
            )
        zone = session.get(Cinema, screen.cinema_id).timezone
        problem, starts_at = "", None
        try:
            starts_at = instant_of(proposal.local_start, zone)
        except NoSuchLocalTime as exc:
            problem = str(exc)
        if starts_at is not None:
            ends_at = starts_at + timedelta(minutes=movie.runtime_minutes)
            problem = _problem(session, screen, zone, starts_at, ends_at, now, buffer,
                               planned.get(screen.id, []))  # fmt: skip
            planned.setdefault(screen.id, []).append((starts_at, ends_at, movie.title))
        shown = PlannedShow(movie.title, screen.name, f"{proposal.local_start:%a %d %b %H:%M}",
                            problem, price_text(prices))  # fmt: skip
        found.append((shown, proposal, (movie, screen, starts_at, prices)))
    return found


def _problem(session, screen, zone, starts_at, ends_at, now, buffer, planned) -> str:
    local_start = local_text(starts_at, zone, "%H:%M")
    if starts_at <= now:
        return "starts in the past"
    opens = instant_of(datetime.combine(_cinema_day(starts_at, zone), OPENS), zone)
    closes = instant_of(datetime.combine(_cinema_day(starts_at, zone) + timedelta(days=1),
                                         CLOSES), zone)  # fmt: skip
    if starts_at < opens or ends_at > closes:
        return (f"outside opening hours ({OPENS:%H:%M}–{CLOSES:%H:%M}): starts {local_start}, "
                f"ends {local_text(ends_at, zone, '%H:%M')}")  # fmt: skip
    for other_start, other_end, title in planned:
        if other_start < ends_at + buffer and other_end > starts_at - buffer:
            return f"clashes with {title} at {local_text(other_start, zone, '%H:%M')} (this plan)"
    clash = session.execute(
        select(Showtime.starts_at, Movie.title)
        .join(Movie, Movie.id == Showtime.movie_id)
        .where(
            Showtime.screen_id == screen.id,
            ~Showtime.is_cancelled,
            Showtime.starts_at < ends_at + buffer,
            Showtime.ends_at > starts_at - buffer,
        )
        .limit(1)
    ).first()
    if clash is not None:
        return f"clashes with {clash.title} at {local_text(clash.starts_at, zone, '%H:%M')}"
    return ""


def _cinema_day(moment: datetime, zone: str) -> date:
    """The cinema's business day of a start: a show starting after midnight but before the
    opening belongs to the night before."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.date() - timedelta(days=1) if local.time() < OPENS else local.date()


def days_between(first: str, last: str) -> list[date]:
    """The days from `first` to `last` (ISO dates, as a date field sends them), two weeks at
    most."""
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last or first)
    except ValueError:
        raise ManagementError("Give the first and last day as dates.") from None
    if end < start or (end - start).days > 13:
        raise ManagementError("The last day must be on or after the first, two weeks at most.")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def start_times(text: str) -> list[time]:
    """ "10:00 13:30, 21:00": the start times typed, each HH:MM."""
    found = []
    for part in text.replace(",", " ").split():
        try:
            found.append(time.fromisoformat(part if len(part) > 2 else f"{part}:00"))
        except ValueError:
            raise ManagementError(
                f"{part!r} is not a time: write start times as 10:00 13:30."
            ) from None
    if not found:
        raise ManagementError("Give at least one start time, e.g. 10:00 13:30 21:00.")
    return found
