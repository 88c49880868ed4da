"""The booking engine's tables: accounts, catalogue, bookings, payments, mail, roll-ups, audit.
Times are aware UTC; money is integer paise; statuses are short strings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bookmyseat.settings import DEFAULT_TIMEZONE


def utcnow() -> datetime:
    """Aware UTC now (SQLModel's UTCDateTime columns refuse naive datetimes)."""
    return datetime.now(UTC)


class Role(StrEnum):
    CUSTOMER = "customer"
    AUDITOR = "auditor"
    ADMIN = "admin"


class BookingStatus(StrEnum):
    HELD = "held"
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


LIVE_BOOKING_STATUSES = (BookingStatus.HELD, BookingStatus.PENDING_PAYMENT, BookingStatus.PAID)


class PaymentStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FLAGGED = "flagged"  # amount or currency differs from the booking: staff must look
    REFUND_PENDING = "refund_pending"  # to be refunded (cancelled, or paid after a resale)
    REFUND_REQUESTED = "refund_requested"  # asked of the provider; REFUNDED when it confirms
    REFUNDED = "refunded"
    REFUND_FAILED = "refund_failed"  # the provider refused the refund: staff must act


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    RETRY = "retry"
    SENT = "sent"
    FAILED = "failed"


class SeatCategory(StrEnum):
    """The seat categories a screen's rows may have, cheapest first (forms list them so)."""

    CLASSIC = "Classic"
    PRIME = "Prime"
    RECLINER = "Recliner"


class User(SQLModel, table=True):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True, index=True)
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.CUSTOMER, max_length=16)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Two-factor sign-in (staff): the TOTP secret, set at enrolment and in force once confirmed.
    totp_secret: str = Field(default="", max_length=64)
    two_factor_since: datetime | None = None
    totp_last_step: int = 0  # the newest 30-second step a code was accepted for: none again
    # When the account confirmed its email address (the link sent at sign-up); None until then.
    email_verified_at: datetime | None = None


