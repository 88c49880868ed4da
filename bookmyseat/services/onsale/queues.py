"""A customer and a showtime's on-sale line: whether the show has one, where the customer
stands and what the page says about it, whether they may hold seats, and the signed pass the
page polls with (so a poll costs one Redis script and no database read). The pass lasts a day
and is bound to the browser session it was issued to: the poll must carry that session's
cookie, so a poll address that leaks (a log, a shared link) tells nobody else the holder's
place and joins nobody to the line.

The line's settings are read from the database at most every `RULES_FRESH_SECONDS` per process:
staff opening or pausing a line reach every server within that time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bookmyseat.db import is_row_id, read_session
from bookmyseat.models import Cinema, SaleQueue, SaleQueueStatus, Screen, Showtime
from bookmyseat.services.catalog.local_time import local_text
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.onsale.line import (
    BURST_SECONDS,
    Place,
    Rules,
    line_for,
    minutes_to_wait,
)
from bookmyseat.settings import Settings, get_settings

log = logging.getLogger("bookmyseat.onsale")
LINE_AWAY = "The line could not be read just now; this page asks again by itself."
RULES_FRESH_SECONDS = 2.0
RECHECK_SECONDS = 0.25  # a refused hold's re-read: at most four a second a show and process
MOST_RULES_REMEMBERED = 1000  # any id may be asked about: past this, stale ones are dropped
_rules: dict[int, tuple[float, Rules | None]] = {}
_rules_lock = threading.Lock()


def read_rules(
    showtime_id: int, *, engine: Engine | None = None, settings: Settings | None = None
) -> Rules | None:
    """The showtime's line as the database has it; None when it has none (or it ended). Its
    limits on what one account buys while it runs are the site's settings."""
    if not is_row_id(showtime_id):
        return None
    settings = settings or get_settings()
    with read_session(engine) as session:
        found = session.execute(
            select(SaleQueue, Cinema.timezone)
            .join(Showtime, Showtime.id == SaleQueue.showtime_id)
            .join(Screen, Screen.id == Showtime.screen_id)
            .join(Cinema, Cinema.id == Screen.cinema_id)
            .where(SaleQueue.showtime_id == showtime_id)
        ).first()
    if found is None or found[0].status == SaleQueueStatus.ENDED:
        return None
    queue, zone = found
    return Rules(
        showtime_id=showtime_id,
        opens_at=queue.opens_at,
        per_minute=queue.per_minute,
        admission_seconds=queue.admission_minutes * 60,
        admitting=queue.status == SaleQueueStatus.OPEN,
        zone=zone,
        seats_per_account=settings.queue_seats_per_account or settings.max_seats_per_booking,
        one_purchase=settings.queue_one_purchase,
    )


def rules_of(
    showtime_id: int,
    *,
    engine: Engine | None = None,
    max_age: float | None = None,
    settings: Settings | None = None,
) -> Rules | None:
    """`read_rules`, remembered for a couple of seconds (every hold and page load asks), or
    for `max_age` seconds (a refusal checks that staff did not just end the line)."""
    known, rules = remembered_rules(showtime_id, max_age)
    if known:
        return rules
    now = time.monotonic()
    rules = read_rules(showtime_id, engine=engine, settings=settings)
    with _rules_lock:
        if len(_rules) >= MOST_RULES_REMEMBERED:
            for stale in [k for k, (at, _) in _rules.items() if now - at >= RULES_FRESH_SECONDS]:
                del _rules[stale]
        if len(_rules) < MOST_RULES_REMEMBERED:
            _rules[showtime_id] = (now, rules)
    return rules


def remembered_rules(showtime_id: int, max_age: float | None = None) -> tuple[bool, Rules | None]:
    """(True, the settings) when this process read them within `max_age` seconds (by default
    `RULES_FRESH_SECONDS`), else (False, None): a page load answers from memory on its own
    loop, with no thread to wait for while holds keep the pool busy, and moves only a database
    read off it."""
    max_age = RULES_FRESH_SECONDS if max_age is None else max_age
    with _rules_lock:
        found = _rules.get(showtime_id)
    if found is not None and time.monotonic() - found[0] < max_age:
        return True, found[1]
    return False, None


def forget_rules(showtime_id: int | None = None) -> None:
    """Read the settings afresh next time (after staff changed them here; in tests)."""
    with _rules_lock:
        if showtime_id is None:
            _rules.clear()
        else:
            _rules.pop(showtime_id, None)


POLL_FRONT_SECONDS = 4.0  # the front of the line asks this often
POLL_BACK_SECONDS = 30.0  # the back, with minutes to wait, this often


def poll_seconds(rules: Rules, place: Place, now: datetime) -> float:
    """How soon the waiting page asks again: often near the front, rarely far back (a third of
    the wait), so that a crowd of thousands costs the servers little while the number on each
    page stays fresh enough; before the opening, just after it, spread over the bucket's first
    seconds (the pages' own jitter spreads them more), not all at the opening's second."""
    if now < rules.opens_at:
        spread = secrets.SystemRandom().uniform(1, BURST_SECONDS)
        wait = (rules.opens_at - now).total_seconds() + spread
    else:
        wait = place.position / max(1, rules.per_minute) * 60 / 3
    return round(min(POLL_BACK_SECONDS, max(POLL_FRONT_SECONDS, wait)), 1)


@dataclass(frozen=True)
class Turn:
    """What the showtime page shows a customer of a show with a line."""

    admitted: bool
    waiting_text: str  # "You are number 143, about 2 minutes." (or why there is no number)
    position: int = 0
    minutes: int = 0
    admitted_until: float = 0.0  # epoch seconds
    poll_seconds: float = POLL_FRONT_SECONDS  # when the page should ask again


