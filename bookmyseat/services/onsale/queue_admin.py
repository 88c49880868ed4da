"""On-sale lines in the admin area: staff set a showtime's line up (when its sale opens, how
many customers a minute are let in, how long an admission lasts unused), pause it, open it
again or end it, each change audited. Staff read with the auditor's role, change with the
admin's (services.staff.access)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bookmyseat.db import is_row_id, read_session, write_session
from bookmyseat.models import Cinema, Movie, SaleQueue, SaleQueueStatus, Screen, Showtime
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.catalog.local_time import NoSuchLocalTime, instant_of, local_text
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.onsale.line import line_for
from bookmyseat.services.onsale.queues import forget_rules
from bookmyseat.services.staff import audit
from bookmyseat.services.staff.access import actor_of, require_staff
from bookmyseat.settings import Settings, get_settings

SHOWS_OFFERED_DAYS = 60  # a line can be set up for the shows of the next two months
MOST_SHOWS_OFFERED = 300
MOST_LINES_LISTED = 100
PER_MINUTE_RANGE = (1, 100_000)
ADMISSION_MINUTES_RANGE = (1, 120)


class QueueRefused(CustomerError):
    code = "queue_refused"


@dataclass(frozen=True)
class ShowChoice:
    showtime_id: int
    label: str  # movie · cinema · screen · start


@dataclass(frozen=True)
class QueueRow:
    showtime_id: int
    show: str  # movie · cinema · screen · start
    opens: str  # on the cinema's clock
    per_minute: int
    admission_minutes: int
    status: str
    waiting: int
    inside: int  # let in, admission not lapsed


def _show_label(movie: str, cinema: str, screen: str, starts: datetime, zone: str) -> str:
    return f"{movie} · {cinema} · {screen} · {local_text(starts, zone, '%a %d %b %H:%M')}"


def _shows():
    return (
        select(Showtime.id, Movie.title, Cinema.name, Screen.name, Showtime.starts_at,
               Cinema.timezone)
        .join(Movie, Movie.id == Showtime.movie_id)
        .join(Screen, Screen.id == Showtime.screen_id)
        .join(Cinema, Cinema.id == Screen.cinema_id)
    )  # fmt: skip


def show_choices(
    account: Account | None, *, now: datetime | None = None, engine: Engine | None = None
) -> list[ShowChoice]:
    """The shows to come a line may be set up for, soonest first."""
    require_staff(account, "on-sale lines", engine=engine)
    now = resolve_now(now)
    with read_session(engine) as session:
        rows = session.execute(
            _shows()
            .where(
                Showtime.starts_at > now,
                Showtime.starts_at < now + timedelta(days=SHOWS_OFFERED_DAYS),
                ~Showtime.is_cancelled,
            )
            .order_by(Showtime.starts_at, Showtime.id)
            .limit(MOST_SHOWS_OFFERED)
        ).all()
    return [ShowChoice(r[0], _show_label(*r[1:])) for r in rows]


def lines_for_admin(
    account: Account | None,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> list[QueueRow]:
    """The lines of the shows to come (ended ones too), soonest show first, with how many wait."""
    require_staff(account, "on-sale lines", engine=engine)
    settings = settings or get_settings()
    now = resolve_now(now)
    with read_session(engine) as session:
        rows = session.execute(
            _shows()
            .add_columns(SaleQueue)
            .join(SaleQueue, SaleQueue.showtime_id == Showtime.id)
            .where(Showtime.starts_at > now)
            .order_by(Showtime.starts_at, Showtime.id)
            .limit(MOST_LINES_LISTED)
        ).all()
    figures = line_for(settings.redis_url).figures_of(
        [queue.showtime_id for *_, queue in rows], now.timestamp()
    )
    found = []
    for *show, queue in rows:
        waiting, inside = figures[queue.showtime_id]
        found.append(
            QueueRow(
                showtime_id=queue.showtime_id,
                show=_show_label(*show[1:]),
                opens=local_text(queue.opens_at, show[5], "%a %d %b %H:%M"),
                per_minute=queue.per_minute,
                admission_minutes=queue.admission_minutes,
                status=queue.status,
                waiting=waiting,
                inside=inside,
            )
        )
    return found


def _whole(raw: object, name: str, limits: tuple[int, int]) -> int:
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    low, high = limits
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise QueueRefused(f"{name} must be a whole number from {low} to {high}.")
    return int(text)


def _opening(raw: object, zone: str) -> datetime:
    """A datetime-local field ("2026-12-24T10:00") on the cinema's clock, as an instant."""
    try:
        local = datetime.fromisoformat(str(raw).strip()) if isinstance(raw, str) else None
    except ValueError:
        local = None
    if local is None or local.tzinfo is not None:
        raise QueueRefused("Give the on-sale time as a date and time, like 2026-12-24 10:00.")
    try:
        return instant_of(local, zone)
    except NoSuchLocalTime as exc:
        raise QueueRefused(str(exc)) from exc
    except OverflowError as exc:  # year 1 in a zone east of UTC
        raise QueueRefused("Give the on-sale time as a date and time to come.") from exc


