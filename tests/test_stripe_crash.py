"""The app process killed with SIGKILL between opening a Checkout Session and the webhook: a
fresh process handles the (replayed) webhook, and nothing is lost or doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import stripe
from sqlalchemy import func, select

from bookmyseat.db import read_session
from bookmyseat.models import BookingStatus, CheckoutSession, EmailOutbox, Payment
from bookmyseat.services.booking.records import get_booking
from tests.conftest import World
from tests.stripe_payments_helpers import SECRET
from tests.stripe_standin import StripeStandIn, event_payload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

OPEN_THEN_DIE = """
import os, signal, sys
from bookmyseat.services.payments.stripe_checkout import start_checkout
print(start_checkout(sys.argv[1], int(sys.argv[2])), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""

HANDLE_WEBHOOK = """
import sys
from bookmyseat.services.payments.stripe_webhook import handle_webhook
answer = handle_webhook(sys.stdin.buffer.read(), sys.argv[1])
print(answer.status, flush=True)
"""


def app_env(world: World, standin: StripeStandIn) -> dict[str, str]:
    return {
        **os.environ,
        "BOOKMYSEAT_DB_URL": world.engine.url.render_as_string(hide_password=False),
        "STRIPE_SECRET_KEY": "sk_test_standin",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "BOOKMYSEAT_STRIPE_API_BASE": standin.url,
        "REFLEX_REDIS_URL": "",
    }


def test_a_killed_app_loses_nothing(world: World, standin: StripeStandIn) -> None:
    view = world.hold(world.alice, "C1", "C2")
    env = app_env(world, standin)
    opened = subprocess.run(
        [sys.executable, "-c", OPEN_THEN_DIE, view.reference, str(world.alice)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert opened.returncode == -signal.SIGKILL, opened.stderr
    session_id = opened.stdout.strip().rsplit("/", 1)[-1]
    with read_session(world.engine) as session:
        assert (
            session.execute(
                select(func.count()).where(CheckoutSession.session_id == session_id)
            ).scalar_one()
            == 1
        ), "the session opened before the crash was not recorded"

    payload = event_payload("checkout.session.completed", standin.pay(session_id), "evt_crash")
    header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
    for _ in range(2):  # the restarted app, and Stripe replaying the same event
        handled = subprocess.run(
            [sys.executable, "-c", HANDLE_WEBHOOK, header],
            cwd=ROOT,
            env=env,
            input=payload.encode(),
            capture_output=True,
            timeout=60,
        )
        assert handled.stdout.decode().strip() == "200", handled.stderr.decode()[-2000:]

    assert get_booking(view.reference, engine=world.engine).status == BookingStatus.PAID
    with read_session(world.engine) as session:
        assert session.execute(select(func.count()).select_from(Payment)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(EmailOutbox)).scalar_one() == 1
    assert len(standin.calls("POST", "/v1/checkout/sessions")) == 1
