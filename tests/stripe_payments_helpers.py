"""Fixtures and helpers for the Stripe tests: the stand-in server, settings pointing at it, signed
webhook deliveries, and a held booking with its Checkout Session."""

from __future__ import annotations

import pytest
import stripe
from sqlalchemy import func, select

from bookmyseat.db import read_session
from bookmyseat.services.booking.records import get_booking
from bookmyseat.services.payments import stripe_checkout
from bookmyseat.services.payments.stripe_webhook import handle_webhook
from bookmyseat.settings import Settings, with_changes
from tests.conftest import World
from tests.stripe_standin import StripeStandIn, event_payload, stripe_standin

SECRET = "whsec_test_secret"


@pytest.fixture
def standin():
    with stripe_standin() as server:
        yield server


@pytest.fixture
def stripe_settings(settings: Settings, standin: StripeStandIn) -> Settings:
    return with_changes(
        settings,
        stripe_secret_key="sk_test_standin",
        stripe_webhook_secret=SECRET,
        stripe_api_base=standin.url,
        public_url="https://tickets.example",
        stripe_timeout_seconds=1.0,  # the stand-in's slow answers take 1.5 s
    )


def deliver(world: World, settings: Settings, event_type: str, obj: dict, **sign) -> int:
    payload = event_payload(event_type, obj, sign.pop("event_id", None))
    header = stripe.WebhookSignature.generate_signature_header(
        payload, sign.pop("secret", SECRET), sign.pop("timestamp", None)
    )
    return handle_webhook(payload.encode(), header, settings=settings, engine=world.engine).status


def checkout(world: World, settings: Settings, *labels: str, user: int | None = None, now=None):
    view = world.hold(user or world.alice, *labels, now=now)
    url = stripe_checkout.start_checkout(
        view.reference, user or world.alice, now=now, settings=settings, engine=world.engine
    )
    session_id = url.rsplit("/", 1)[-1]
    return view, session_id


def count(world: World, model, *where) -> int:
    with read_session(world.engine) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def status_of(world: World, reference: str) -> str:
    return get_booking(reference, engine=world.engine).status