class RecoveryCode(SQLModel, table=True):
    """A one-time code that stands in for the authenticator app; only its SHA-256 is stored."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = None


class PasswordReset(SQLModel, table=True):
    """A password-reset link sent by email: single use, short-lived. The link's token is an HMAC
    of this row's random nonce under the site's secret key, so the table alone forges nothing."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class LoginSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of its token is stored, so a leaked table signs
    no one in."""

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    # When this browser gave the second factor (a code at sign-in, or at enrolment); staff
    # areas that require two factors accept only sessions that did.
    second_factor_at: datetime | None = None


class Movie(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True, index=True)
    title: str = Field(max_length=200)
    synopsis: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    genres: str = Field(default="", max_length=200)  # comma-separated, e.g. "Action,Drama"
    language: str = Field(default="", max_length=40)
    certificate: str = Field(default="UA", max_length=8)  # U, UA, A (CBFC)
    runtime_minutes: int = 120
    release_date: date | None = None
    cast_members: str = Field(default="", max_length=500)  # comma-separated
    poster_path: str = Field(default="", max_length=300)
    trailer_url: str | None = Field(default=None, max_length=500)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Cinema(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    city: str = Field(max_length=80, index=True)
    address: str = Field(default="", max_length=300)
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)
    # The door window: tickets are let in from this long before a show starts until this long
    # after (services.staff.door).
    door_opens_minutes: int = Field(default=45, ge=0, le=24 * 60)
    door_closes_minutes: int = Field(default=30, ge=0, le=24 * 60)


class Screen(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("cinema_id", "name", name="uq_screen_cinema_name"),)

    id: int | None = Field(default=None, primary_key=True)
    cinema_id: int = Field(foreign_key="cinema.id", index=True)
    name: str = Field(max_length=60)
    layout: str = Field(sa_column=Column(Text, nullable=False))  # JSON, see services.seating


class Seat(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("screen_id", "label", name="uq_seat_screen_label"),)

    id: int | None = Field(default=None, primary_key=True)
    screen_id: int = Field(foreign_key="screen.id", index=True)
    label: str = Field(max_length=8)  # "F12"
    row_label: str = Field(max_length=4)
    number: int
    grid_row: int  # position on the map, counting gaps and aisles
    grid_col: int
    category: str = Field(max_length=20)
    is_wheelchair: bool = False
    is_blocked: bool = False


class Showtime(SQLModel, table=True):
    __table_args__ = (Index("ix_showtime_screen_start", "screen_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    movie_id: int = Field(foreign_key="movie.id", index=True)
    screen_id: int = Field(foreign_key="screen.id")
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    format: str = Field(default="2D", max_length=16)
    language: str = Field(default="", max_length=40)
    is_cancelled: bool = False


class ShowtimePrice(SQLModel, table=True):
    __tablename__ = "showtime_price"
    __table_args__ = (
        UniqueConstraint("showtime_id", "category", name="uq_showtime_price_category"),
    )

    id: int | None = Field(default=None, primary_key=True)
    showtime_id: int = Field(foreign_key="showtime.id", index=True)
    category: str = Field(max_length=20)
    price_paise: int


class Booking(SQLModel, table=True):
    __table_args__ = (
        Index("ix_booking_showtime_status", "showtime_id", "status"),
        Index("ix_booking_status_expiry", "status", "hold_expires_at"),
        Index("ix_booking_paid_at", "paid_at"),  # the dashboard's date ranges
        # The activity feed's newest cancellations and refunds; distinct customers by date.
        Index("ix_booking_cancelled_at", "cancelled_at"),
        Index("ix_booking_status_updated", "status", "updated_at"),
        Index("ix_booking_status_paid_user", "status", "paid_at", "user_id"),
        # The holds made from one client address (the per-address caps of services.booking).
        Index("ix_booking_address_status", "client_address", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    showtime_id: int = Field(foreign_key="showtime.id")
    status: str = Field(default=BookingStatus.HELD, max_length=20)
    hold_expires_at: datetime
    seat_count: int
    subtotal_paise: int
    fee_paise: int
    total_paise: int
    currency: str = Field(default="inr", max_length=3)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None
    cancelled_at: datetime | None = None
    # A promo code applied at checkout (one a booking): total = subtotal + fee - discount.
    promo_code_id: int | None = Field(default=None, foreign_key="promo_code.id", index=True)
    discount_paise: int = 0
    # Where a customer's hold came from (an IPv4 address, or an IPv6 /64): holds from one
    # address are capped (services.booking.holds); None for holds no client asked for.
    client_address: str | None = Field(default=None, max_length=64)


class BookingSeat(SQLModel, table=True):
    """A booking's line: one seat at the price computed when it was held (the ticket once paid)."""

    __tablename__ = "booking_seat"
    __table_args__ = (UniqueConstraint("booking_id", "seat_id", name="uq_booking_seat"),)

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="booking.id", index=True)
    showtime_id: int = Field(foreign_key="showtime.id", index=True)
    seat_id: int = Field(foreign_key="seat.id")
    seat_label: str = Field(max_length=8)
    category: str = Field(max_length=20)
    price_paise: int
    checked_in_at: datetime | None = None


