"""Every setting, typed, checked and documented in one place, read from the environment (and a
git-ignored `.env`) with pydantic-settings.

A value that cannot be used stops start-up with one line naming the variable (`SettingsError`).
`production_problems` lists what `BOOKMYSEAT_ENV=production` refuses to run with (payments that
would be free, ticket codes anyone could forge, a public address without https) and what it only
warns about; `python -m bookmyseat.manage check` prints the effective configuration, secrets
masked, and every problem.
"""

from __future__ import annotations

import ipaddress
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TIMEZONE = "Asia/Kolkata"  # the site's, and a new cinema's unless staff say otherwise
DEV_SECRET_KEY = "dev-only-not-secret-change-me"
MIN_SECRET_KEY_BYTES = 32
MIN_SECRET_KEY_BITS = 120  # a random key of 32 bytes scores 137 or more (see secret_key_bits)
SECRETS = (
    "secret_key",
    "stripe_secret_key",
    "stripe_webhook_secret",
    "smtp_password",
    "metrics_token",
)


def default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'data' / 'bookmyseat.db'}"


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _env(name: str, *more: str) -> AliasChoices:
    return AliasChoices(name, *more)


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(text: str) -> tuple[IPNetwork, ...]:
    """`10.0.0.0/8, 127.0.0.1, ::1` as networks (an address is a network of one); ValueError
    naming the first entry that is neither."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return tuple(networks)


class Settings(BaseSettings):
    """Runtime configuration: `get_settings()` in the app, `load_settings()` after env changes.
    Each field names its environment variable; tests make variants with `model_copy(update=…)`."""

    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        str_strip_whitespace=True,
    )

    environment: Literal["development", "production", "test"] = Field(
        "development",
        validation_alias=_env("BOOKMYSEAT_ENV"),
        description="`production` refuses to start unsafe (see production_problems)",
    )
    database_url: str = Field(
        default_factory=default_database_url,
        validation_alias=_env("BOOKMYSEAT_DB_URL", "REFLEX_DB_URL"),
        description="postgresql://user@host/db in production; a SQLite file by default",
    )
    database_pool_size: int = Field(
        10, ge=1, le=200, validation_alias=_env("BOOKMYSEAT_DB_POOL_SIZE"),
        description="database connections per backend worker (and as many more at a peak)",
    )  # fmt: skip
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1, le=64,
        validation_alias=_env("BOOKMYSEAT_WORKERS"),
        description="backend worker processes (with Redis); one per core by default",
    )  # fmt: skip
    redis_url: str = Field(
        "",
        validation_alias=_env("REFLEX_REDIS_URL"),
        description="Redis for UI state shared by several backend workers",
    )
    hold_minutes: int = Field(
        10, ge=1, le=60, validation_alias=_env("BOOKMYSEAT_HOLD_MINUTES"),
        description="how long seats are held before payment",
    )  # fmt: skip
    max_seats_per_booking: int = Field(
        10, ge=1, le=50, validation_alias=_env("BOOKMYSEAT_MAX_SEATS"),
        description="seats per booking",
    )  # fmt: skip
    # 600: bench/onsale.py --arrivals 2000 kept its floor at this pace on 2 cores (one app
    # server, two workers); the holds route answered 126 holds/s there, about 3 attempts a
    # customer, so the engine's own ceiling is some 2,500 customers a minute.
    queue_per_minute: int = Field(
        600, ge=1, le=100_000, validation_alias=_env("BOOKMYSEAT_QUEUE_PER_MINUTE"),
        description="an on-sale line's admissions a minute, unless staff set another",
    )  # fmt: skip
    queue_admission_minutes: int = Field(
        10, ge=1, le=120, validation_alias=_env("BOOKMYSEAT_QUEUE_ADMISSION_MINUTES"),
        description="how long a customer let in from an on-sale line may take to hold seats",
    )  # fmt: skip
    # While a show's line runs: seats one account may have of it, held and paid (0: the
    # booking limit, max_seats_per_booking), and whether its admission ends at its first
    # paid booking of the show (a turn buys once; the next in line get theirs).
    queue_seats_per_account: int = Field(
        0, ge=0, le=50, validation_alias=_env("BOOKMYSEAT_QUEUE_SEATS_PER_ACCOUNT"),
        description="seats of a show one account may have while its on-sale line runs "
        "(0: the booking limit)",
    )  # fmt: skip
    queue_one_purchase: bool = Field(
        True, validation_alias=_env("BOOKMYSEAT_QUEUE_ONE_PURCHASE"),
        description="an on-sale line's admission ends at the account's first paid booking",
    )  # fmt: skip
    # Holds from one client address (an IPv4 address, or an IPv6 /64), whatever the accounts:
    # three times an account's allowance, room for an office or a carrier's NAT where several
    # customers book the same show at the same moment, while one client with throwaway
    # accounts holds a few percent of a big screen, not most of it.
    hold_seats_per_address: int = Field(
        30, ge=1, le=10_000, validation_alias=_env("BOOKMYSEAT_HOLD_SEATS_PER_ADDRESS"),
        description="unpaid seats of one show held from one client address at once",
    )  # fmt: skip
    open_holds_per_address: int = Field(
        10, ge=1, le=10_000, validation_alias=_env("BOOKMYSEAT_OPEN_HOLDS_PER_ADDRESS"),
        description="unpaid holds from one client address at once, all shows",
    )  # fmt: skip
    hold_cooldown_minutes: int = Field(
        5, ge=0, le=120, validation_alias=_env("BOOKMYSEAT_HOLD_COOLDOWN_MINUTES"),
        description="after an account's hold of a show ran out unpaid, it may hold that "
        "show again only this much later (0: at once)",
    )  # fmt: skip
    cancel_cutoff_minutes: int = Field(
        120, ge=0, le=7 * 24 * 60, validation_alias=_env("BOOKMYSEAT_CANCEL_CUTOFF_MINUTES"),
        description="customers may cancel until this long before the show",
    )  # fmt: skip
    convenience_fee_paise_per_seat: int = Field(
        3000, ge=0, le=1_000_000, validation_alias=_env("BOOKMYSEAT_FEE_PAISE_PER_SEAT"),
        description="convenience fee per seat, in paise",
    )  # fmt: skip
    currency: str = Field(
        "inr", pattern=r"^[a-zA-Z]{3}$", validation_alias=_env("BOOKMYSEAT_CURRENCY"),
        description="ISO 4217 code of the prices",
    )  # fmt: skip
    default_timezone: str = Field(
        DEFAULT_TIMEZONE, validation_alias=_env("BOOKMYSEAT_TIMEZONE"),
        description="the site's time zone (a new cinema's unless staff say otherwise)",
    )  # fmt: skip
    secret_key: str = Field(
        DEV_SECRET_KEY, validation_alias=_env("BOOKMYSEAT_SECRET_KEY"),
        description=f"signs ticket codes: at least {MIN_SECRET_KEY_BYTES} random bytes",
    )  # fmt: skip
    public_url: str = Field(
        "http://localhost:3000", validation_alias=_env("BOOKMYSEAT_PUBLIC_URL"),
        description="the site's address, for links in emails and Stripe's return",
    )  # fmt: skip
    metrics_token: str = Field(
        "", validation_alias=_env("BOOKMYSEAT_METRICS_TOKEN"),
        description="a bearer token /metrics asks for (without it, none in production, and "
        "only this machine elsewhere)",
    )  # fmt: skip
    stripe_secret_key: str = Field("", validation_alias=_env("STRIPE_SECRET_KEY"))
    stripe_webhook_secret: str = Field("", validation_alias=_env("STRIPE_WEBHOOK_SECRET"))
    stripe_api_base: str = Field(
        "", validation_alias=_env("BOOKMYSEAT_STRIPE_API_BASE"),
        description="another address for Stripe's API (the tests' stand-in)",
    )  # fmt: skip
    stripe_timeout_seconds: float = Field(
        20.0, gt=0, le=120, validation_alias=_env("BOOKMYSEAT_STRIPE_TIMEOUT_SECONDS"),
        description="one request to Stripe; the SDK retries twice more",
    )  # fmt: skip
    smtp_host: str = Field(
        "", validation_alias=_env("BOOKMYSEAT_SMTP_HOST"),
        description="without it mail waits in the outbox",
    )  # fmt: skip
    smtp_port: int = Field(587, ge=1, le=65535, validation_alias=_env("BOOKMYSEAT_SMTP_PORT"))
    smtp_security: Literal["starttls", "ssl", "none", ""] = Field(
        "", validation_alias=_env("BOOKMYSEAT_SMTP_SECURITY"),
        description="starttls, ssl or none; by default ssl on 465, starttls elsewhere",
    )  # fmt: skip
    smtp_user: str = Field("", validation_alias=_env("BOOKMYSEAT_SMTP_USER"))
    smtp_password: str = Field(
        "", validation_alias=_env("BOOKMYSEAT_SMTP_PASSWORD"),
        description="for Gmail an app password (its spaces are removed)",
    )  # fmt: skip
    smtp_ca_file: str = Field(
        "", validation_alias=_env("BOOKMYSEAT_SMTP_CA_FILE"),
        description="a CA to trust besides the system's (a relay's own certificate)",
    )  # fmt: skip
    upload_dir: Path = Field(
        PROJECT_ROOT / "data", validation_alias=_env("BOOKMYSEAT_UPLOAD_DIR"),
        description="where uploaded posters are kept (under posters/)",
    )  # fmt: skip
    poster_storage: Literal["folder", "database"] = Field(
        "folder", validation_alias=_env("BOOKMYSEAT_POSTER_STORAGE"),
        description="folder (one machine) or database (several app servers) for uploaded posters",
    )  # fmt: skip
    staff_two_factor: bool = Field(
        False, validation_alias=_env("BOOKMYSEAT_STAFF_TWO_FACTOR"),
        description="admins and auditors must use two-factor sign-in (always so in production)",
    )  # fmt: skip
    trusted_proxies: str = Field(
        "", validation_alias=_env("BOOKMYSEAT_TRUSTED_PROXIES"),
        description="the reverse proxies in front, comma-separated addresses or networks "
        "(e.g. 127.0.0.1,10.0.0.0/8): only their X-Forwarded-For names the client",
    )  # fmt: skip
    retired_proxy_hops: str = Field(
        "", validation_alias=_env("BOOKMYSEAT_TRUSTED_PROXY_HOPS"),
        description="retired: counted hops trusted whoever connected; name the proxies instead",
    )  # fmt: skip
    sockets_per_address: int = Field(
        20, ge=1, le=10_000, validation_alias=_env("BOOKMYSEAT_SOCKETS_PER_ADDRESS"),
        description="open websockets one client address may hold, per backend worker",
    )  # fmt: skip
    sockets_per_worker: int = Field(
        4000, ge=10, le=100_000, validation_alias=_env("BOOKMYSEAT_SOCKETS_PER_WORKER"),
        description="open websockets one backend worker holds at most (pages: ~0.3 MB each)",
    )  # fmt: skip
    socket_join_seconds: float = Field(
        15.0, gt=0, le=300, validation_alias=_env("BOOKMYSEAT_SOCKET_JOIN_SECONDS"),
        description="a websocket that has not joined the app (sent its page) by then is closed",
    )  # fmt: skip
    connects_burst: int = Field(
        20, ge=1, le=10_000, validation_alias=_env("BOOKMYSEAT_CONNECTS_BURST"),
        description="websocket connects (and page hydrations) one client address may make at "
        "once, per backend worker, before BOOKMYSEAT_CONNECTS_PER_SECOND applies",
    )  # fmt: skip
    connects_per_second: float = Field(
        1.0, gt=0, le=1000, validation_alias=_env("BOOKMYSEAT_CONNECTS_PER_SECOND"),
        description="websocket connects (and hydrations) one client address may make a second, "
        "per backend worker, after its burst",
    )  # fmt: skip
    bodies_per_address: int = Field(
        4, ge=1, le=10_000, validation_alias=_env("BOOKMYSEAT_BODIES_PER_ADDRESS"),
        description="request bodies one client address may stream in at once, per worker",
    )  # fmt: skip
    bodies_per_worker: int = Field(
        64, ge=1, le=100_000, validation_alias=_env("BOOKMYSEAT_BODIES_PER_WORKER"),
        description="request bodies one backend worker reads at once, from everyone",
    )  # fmt: skip
    upload_max_kb: int = Field(
        2_500, ge=100, le=100_000, validation_alias=_env("BOOKMYSEAT_UPLOAD_MAX_KB"),
        description="largest upload request (a poster), refused while it streams in",
    )  # fmt: skip
    webhook_max_kb: int = Field(
        1_000, ge=64, le=10_000, validation_alias=_env("BOOKMYSEAT_WEBHOOK_MAX_KB"),
        description="largest Stripe webhook body, refused while it streams in",
    )  # fmt: skip
    require_verified_email: bool | None = Field(
        None, validation_alias=_env("BOOKMYSEAT_REQUIRE_VERIFIED_EMAIL"),
        description="accounts confirm their email address before a first seat hold "
        "(unset: on in production, off otherwise)",
    )  # fmt: skip
    mail_from_name: str = Field("BookMySeat", validation_alias=_env("BOOKMYSEAT_MAIL_FROM_NAME"))
    mail_from_address: str = Field("", validation_alias=_env("BOOKMYSEAT_MAIL_FROM"))

    @field_validator("database_url")
    @classmethod
    def _driver(cls, url: str) -> str:
        return normalize_database_url(url or default_database_url())

    @field_validator("currency")
    @classmethod
    def _lower(cls, code: str) -> str:
        return code.lower()

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return url.rstrip("/")

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{name!r} is not a time zone (e.g. {DEFAULT_TIMEZONE})") from exc
        return name

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, text: str) -> str:
        return ",".join(str(network) for network in proxy_networks(text))

    @field_validator("retired_proxy_hops")
    @classmethod
    def _retired(cls, value: str) -> str:
        if value:
            raise ValueError(
                "retired: set BOOKMYSEAT_TRUSTED_PROXIES to the proxies' addresses instead"
            )
        return value

    @field_validator("smtp_user", "smtp_password")
    @classmethod
    def _no_spaces(cls, value: str) -> str:
        """Credentials copied from a provider's page often carry spaces (Gmail shows app
        passwords as four groups of four); no valid user name or password contains one."""
        return "".join(value.split())

    @model_validator(mode="after")
    def _security_by_port(self) -> Settings:
        if not self.smtp_security:
            object.__setattr__(
                self, "smtp_security", "ssl" if self.smtp_port == 465 else "starttls"
            )
        return self

    @property
    def smtp_configured(self) -> bool:
        """Without an SMTP host the outbox keeps every message and nothing is sent."""
        return bool(self.smtp_host)

    @property
    def sender_address(self) -> str:
        return self.mail_from_address or self.smtp_user or "tickets@bookmyseat.local"

    @property
    def demo_payments(self) -> bool:
        """The demo gateway exists only while Stripe is not configured (production refuses that)."""
        return not (self.stripe_secret_key and self.stripe_webhook_secret)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return proxy_networks(self.trusted_proxies)

    @property
    def verified_email_required(self) -> bool:
        """Whether a seat hold needs a confirmed address (BOOKMYSEAT_REQUIRE_VERIFIED_EMAIL)."""
        if self.require_verified_email is None:
            return self.production
        return self.require_verified_email


# Posters uploaded in the admin area, served by /api/posters (the build's assets are fixed); read
# at import, as BOOKMYSEAT_UPLOAD_DIR above says.
UPLOADED_POSTERS = (
    Path(os.environ.get("BOOKMYSEAT_UPLOAD_DIR") or PROJECT_ROOT / "data") / "posters"
)


class SettingsError(Exception):
    """A setting that cannot be used; the message names the variable, one line each."""


def _variable_of(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return alias.choices[0] if isinstance(alias, AliasChoices) else field


def with_changes(settings: Settings, **changes: object) -> Settings:
    """A copy with some settings changed (tests, benches)."""
    return settings.model_copy(update=changes)


def load_settings() -> Settings:
    """Read the environment now (tests call this after changing variables)."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            name = _variable_of(field) if field in Settings.model_fields else field
            value = os.environ.get(name, error.get("input", ""))
            lines.append(f"{name}={value!s}: {error['msg']}")
        raise SettingsError("\n".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()


@dataclass(frozen=True)
class Problem:
    level: Literal["error", "warning"]
    variable: str
    message: str

    def __str__(self) -> str:
        return f"{self.level.upper()}: {self.variable}: {self.message}"


NOT_CONFIGURED = "Stripe is not configured: the demo gateway would give tickets away"
HALF_CONFIGURED = "Stripe is half configured: set both keys, or payments go unconfirmed"
DEFAULT_KEY = "the development default: anyone could forge a ticket code"
SHORT_KEY = f"shorter than {MIN_SECRET_KEY_BYTES} bytes: a ticket code could be forged"
GUESSABLE_KEY = (
    "easy to guess (repeated characters, a sequence or words): a ticket code could be forged; "
    "use e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'` or "
    "`openssl rand -hex 32`"
)
NOT_HTTPS = "not https: sign-in cookies and payment returns would travel in clear text"
NO_SMTP = "no SMTP server: e-tickets wait in the outbox and nobody gets one"
ON_SQLITE = "SQLite: one machine, one writer at a time; use PostgreSQL"
NO_METRICS_TOKEN = "no metrics token: /metrics answers nobody (404) in production"


def secret_key_bits(key: str) -> float:
    """How hard the key is to guess, in bits: log2 of zxcvbn's estimate of the guesses, which
    finds repetitions, sequences, keyboard walks, dates and dictionary words (this site's name
    too) and counts what is left at 10 guesses a character. Length alone is no measure: 32 × `a`
    scores 9 bits, a sentence like `thisismysupersecretkeyforbookmyseat` 93. Random keys score
    far above MIN_SECRET_KEY_BITS: `secrets.token_urlsafe(32)` at least 137 (4,000 drawn),
    `openssl rand -base64 32` about 141 and `-hex 32` about 200. zxcvbn reads 72 characters at
    most, so a longer key is judged by its first 72 (the rest only adds)."""
    from zxcvbn import zxcvbn  # its word lists take 90 ms to load: only when a key is judged

    estimate = zxcvbn(key[:72], user_inputs=["bookmyseat", "book my seat", DEV_SECRET_KEY])
    return float(estimate["guesses_log10"]) / math.log10(2)


def production_problems(settings: Settings) -> list[Problem]:
    """What production refuses (errors) and what it only warns about. Demo accounts are checked
    against the database separately (`bookmyseat.manage check`, and at start-up)."""
    found = []
    keys = {"STRIPE_SECRET_KEY": settings.stripe_secret_key,
            "STRIPE_WEBHOOK_SECRET": settings.stripe_webhook_secret}  # fmt: skip
    missing = [name for name, value in keys.items() if not value]
    if len(missing) == 2:
        found.append(Problem("error", missing[0], NOT_CONFIGURED))
    elif missing:
        found.append(Problem("error", missing[0], HALF_CONFIGURED))
    if settings.secret_key == DEV_SECRET_KEY:
        found.append(Problem("error", "BOOKMYSEAT_SECRET_KEY", DEFAULT_KEY))
    elif len(settings.secret_key.encode()) < MIN_SECRET_KEY_BYTES:
        found.append(Problem("error", "BOOKMYSEAT_SECRET_KEY", SHORT_KEY))
    elif secret_key_bits(settings.secret_key) < MIN_SECRET_KEY_BITS:
        found.append(Problem("error", "BOOKMYSEAT_SECRET_KEY", GUESSABLE_KEY))
    if not settings.public_url.startswith("https://"):
        found.append(Problem("error", "BOOKMYSEAT_PUBLIC_URL", NOT_HTTPS))
    if not settings.smtp_configured:
        found.append(Problem("warning", "BOOKMYSEAT_SMTP_HOST", NO_SMTP))
    if settings.database_url.startswith("sqlite"):
        found.append(Problem("warning", "BOOKMYSEAT_DB_URL", ON_SQLITE))
    if not settings.metrics_token:
        found.append(Problem("warning", "BOOKMYSEAT_METRICS_TOKEN", NO_METRICS_TOKEN))
    return found


def effective(settings: Settings) -> dict[str, str]:
    """Every setting by its variable, secrets masked, for `manage check`."""
    shown = {}
    for field in Settings.model_fields:
        value = str(getattr(settings, field))
        if field in SECRETS and value:
            value = value[:4] + "…" + f" ({len(value)} characters)"
        shown[_variable_of(field)] = value
    return shown
