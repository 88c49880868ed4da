"""Demo history: 60 days of past sales, so that a fresh `make run` shows a dashboard with
something on it (issue 15). Made through the real services (hold, pay, cancel, scan at the
door), so the roll-ups, payments, refunds and audit entries are the ones real sales leave.

Evenings and weekends sell more, some films more than others; about one booking in twelve is
cancelled (and refunded), and most tickets of a past show were scanned at the door. The e-mails
those sales queued are marked sent when they were queued: nobody is mailed for the past.
Loading twice adds nothing: the history is made once, when no past showtime exists yet.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from bookmyseat.db import write_session
from bookmyseat.models import (
    Booking,
    EmailOutbox,
    Movie,
    OutboxStatus,
    Role,
    Screen,
    Showtime,
    User,
    utcnow,
)
from bookmyseat.services.accounts.users import hash_password
from bookmyseat.services.booking.availability import seat_map
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.errors import BookingError
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.booking.seat_gaps import Place
from bookmyseat.services.catalog.venues import get_or_create_showtime
from bookmyseat.services.staff import audit, door
from bookmyseat.services.tickets.codes import ticket_code
from bookmyseat.settings import Settings, get_settings

CUSTOMERS = 40
CUSTOMER_PASSWORD = "popcorn&chai7"  # printed in the README: never a real account's
SLOTS = [time(10, 0), time(13, 30), time(17, 0), time(21, 0)]
DOOR = audit.Actor(None, "door-demo")


@dataclass(frozen=True)
class _Show:
    id: int
    starts_at: datetime
    demand: float  # expected bookings
    door: door.Door  # where its tickets were scanned


def load_demo_history(
    prices: dict[str, int],
    *,
    days: int = 60,
    today: date | None = None,
    seed: int = 15,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> int:
    """Make `days` of past sales once; returns the number of bookings made (0 when the history
    exists already)."""
    settings = settings or get_settings()
    tz = ZoneInfo(settings.default_timezone)
    today = today or datetime.now(tz).date()
    earliest = datetime.combine(today - timedelta(days=days), time(0), tz).astimezone(UTC)
    rng = random.Random(seed)
    with write_session(engine) as session:
        if session.execute(
            select(func.count(Showtime.id)).where(
                Showtime.starts_at < datetime.combine(today, time(0), tz).astimezone(UTC),
                Showtime.starts_at >= earliest,
            )
        ).scalar_one():
            return 0
        customers = _customers(session)
        movies = list(session.execute(select(Movie).order_by(Movie.id)).scalars())
        screens = list(session.execute(select(Screen).order_by(Screen.id)).scalars())
        popularity = {m.id: 0.5 + rng.random() for m in movies}
        shows: list[_Show] = []
        for day in range(days, 0, -1):
            local_day = today - timedelta(days=day)
            weekend = local_day.weekday() >= 5
            for index, screen in enumerate(screens):
                for slot in SLOTS if weekend else SLOTS[(day + index) % 2 :: 2]:
                    movie = movies[(index * 3 + day + slot.hour) % len(movies)]
                    starts = datetime.combine(local_day, slot, tz).astimezone(UTC)
                    show = get_or_create_showtime(session, movie, screen, starts, prices)
                    evening = 1.6 if slot.hour >= 17 else 0.7
                    demand = 2.2 * evening * (1.5 if weekend else 1) * popularity[movie.id]
                    at = door.Door(screen.cinema_id, screen.id)
                    shows.append(_Show(show.id, starts, demand, at))
    made = sum(_sell(show, customers, rng, settings, engine) for show in shows)
    with write_session(engine) as session:  # the past's e-mails went out at the time
        past = (
            select(Booking.id)
            .join(Showtime, Showtime.id == Booking.showtime_id)
            .where(Showtime.starts_at < datetime.combine(today, time(0), tz).astimezone(UTC))
        )
        session.execute(
            update(EmailOutbox)
            .where(EmailOutbox.status == OutboxStatus.PENDING, EmailOutbox.booking_id.in_(past))
            .values(status=OutboxStatus.SENT, sent_at=EmailOutbox.created_at)
        )
    return made


def customer_usernames() -> list[str]:
    """The history's customers, `demo_fan_01` and on, whose password is published."""
    return [f"demo_fan_{n:02d}" for n in range(1, CUSTOMERS + 1)]


