"""Fixtures for the Stripe tests: the stand-in server and settings pointing at it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bookmyseat.settings import Settings
from tests.stripe_standin import StripeStandIn, stripe_standin

SECRET = "whsec_test_secret"


@pytest.fixture
def standin():
    with stripe_standin() as server:
        yield server


@pytest.fixture
def stripe_settings(settings: Settings, standin: StripeStandIn) -> Settings:
    return replace(
        settings,
        stripe_secret_key="sk_test_standin",
        stripe_webhook_secret=SECRET,
        stripe_api_base=standin.url,
        public_url="https://tickets.example",
    )
