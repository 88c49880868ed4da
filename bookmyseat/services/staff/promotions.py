"""Promo codes as staff manage them: create one (its terms checked here, once), pause or resume
it, set its per-customer limits (once per customer, first booking only), and see how each is
used. Dates are whole days on the site's clock: a code valid until 31 Dec works until that day
ends there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bookmyseat.db import is_row_id, read_session, write_session
from bookmyseat.models import Booking, BookingStatus, Cinema, Movie, PromoCode, SeatCategory
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking.rules import claim_is_live_sql
from bookmyseat.services.catalog.local_time import instant_of, local_text
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.ids import parse_row_id
from bookmyseat.services.money import format_money, format_number
from bookmyseat.services.offers.promo_codes import describe, normalised
from bookmyseat.services.staff import audit
from bookmyseat.services.staff.access import actor_of, require_staff
from bookmyseat.services.staff.catalog_management import ManagementError
from bookmyseat.settings import get_settings

CODE_SHAPE = re.compile(r"[A-Z0-9][A-Z0-9-]{2,31}")
MOST_OFF_PAISE = 100_000_00  # ₹1,00,000: a typo guard, far above any booking
MOST_USES = 1_000_000


@dataclass(frozen=True)
class PromoForm:
    """The form as typed: every field text, checked by `terms_of`."""

    code: str
    description: str = ""
    kind: str = "percent"  # percent | amount
    value: str = ""
    valid_from: str = ""  # YYYY-MM-DD, or empty for "from now"
    valid_until: str = ""  # YYYY-MM-DD (the last day), or empty for "no end"
    max_uses: str = ""  # empty for "no limit"
    movie_id: str = ""  # empty for every movie
    cinema_id: str = ""
    category: str = ""
    once_per_customer: bool = False
    first_booking_only: bool = False


CUSTOMER_LIMITS = ("once_per_customer", "first_booking_only")


@dataclass(frozen=True)
class PromoRow:
    id: int
    code: str
    terms: str  # "20% off Recliner seats · Test Movie · all cinemas"
    valid: str
    uses: str  # "3 of 5" (bookings holding seats now)
    paid: int  # paid bookings with it
    discount_given: str  # on those paid bookings
    is_active: bool
    once_per_customer: bool = False
    first_booking_only: bool = False


def _day(text: str, label: str) -> date | None:
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ManagementError(f"{label}: give a date as YYYY-MM-DD.") from None
    if not 2000 <= day.year <= 2100:
        raise ManagementError(f"{label}: give a date between 2000 and 2100.")
    return day


def _whole_number(text: str, label: str) -> int:
    try:
        value = int(text.strip().replace(",", "")[:12])
    except ValueError:
        raise ManagementError(f"{label}: give a whole number.") from None
    if value <= 0:
        raise ManagementError(f"{label}: give a number above zero.")
    if value > MOST_USES:
        raise ManagementError(f"{label}: at most {format_number(MOST_USES)}.")
    return value


def _optional_id(text: str) -> int | None:
    return parse_row_id(text.strip())


def terms_of(form: PromoForm, zone: str) -> dict:
    """The code's columns from the form, or a `ManagementError` naming what is wrong."""
    code = normalised(form.code)
    if not CODE_SHAPE.fullmatch(code):
        raise ManagementError(
            "Code: 3 to 32 letters, digits or dashes, starting with a letter or digit."
        )
    if form.kind not in ("percent", "amount"):
        raise ManagementError("Choose a percentage or an amount off.")
    value = _whole_number(form.value, "Discount")
    if form.kind == "percent" and value > 100:
        raise ManagementError("Discount: a percentage is at most 100.")
    if form.kind == "amount" and value * 100 > MOST_OFF_PAISE:
        raise ManagementError(f"Discount: at most {format_money(MOST_OFF_PAISE)} off.")
    first, last = _day(form.valid_from, "Valid from"), _day(form.valid_until, "Valid until")
    if first and last and last < first:
        raise ManagementError("Valid until comes before valid from.")
    if form.category and form.category not in {c.value for c in SeatCategory}:
        raise ManagementError("Choose a seat category from the list.")
    return {
        "code": code,
        "description": form.description.strip()[:200],
        "percent_off": value if form.kind == "percent" else 0,
        "amount_off_paise": value * 100 if form.kind == "amount" else 0,
        "valid_from": instant_of(datetime.combine(first, time()), zone) if first else None,
        "valid_until": (
            instant_of(datetime.combine(last + timedelta(days=1), time()), zone) if last else None
        ),
        "max_uses": _whole_number(form.max_uses, "Most uses") if form.max_uses.strip() else None,
        "movie_id": _optional_id(form.movie_id),
        "cinema_id": _optional_id(form.cinema_id),
        "category": form.category,
        "once_per_customer": form.once_per_customer is True,
        "first_booking_only": form.first_booking_only is True,
    }


