"""Every setting, read from the environment (and a local `.env`) in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TIMEZONE = "Asia/Kolkata"  # the site's, and a new cinema's unless staff say otherwise


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


@dataclass(frozen=True)
class Settings:
    """Runtime configuration: `get_settings()` in the app, `load_settings()` after env changes."""

    database_url: str
    redis_url: str
    hold_minutes: int
    max_seats_per_booking: int
    cancel_cutoff_minutes: int
    convenience_fee_paise_per_seat: int
    currency: str
    default_timezone: str
    environment: str
    secret_key: str
    stripe_secret_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str = ""  # empty: Stripe's own servers; tests point it at a stand-in
    stripe_timeout_seconds: float = 20.0  # one request; the SDK retries twice more
    public_url: str = "http://localhost:3000"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls | ssl | none (a local relay or a test server)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_ca_file: str = ""  # a CA to trust besides the system's (a relay's own certificate)
    mail_from_name: str = "BookMySeat"
    mail_from_address: str = ""

    @property
    def smtp_configured(self) -> bool:
        """Without an SMTP host the outbox keeps every message and nothing is sent."""
        return bool(self.smtp_host)

    @property
    def sender_address(self) -> str:
        return self.mail_from_address or self.smtp_user or "tickets@bookmyseat.local"

    @property
    def demo_payments(self) -> bool:
        """The demo gateway exists only while Stripe is not configured: no bypass in production."""
        return not (self.stripe_secret_key and self.stripe_webhook_secret)


# Posters uploaded in the admin area, served by /api/posters (the build's assets are fixed).
UPLOADED_POSTERS = (
    Path(os.environ.get("BOOKMYSEAT_UPLOAD_DIR") or PROJECT_ROOT / "data") / "posters"
)


def default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'data' / 'bookmyseat.db'}"


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _no_spaces(name: str) -> str:
    """Credentials copied from a provider's page often carry spaces (Gmail shows app passwords
    as four groups of four); no valid user name or password contains one."""
    return "".join(_str(name).split())


def _smtp_security(port: int) -> str:
    chosen = _str("BOOKMYSEAT_SMTP_SECURITY").lower()
    if chosen in ("starttls", "ssl", "none"):
        return chosen
    return "ssl" if port == 465 else "starttls"


def load_settings() -> Settings:
    """Read the environment now (tests call this after changing variables)."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    return Settings(
        database_url=normalize_database_url(
            _str("BOOKMYSEAT_DB_URL") or _str("REFLEX_DB_URL") or default_database_url()
        ),
        redis_url=_str("REFLEX_REDIS_URL"),
        hold_minutes=_int("BOOKMYSEAT_HOLD_MINUTES", 10),
        max_seats_per_booking=_int("BOOKMYSEAT_MAX_SEATS", 10),
        cancel_cutoff_minutes=_int("BOOKMYSEAT_CANCEL_CUTOFF_MINUTES", 120),
        convenience_fee_paise_per_seat=_int("BOOKMYSEAT_FEE_PAISE_PER_SEAT", 3000),
        currency=_str("BOOKMYSEAT_CURRENCY", "inr").lower(),
        default_timezone=_str("BOOKMYSEAT_TIMEZONE", DEFAULT_TIMEZONE),
        environment=_str("BOOKMYSEAT_ENV", "development"),
        secret_key=_str("BOOKMYSEAT_SECRET_KEY", "dev-only-not-secret-change-me"),
        stripe_secret_key=_str("STRIPE_SECRET_KEY"),
        stripe_webhook_secret=_str("STRIPE_WEBHOOK_SECRET"),
        stripe_api_base=_str("BOOKMYSEAT_STRIPE_API_BASE"),
        stripe_timeout_seconds=float(_str("BOOKMYSEAT_STRIPE_TIMEOUT_SECONDS") or 20),
        public_url=_str("BOOKMYSEAT_PUBLIC_URL", "http://localhost:3000").rstrip("/"),
        smtp_host=_str("BOOKMYSEAT_SMTP_HOST"),
        smtp_port=(port := _int("BOOKMYSEAT_SMTP_PORT", 587)),
        smtp_security=_smtp_security(port),
        smtp_user=_no_spaces("BOOKMYSEAT_SMTP_USER"),
        smtp_password=_no_spaces("BOOKMYSEAT_SMTP_PASSWORD"),
        smtp_ca_file=_str("BOOKMYSEAT_SMTP_CA_FILE"),
        mail_from_name=_str("BOOKMYSEAT_MAIL_FROM_NAME", "BookMySeat"),
        mail_from_address=_str("BOOKMYSEAT_MAIL_FROM"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