class SeatClaim(SQLModel, table=True):
    """A live hold or sale of one seat. The unique index is the guard against double sales."""

    __tablename__ = "seat_claim"
    __table_args__ = (Index("uq_seat_claim_showtime_seat", "showtime_id", "seat_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    showtime_id: int = Field(foreign_key="showtime.id")
    seat_id: int = Field(foreign_key="seat.id")
    booking_id: int = Field(foreign_key="booking.id", index=True, ondelete="CASCADE")
    claimed_at: datetime = Field(default_factory=utcnow)


class Payment(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("provider", "provider_ref", name="uq_payment_provider_ref"),
        Index("ix_payment_status_refund_due", "status", "refund_next_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="booking.id", index=True)
    provider: str = Field(max_length=20)  # "demo" | "stripe"
    provider_ref: str = Field(max_length=255)
    amount_paise: int
    currency: str = Field(max_length=3)
    status: str = Field(max_length=20)
    detail: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    # Refunding (see services.payments.refunds): each payment on its own schedule.
    refund_attempts: int = 0
    refund_next_at: datetime | None = None  # when a REFUND_PENDING payment is next asked for
    refund_claimed_at: datetime | None = None  # when a sender marked it REFUND_REQUESTED
    refund_id: str = Field(default="", max_length=255)  # the provider's refund, once it answered
    refund_error: str = Field(default="", max_length=500)


class CheckoutSession(SQLModel, table=True):
    """A payment provider's hosted checkout opened for a booking (one per attempt)."""

    __tablename__ = "checkout_session"
    __table_args__ = (
        UniqueConstraint("provider", "session_id", name="uq_checkout_session_provider_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="booking.id", index=True)
    provider: str = Field(max_length=20)
    session_id: str = Field(max_length=255)  # "pending-<booking>-<attempt>" until Stripe answers
    url: str = Field(default="", max_length=1000)
    status: str = Field(default="open", max_length=20)  # creating | open | complete | expired
    attempt: int = 1  # the booking's n-th checkout: part of the idempotency key
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class ProviderEvent(SQLModel, table=True):
    """A webhook event already handled: recorded after its work committed, so each runs once."""

    __tablename__ = "provider_event"

    event_id: str = Field(primary_key=True, max_length=255)
    provider: str = Field(max_length=20)
    type: str = Field(max_length=80)
    processed_at: datetime = Field(default_factory=utcnow)


class EmailOutbox(SQLModel, table=True):
    __tablename__ = "email_outbox"
    __table_args__ = (
        UniqueConstraint("booking_id", "kind", name="uq_outbox_booking_kind"),
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int | None = Field(default=None, foreign_key="booking.id")
    # An account's email (a password reset) has no booking.
    password_reset_id: int | None = Field(default=None, foreign_key="password_reset.id")
    # An account's own email (verification link, sign-up notice) names the account.
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    kind: str = Field(max_length=40)  # "confirmation", "cancellation", "password_reset", ...
    to_address: str = Field(max_length=254)
    status: str = Field(default=OutboxStatus.PENDING, max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class SalesQuarter(SQLModel, table=True):
    """Roll-up of sales by the quarter-hour they were paid in (UTC) and cinema, kept in step
    with the bookings in the same transactions, so the dashboard never scans every booking.
    Every time zone's offset is a whole number of quarter-hours, so these add up to exact local
    days and hours in any zone."""

    __tablename__ = "sales_quarter"

    quarter_start: datetime = Field(primary_key=True)
    cinema_id: int = Field(primary_key=True)
    paid_bookings: int = 0  # still paid
    tickets: int = 0  # still paid
    gross_paise: int = 0  # every payment
    refunds_paise: int = 0  # of those, given back
    ticket_paise: int = 0  # seat prices of the still-paid bookings


class SalesMovieDay(SQLModel, table=True):
    """Roll-up: tickets still paid by the day they were paid on the cinema's clock, movie,
    cinema and seat category."""

    __tablename__ = "sales_movie_day"

    day: str = Field(primary_key=True, max_length=10)  # YYYY-MM-DD, the cinema's local day
    movie_id: int = Field(primary_key=True)
    cinema_id: int = Field(primary_key=True)
    category: str = Field(primary_key=True, max_length=20)
    tickets: int = 0


class SalesShowtime(SQLModel, table=True):
    """Roll-up: seats of a showtime on still-paid bookings (for occupancy)."""

    __tablename__ = "sales_showtime"

    showtime_id: int = Field(primary_key=True)
    seats_sold: int = 0


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor: str = Field(default="system", max_length=60)
    action: str = Field(max_length=60)
    entity: str = Field(default="", max_length=40)
    entity_id: str = Field(default="", max_length=40)
    before: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    after: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    detail: str = Field(default="", max_length=500)