def _customers(session) -> list[int]:
    """Demo customers of the history (one password hash for all: hashing is slow on purpose)."""
    names = customer_usernames()
    found = list(session.execute(select(User.id).where(User.username.in_(names))).scalars())
    if found:
        return found
    password = hash_password(CUSTOMER_PASSWORD)
    started = utcnow()
    users = [
        User(
            username=username,
            email=f"{username}@example.com",
            full_name=f"Demo Fan {n}",
            role=Role.CUSTOMER,
            password_hash=password,
            email_verified_at=started,  # the loader's own: nothing to confirm
        )
        for n, username in enumerate(names, start=1)
    ]
    session.add_all(users)
    session.flush()
    return [u.id for u in users]


def _sell(show: _Show, customers: list[int], rng: random.Random, settings, engine) -> int:
    """The show's bookings, each held days or hours before it, paid at once, some cancelled,
    the rest mostly scanned at the door."""
    seats = seat_map(show.id, now=show.starts_at - timedelta(days=3), engine=engine)
    rows: dict[int, list[Place]] = {}
    for s in seats:
        if s.status == "available" and s.price_paise and not s.is_wheelchair:
            rows.setdefault(s.grid_row, []).append(Place(s.id, s.label, s.grid_row, s.grid_col))
    made = 0
    for _ in range(max(0, round(rng.gauss(show.demand, show.demand / 3)))):
        block = _block(rows, rng.choice((1, 2, 2, 2, 3, 4)), rng)
        if not block:
            break
        user = rng.choice(customers)
        held_at = show.starts_at - timedelta(hours=rng.uniform(2, 96))
        try:
            view = hold_seats(user, show.id, block, now=held_at, settings=settings, engine=engine)
        except BookingError:
            continue  # a lone seat or a limit: this customer chose differently
        paid_at = held_at + timedelta(minutes=rng.uniform(1, 8))
        confirm_payment(view.reference, amount_paise=view.total_paise, currency=view.currency,
                        provider="demo", provider_ref=f"demo-history-{view.reference}",
                        now=paid_at, engine=engine)  # fmt: skip
        made += 1
        if rng.random() < 1 / 12 and paid_at < show.starts_at - timedelta(hours=3):
            cancel_booking(view.reference, user_id=user, settings=settings, engine=engine,
                           now=paid_at + timedelta(minutes=rng.uniform(10, 60)))  # fmt: skip
        elif rng.random() < 0.85:
            code = ticket_code(view.reference, settings.secret_key)
            door.scan(code, DOOR, show.door, settings=settings, engine=engine,
                      now=show.starts_at - timedelta(minutes=rng.uniform(2, 25)))  # fmt: skip
    return made


def _block(rows: dict[int, list[Place]], count: int, rng: random.Random) -> list[int]:
    """`count` free seats side by side from one end of a stretch (which never strands a seat),
    in a random row; removed from `rows`."""
    for grid_row in rng.sample(sorted(rows), len(rows)):
        row = rows[grid_row]
        for stretch in _stretches(row):
            if len(stretch) >= count:
                taken = stretch[:count] if rng.random() < 0.5 else stretch[-count:]
                rows[grid_row] = [p for p in row if p not in taken]
                return [p.id for p in taken]
    return []


def _stretches(row: list[Place]) -> Iterator[list[Place]]:
    """The row's free seats side by side, between aisles and taken seats."""
    current: list[Place] = []
    for place in sorted(row, key=lambda p: p.grid_col):
        if current and place.grid_col != current[-1].grid_col + 1:
            yield current
            current = []
        current.append(place)
    if current:
        yield current
