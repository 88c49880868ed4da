"""Resending a ticket: the e-ticket queued once more through the outbox, within limits
that stop a customer (or a script) from turning the site into a mail cannon: per booking (once
in 10 minutes, 5 times in all) and per customer across their bookings (5 an hour, 20 a day)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bookmyseat.db import write_session
from bookmyseat.models import BookingStatus, EmailOutbox, OutboxStatus, User
from bookmyseat.services.accounts.throttle import RESENDS_PER_ACCOUNT
from bookmyseat.services.booking.records import locked_booking
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.errors import CustomerError

RESEND_EVERY = timedelta(minutes=10)
MAX_RESENDS = 5


class ResendRefused(CustomerError):
    code = "resend_refused"


def queue_resend(
    reference: str,
    *,
    user_id: int | None,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> None:
    """Queue the e-ticket again, at most once per RESEND_EVERY and MAX_RESENDS times in all.
    `user_id` limits it to the owner's booking; staff pass None."""
    now = resolve_now(now)
    if user_id is not None:
        RESENDS_PER_ACCOUNT.refuse_if_spent(str(user_id))
    with write_session(engine) as session:
        booking = locked_booking(session, reference, user_id)
        if booking.status != BookingStatus.PAID:
            raise ResendRefused("Only a paid booking has tickets to send.")
        earlier = (
            session.execute(
                select(EmailOutbox.created_at).where(
                    EmailOutbox.booking_id == booking.id, EmailOutbox.kind.like("resend-%")
                )
            )
            .scalars()
            .all()
        )
        if len(earlier) >= MAX_RESENDS:
            raise ResendRefused(
                f"This ticket has been resent {MAX_RESENDS} times; please contact the cinema."
            )
        if earlier and max(earlier) > now - RESEND_EVERY:
            raise ResendRefused(
                "We sent your ticket a few minutes ago. Please check your inbox and spam folder, "
                f"or try again in {int(RESEND_EVERY.total_seconds() // 60)} minutes."
            )
        email = session.execute(select(User.email).where(User.id == booking.user_id)).scalar_one()
        session.add(
            EmailOutbox(
                booking_id=booking.id,
                kind=f"resend-{len(earlier) + 1}",
                to_address=email,
                status=OutboxStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
        )
    if user_id is not None:
        RESENDS_PER_ACCOUNT.count(str(user_id))