def create_promo_code(
    account: Account | None,
    form: PromoForm,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> int:
    """A new code from the form (admins only), audited; its id."""
    admin = require_staff(account, "promo codes", write=True, engine=engine)
    now = resolve_now(now)
    terms = terms_of(form, get_settings().default_timezone)
    try:
        with write_session(engine) as session:
            for model, key, what in ((Movie, "movie_id", "movie"), (Cinema, "cinema_id", "cinema")):
                if terms[key] is not None and session.get(model, terms[key]) is None:
                    raise ManagementError(f"That {what} does not exist; reload the page.")
            promo = PromoCode(**terms, created_at=now)
            session.add(promo)
            session.flush()
            audit.add_entry(
                session,
                actor_of(admin),
                "promo_code_created",
                entity="promo_code",
                entity_id=promo.id,
                after={k: str(v) for k, v in terms.items() if v not in (None, "")},
                now=now,
            )
            return promo.id
    except IntegrityError:
        raise ManagementError(f"There is already a code {terms['code']}.") from None


def set_promo_active(
    account: Account | None,
    promo_id: int,
    active: bool,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> None:
    """Pause a code (it stops applying; bookings that have it keep their discount) or resume it."""
    admin = require_staff(account, "promo codes", write=True, engine=engine)
    now = resolve_now(now)
    if not is_row_id(promo_id):
        raise ManagementError("That code does not exist; reload the page.")
    with write_session(engine) as session:
        promo = session.get(PromoCode, promo_id, with_for_update=True)
        if promo is None:
            raise ManagementError("That code does not exist; reload the page.")
        if promo.is_active == active:
            return
        promo.is_active = active
        audit.add_entry(
            session,
            actor_of(admin),
            "promo_code_resumed" if active else "promo_code_paused",
            entity="promo_code",
            entity_id=promo.id,
            before={"is_active": not active},
            after={"is_active": active},
            now=now,
        )


def set_customer_limit(
    account: Account | None,
    promo_id: int,
    limit: str,
    on: bool,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> None:
    """Turn one of a code's per-customer limits (`CUSTOMER_LIMITS`) on or off (admins only),
    audited. It counts from the next time the code is applied or a payment with it starts."""
    admin = require_staff(account, "promo codes", write=True, engine=engine)
    now = resolve_now(now)
    if limit not in CUSTOMER_LIMITS or not isinstance(on, bool):
        raise ManagementError("Choose once per customer or first booking only.")
    if not is_row_id(promo_id):
        raise ManagementError("That code does not exist; reload the page.")
    with write_session(engine) as session:
        promo = session.get(PromoCode, promo_id, with_for_update=True)
        if promo is None:
            raise ManagementError("That code does not exist; reload the page.")
        if getattr(promo, limit) == on:
            return
        setattr(promo, limit, on)
        audit.add_entry(
            session,
            actor_of(admin),
            "promo_code_limit_changed",
            entity="promo_code",
            entity_id=promo.id,
            before={limit: not on},
            after={limit: on},
            now=now,
        )


def _valid_text(promo: PromoCode, zone: str) -> str:
    first = local_text(promo.valid_from, zone, "%d %b %Y") if promo.valid_from else "now"
    if promo.valid_until is None:
        return f"from {first}, no end"
    last = local_text(promo.valid_until - timedelta(seconds=1), zone, "%d %b %Y")
    return f"from {first} to {last}"


def promo_codes(
    account: Account | None, *, now: datetime | None = None, engine: Engine | None = None
) -> list[PromoRow]:
    """Every code, newest first, with its live uses and what its paid bookings were given."""
    require_staff(account, "promo codes", engine=engine)
    now = resolve_now(now)
    zone = get_settings().default_timezone
    paid = Booking.status == BookingStatus.PAID
    with read_session(engine) as session:
        usage = {
            row.promo_code_id: row
            for row in session.execute(
                select(
                    Booking.promo_code_id,
                    func.sum(case((claim_is_live_sql(now), 1), else_=0)).label("live"),
                    func.sum(case((paid, 1), else_=0)).label("paid"),
                    func.sum(case((paid, Booking.discount_paise), else_=0)).label("given"),
                )
                .where(Booking.promo_code_id.is_not(None))
                .group_by(Booking.promo_code_id)
            )
        }
        movies = dict(session.execute(select(Movie.id, Movie.title)).all())
        cinemas = dict(session.execute(select(Cinema.id, Cinema.name)).all())
        codes = session.execute(select(PromoCode).order_by(PromoCode.id.desc())).scalars().all()
    rows = []
    for promo in codes:
        used = usage.get(promo.id)
        live = int(used.live) if used else 0
        scope = [
            describe(promo),
            movies.get(promo.movie_id, "every movie"),
            cinemas.get(promo.cinema_id, "every cinema"),
        ]
        rows.append(
            PromoRow(
                id=promo.id,
                code=promo.code,
                terms=" · ".join(scope),
                valid=_valid_text(promo, zone),
                uses=f"{live} of {promo.max_uses}" if promo.max_uses else f"{live} (no limit)",
                paid=int(used.paid) if used else 0,
                discount_given=format_money(int(used.given) if used else 0),
                is_active=promo.is_active,
                once_per_customer=promo.once_per_customer,
                first_booking_only=promo.first_booking_only,
            )
        )
    return rows


def promo_choices(
    account: Account | None, *, engine: Engine | None = None
) -> tuple[dict[str, int], dict[str, int]]:
    """The form's lists: active movies and every cinema, id by name."""
    require_staff(account, "promo codes", engine=engine)
    with read_session(engine) as session:
        movies = session.execute(
            select(Movie.title, Movie.id).where(Movie.is_active).order_by(Movie.title)
        ).all()
        cinemas = session.execute(select(Cinema.name, Cinema.id).order_by(Cinema.name)).all()
    return dict(movies), dict(cinemas)
