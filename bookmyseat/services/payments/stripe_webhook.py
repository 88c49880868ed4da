"""`POST /api/stripe/webhook`: verify, handle each event once, and let Stripe retry failures.

An event is recorded as processed only after its work committed; a transient failure (Stripe or
the database unreachable) answers 500 so that Stripe delivers it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import stripe
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bookmyseat.db import insert_ignoring_conflicts, read_session, write_session
from bookmyseat.models import ProviderEvent
from bookmyseat.services.booking import errors
from bookmyseat.services.payments.refunds import record_refund
from bookmyseat.services.payments.stripe_api import PROVIDER
from bookmyseat.services.payments.stripe_sessions import fulfil_session, release_session
from bookmyseat.settings import Settings, get_settings

log = logging.getLogger("bookmyseat.stripe")

FULFIL = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
RELEASE = {"checkout.session.expired", "checkout.session.async_payment_failed"}


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    text: str


def _already_processed(event_id: str, engine: Engine | None) -> bool:
    with read_session(engine) as session:
        found = session.execute(
            select(ProviderEvent.event_id).where(ProviderEvent.event_id == event_id)
        ).first()
    return found is not None


def _mark_processed(event_id: str, event_type: str, engine: Engine | None) -> None:
    with write_session(engine) as session:
        insert_ignoring_conflicts(
            session,
            ProviderEvent.__table__,
            [{"event_id": event_id, "provider": PROVIDER, "type": event_type}],
            ProviderEvent.__table__.c.event_id,
        )


def handle_webhook(
    payload: bytes,
    signature_header: str | None,
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> WebhookAnswer:
    settings = settings or get_settings()
    if not settings.stripe_webhook_secret:
        return WebhookAnswer(404, "Stripe is not configured")
    try:
        event = stripe.Webhook.construct_event(
            payload.decode("utf-8"), signature_header or "", settings.stripe_webhook_secret
        )
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
        log.warning("Refused a Stripe webhook: %s", exc)
        return WebhookAnswer(400, "invalid payload or signature")
    if _already_processed(event.id, engine):
        return WebhookAnswer(200, "already processed")
    obj = event.data.object
    try:
        if event.type in FULFIL:
            fulfil_session(obj["id"], settings=settings, engine=engine)
        elif event.type in RELEASE:
            release_session(obj["id"], settings=settings, engine=engine)
        elif event.type == "charge.refunded":
            record_refund(obj["id"], settings=settings, engine=engine)
    except errors.BookingNotFound:
        log.warning("Stripe event %s names no booking of ours", event.id)
    except (stripe.StripeError, OperationalError) as exc:
        log.warning("Stripe event %s failed for now (%s); Stripe will retry", event.id, exc)
        return WebhookAnswer(500, "temporary failure, retry later")
    _mark_processed(event.id, event.type, engine)
    return WebhookAnswer(200, "ok")
