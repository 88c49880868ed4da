"""The email outbox sender: claim due messages, send them, retry with backoff, never lose one.

Claiming is a compare-and-set UPDATE on the row (status and due time in the WHERE clause), so
of several senders in several workers exactly one wins each message; no row lock is held while
talking to the SMTP server. A sender that dies mid-send leaves its row SENDING; after the lease
runs out another sender takes it again (the deterministic Message-ID lets mail clients spot the
rare duplicate this can cause if the crash came after the server accepted the message).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine

from bookmyseat.db import is_row_id, read_session, write_session
from bookmyseat.models import Booking, EmailOutbox, OutboxStatus
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.mail.messages import build_message
from bookmyseat.services.mail.smtp import MailError, PermanentMailError, send_email
from bookmyseat.services.retry import backoff
from bookmyseat.settings import Settings, get_settings

log = logging.getLogger("bookmyseat.outbox")

LEASE = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(hours=24)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=4)
BATCH = 20

Sender = Callable[[EmailMessage, Settings], None]
_announced_unsent: set[int] = set()  # log lines only: which held messages were already logged


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    held: int = 0  # due but kept: no SMTP configured


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """1, 2, 4 … minutes, at most 4 hours (the shared backoff rule)."""
    return backoff(attempts, first=FIRST_RETRY, longest=LONGEST_WAIT, rng=rng)


def _due_ids(now: datetime, engine: Engine | None) -> list[int]:
    with read_session(engine) as session:
        return list(
            session.execute(
                select(EmailOutbox.id)
                .where(_claimable(now))
                .order_by(EmailOutbox.next_attempt_at, EmailOutbox.id)
                .limit(BATCH)
            ).scalars()
        )


def _claimable(now: datetime):  # a SQL expression
    return or_(
        and_(
            EmailOutbox.status.in_([OutboxStatus.PENDING, OutboxStatus.RETRY]),
            EmailOutbox.next_attempt_at <= now,
        ),
        and_(EmailOutbox.status == OutboxStatus.SENDING, EmailOutbox.claimed_at <= now - LEASE),
    )


def claim(outbox_id: int, now: datetime, engine: Engine | None = None) -> bool:
    """Take one message for sending; False if another sender has it or it is not due."""
    with write_session(engine) as session:
        result = session.execute(
            update(EmailOutbox)
            .where(EmailOutbox.id == outbox_id, _claimable(now))
            .values(
                status=OutboxStatus.SENDING,
                claimed_at=now,
                attempts=EmailOutbox.attempts + 1,
            )
        )
        return result.rowcount == 1


def _finish(outbox_id: int, claimed_at: datetime, engine: Engine | None, **values) -> None:
    with write_session(engine) as session:
        session.execute(
            update(EmailOutbox)
            .where(
                EmailOutbox.id == outbox_id,
                EmailOutbox.status == OutboxStatus.SENDING,
                EmailOutbox.claimed_at == claimed_at,
            )
            .values(**values)
        )


def deliver_due(
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
    send: Sender = send_email,
    rng: random.Random | None = None,
) -> DeliveryReport:
    """One round of the sender: every due message is claimed by one sender and sent once."""
    settings = settings or get_settings()
    now = resolve_now(now)
    report = DeliveryReport()
    due = _due_ids(now, engine)
    if not settings.smtp_configured:
        _log_held(due, engine)
        report.held = len(due)
        return report
    for outbox_id in due:
        if not claim(outbox_id, now, engine):
            continue
        with read_session(engine) as session:
            row = session.get(EmailOutbox, outbox_id)
            reference = _about(
                session.execute(
                    select(Booking.reference).where(Booking.id == row.booking_id)
                ).scalar_one_or_none()
            )
            try:
                message = build_message(session, row, settings)
            except Exception as exc:  # a message we cannot build is a failure
                message, build_error = None, f"could not build the message: {exc}"
        try:
            if message is None:
                raise PermanentMailError(build_error)
            send(message, settings)
        except MailError as exc:
            _record_failure(row, reference, exc, now, engine, rng, report)
            continue
        _finish(outbox_id, now, engine, status=OutboxStatus.SENT, sent_at=now, last_error="")
        log.info("Email sent to %s for %s", row.to_address, reference)
        report.sent.append(outbox_id)
    return report


def _record_failure(row, reference, exc, now, engine, rng, report) -> None:
    reason = exc.reason[:480]
    retry_at = now + retry_delay(row.attempts, rng)  # attempts already counts this one
    if isinstance(exc, PermanentMailError) or retry_at > row.created_at + GIVE_UP_AFTER:
        if not isinstance(exc, PermanentMailError):
            reason = f"gave up after 24 hours: {reason}"[:480]
        _finish(row.id, now, engine, status=OutboxStatus.FAILED, last_error=reason)
        log.warning("Email to %s failed: %s, not retried (%s)", row.to_address, reason, reference)
        report.failed.append(row.id)
        return
    _finish(
        row.id, now, engine, status=OutboxStatus.RETRY, last_error=reason, next_attempt_at=retry_at
    )
    log.warning("Email to %s failed: %s, retry at %s", row.to_address, reason, retry_at.isoformat())
    report.retrying.append(row.id)


def _about(reference: str | None) -> str:
    """What a message is about, for the log: its booking, or (a password reset) an account."""
    return f"booking {reference}" if reference else "an account"


def _log_held(due: list[int], engine: Engine | None) -> None:
    new = [i for i in due if i not in _announced_unsent]
    if not new:
        return
    with read_session(engine) as session:
        rows = session.execute(
            select(EmailOutbox.id, EmailOutbox.kind, EmailOutbox.to_address, Booking.reference)
            .outerjoin(Booking, Booking.id == EmailOutbox.booking_id)
            .where(EmailOutbox.id.in_(new))
        ).all()
    for row in rows:
        log.info(
            "Email %s to %s for %s kept in the outbox: no SMTP server is configured",
            row.kind,
            row.to_address,
            _about(row.reference),
        )
        _announced_unsent.add(row.id)


def retry_failed(outbox_id: int, *, now: datetime | None = None, engine: Engine | None = None):
    """Staff: send a failed message again from now (a fresh 24 hours of retries)."""
    now = resolve_now(now)
    if not is_row_id(outbox_id):
        return
    with write_session(engine) as session:
        session.execute(
            update(EmailOutbox)
            .where(EmailOutbox.id == outbox_id, EmailOutbox.status == OutboxStatus.FAILED)
            .values(status=OutboxStatus.PENDING, next_attempt_at=now, created_at=now)
        )