def turn_text(rules: Rules, place: Place, now: datetime) -> str:
    """One place for the words a waiting customer reads (the page and its poll)."""
    if place.admitted:
        until = datetime.fromtimestamp(place.admitted_until, now.tzinfo)
        return f"It is your turn: choose your seats by {local_text(until, rules.zone, '%H:%M')}."
    if place.status not in ("waiting", "admitted"):  # signed out: no place yet
        if now < rules.opens_at:
            opens = local_text(rules.opens_at, rules.zone, "%a %d %b, %H:%M")
            return (
                f"Tickets go on sale at {opens}. Sign in before then to be given a place in "
                "line at random with everyone else who is here."
            )
        return "Sign in to take your place in line."
    if now < rules.opens_at:
        opens = local_text(rules.opens_at, rules.zone, "%a %d %b, %H:%M")
        return (
            f"Tickets go on sale at {opens}. Everyone here by then is given a place in line at "
            "random, so there is no need to hurry or to open more tabs."
        )
    minutes = minutes_to_wait(place.position, rules.per_minute)
    about = f"about {minutes} minute{'s' if minutes != 1 else ''}"
    if not rules.admitting:
        return (
            f"You are number {place.position}. The cinema has paused the line for a moment; "
            "your place is kept."
        )
    return f"You are number {place.position}, {about}."


def take_turn(
    rules: Rules,
    user_id: int | None,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> Turn:
    """Join the line (once) and say where the customer stands; `user_id` None only reads."""
    settings = settings or get_settings()
    now = resolve_now(now)
    try:
        place = line_for(settings.redis_url).visit(rules, user_id, now.timestamp())
    except redis.RedisError:
        log.exception("Reading the on-sale line of showtime %s failed", rules.showtime_id)
        return Turn(admitted=False, waiting_text=LINE_AWAY)
    shown = place.position if now >= rules.opens_at else 0  # drawn at the opening
    return Turn(
        admitted=place.admitted,
        waiting_text=turn_text(rules, place, now),
        position=shown,
        minutes=minutes_to_wait(shown, rules.per_minute) if shown else 0,
        admitted_until=place.admitted_until,
        poll_seconds=poll_seconds(rules, place, now),
    )


def may_hold(
    rules: Rules | None,
    user_id: int,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> bool:
    """Whether the customer may hold seats of a show: always without a line; with one, only
    once it has opened and let them in (reads only: a refused hold extends nothing)."""
    if rules is None:
        return True
    now = resolve_now(now)
    if now < rules.opens_at:
        return False
    redis_url = (settings or get_settings()).redis_url
    return line_for(redis_url).admitted(rules.showtime_id, user_id, now.timestamp())


def keep_turn_for_hold(
    rules: Rules | None,
    user_id: int,
    hold_ends: datetime,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> None:
    """A hold made with an admission: the admission lasts as long as the hold, so the customer
    may change seats on the map until it ends, but never past the admission's first end plus
    one hold's time: however often a customer holds and lets go, the turn ends, and the next
    in line get theirs (a bound rather than "once": a customer who releases to choose other
    seats keeps the same deadline). A failure costs nothing but the longer turn."""
    if rules is None:
        return
    settings = settings or get_settings()
    at = resolve_now(now).timestamp()
    extra = settings.hold_minutes * 60
    try:
        line_for(settings.redis_url).use(
            rules.showtime_id, user_id, at, hold_ends.timestamp(), extra
        )
    except redis.RedisError:
        log.warning("Could not extend the turn of customer %s in line %s", user_id,
                    rules.showtime_id)  # fmt: skip


PASS_SECONDS = 24 * 3600  # a waiting page open longer reloads to get a new pass


def _signature(
    showtime_id: int, user_id: int, expires: int, session_token: str, settings: Settings
) -> str:
    key = hashlib.sha256(b"bookmyseat-queue-pass:" + settings.secret_key.encode()).digest()
    session = hashlib.sha256(session_token.encode()).hexdigest()
    message = f"{showtime_id}:{user_id}:{expires}:{session}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def issue_pass(
    showtime_id: int,
    user_id: int,
    session_token: str,
    settings: Settings | None = None,
    *,
    now: datetime | None = None,
) -> str:
    """What the waiting page polls with: the customer's place, unforgeable without the key,
    for a day, and only together with the cookie of the session it was issued to."""
    settings = settings or get_settings()
    expires = int(resolve_now(now).timestamp()) + PASS_SECONDS
    signature = _signature(showtime_id, user_id, expires, session_token, settings)
    return f"{user_id}.{expires}.{signature}"


def read_pass(
    showtime_id: int,
    token: object,
    session_token: object,
    settings: Settings | None = None,
    *,
    now: datetime | None = None,
) -> int | None:
    """The customer a pass was issued to, if it has not expired and `session_token` (the
    poll's session cookie) is the session it was issued to; None for anything else."""
    settings = settings or get_settings()
    if not isinstance(token, str) or len(token) > 80 or token.count(".") != 2:
        return None
    if not isinstance(session_token, str) or not session_token:
        return None
    raw_user, raw_expires, signature = token.split(".")
    if not all(p.isascii() and p.isdigit() and len(p) < 12 for p in (raw_user, raw_expires)):
        return None
    user_id, expires = int(raw_user), int(raw_expires)
    if not is_row_id(user_id) or expires <= resolve_now(now).timestamp():
        return None
    expected = _signature(showtime_id, user_id, expires, session_token, settings)
    return user_id if hmac.compare_digest(signature, expected) else None