def set_up_line(
    account: Account | None,
    form: dict,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> int:
    """Set up (or change) a show's line from the admin form (`showtime_id`, `opens_at`,
    `per_minute`, `admission_minutes`); it opens, audited. The showtime's id is returned."""
    admin = require_staff(account, "on-sale lines", write=True, engine=engine)
    now = resolve_now(now)
    raw_id = form.get("showtime_id") if isinstance(form, dict) else None
    digits = isinstance(raw_id, str) and raw_id.isascii() and raw_id.isdigit()
    showtime_id = int(raw_id) if digits else raw_id
    if not is_row_id(showtime_id):
        raise QueueRefused("Choose a show.")
    per_minute = _whole(form.get("per_minute"), "Customers a minute", PER_MINUTE_RANGE)
    minutes = _whole(form.get("admission_minutes"), "Minutes to choose", ADMISSION_MINUTES_RANGE)
    with write_session(engine) as session:
        show = session.execute(
            select(Showtime, Cinema.timezone)
            .join(Screen, Screen.id == Showtime.screen_id)
            .join(Cinema, Cinema.id == Screen.cinema_id)
            .where(Showtime.id == showtime_id, ~Showtime.is_cancelled)
            .with_for_update(of=Showtime)
        ).first()
        if show is None or show[0].starts_at <= now:
            raise QueueRefused("That show is not one to come.")
        opens_at = _opening(form.get("opens_at"), show[1])
        if opens_at >= show[0].starts_at:
            raise QueueRefused("The sale must open before the show starts.")
        queue = session.get(SaleQueue, showtime_id)
        before = None if queue is None else _figures(queue)
        fresh_line = queue is None or queue.opens_at != opens_at
        if queue is None:
            queue = SaleQueue(showtime_id=showtime_id, opens_at=opens_at, per_minute=per_minute,
                              admission_minutes=minutes)  # fmt: skip
            session.add(queue)
        queue.opens_at, queue.per_minute, queue.admission_minutes = opens_at, per_minute, minutes
        queue.status, queue.updated_at = SaleQueueStatus.OPEN, now
        audit.add_entry(
            session, actor_of(admin), "sale_queue_set", entity="showtime",
            entity_id=showtime_id, before=before, after=_figures(queue), now=now,
        )  # fmt: skip
    if fresh_line:  # nobody keeps a place or a turn from another opening
        line_for(get_settings().redis_url).forget(showtime_id)
    forget_rules(showtime_id)
    return showtime_id


def _figures(queue: SaleQueue) -> dict:
    return {
        "status": queue.status,
        "opens_at": queue.opens_at.isoformat(),
        "per_minute": queue.per_minute,
        "admission_minutes": queue.admission_minutes,
    }


def change_status(
    account: Account | None,
    showtime_id: object,
    status: object,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> bool:
    """Open, pause or end a show's line, audited; False when it already was so. Ending it
    lets everyone in: the line is forgotten."""
    admin = require_staff(account, "on-sale lines", write=True, engine=engine)
    known = isinstance(status, str) and status in {s.value for s in SaleQueueStatus}
    if not known or not is_row_id(showtime_id):
        raise QueueRefused("There is no such line to change.")
    now = resolve_now(now)
    with write_session(engine) as session:
        queue = session.get(SaleQueue, showtime_id, with_for_update=True)
        if queue is None:
            raise QueueRefused("There is no such line to change.")
        if queue.status == status:
            return False
        before = _figures(queue)
        queue.status, queue.updated_at = str(status), now
        audit.add_entry(
            session, actor_of(admin), "sale_queue_" + str(status), entity="showtime",
            entity_id=showtime_id, before=before, after=_figures(queue), now=now,
        )  # fmt: skip
    # Ended, or opened again after it ended: nobody keeps a place (a worker that had not yet
    # heard of the end may have put some back meanwhile).
    if SaleQueueStatus.ENDED in (status, before["status"]):
        line_for((settings or get_settings()).redis_url).forget(int(showtime_id))
    forget_rules(int(showtime_id))
    return True
