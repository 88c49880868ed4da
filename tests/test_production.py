"""Production mode that cannot be misconfigured: every setting is checked when it is read (one
line naming the variable, never a traceback), and BOOKMYSEAT_ENV=production refuses to start with
payments that would be free, ticket codes anyone could forge, a public address without https or
demo accounts present; it warns about SQLite and a missing SMTP server."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from sqlalchemy import select

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Role, User
from bookmyseat.server.production_gate import UnsafeToStart, demo_accounts_present, refuse_if_unsafe
from bookmyseat.services.demo.data import demo_usernames, load_demo_data
from bookmyseat.services.demo.history import CUSTOMER_PASSWORD
from bookmyseat.settings import (
    DEV_SECRET_KEY,
    MIN_SECRET_KEY_BITS,
    SettingsError,
    effective,
    load_settings,
    production_problems,
    secret_key_bits,
    with_changes,
)
from tests.databases import empty_tables

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAFE = {
    "environment": "production",
    "stripe_secret_key": "sk_live_standin_0123456789",
    "stripe_webhook_secret": "whsec_standin_0123456789",
    "secret_key": "Zx81vQm2-pL0aT9cW4eRr7yUo3iK5nB6gH1jF8dS2qE",  # token_urlsafe(32)'s kind
    "public_url": "https://tickets.example",
    "smtp_host": "smtp.example",
    "database_url": "postgresql+psycopg://db.example/bookmyseat",
    "metrics_token": "t" * 40,
}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOOKMYSEAT_HOLD_MINUTES", "ten"),
        ("BOOKMYSEAT_HOLD_MINUTES", "0"),
        ("BOOKMYSEAT_SMTP_PORT", "99999"),
        ("BOOKMYSEAT_TIMEZONE", "Mars/Olympus"),
        ("BOOKMYSEAT_PUBLIC_URL", "tickets.example"),
        ("BOOKMYSEAT_ENV", "prod"),
        ("BOOKMYSEAT_SMTP_SECURITY", "tls"),
        ("BOOKMYSEAT_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local"),
        ("BOOKMYSEAT_TRUSTED_PROXIES", "10.0.0.300"),
    ],
)
def test_a_bad_value_names_its_variable(monkeypatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).startswith(f"{variable}={value}: ")
    assert "\n" not in str(refused.value)


def run(*command: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKMYSEAT_", "STRIPE_"))}
    return subprocess.run(
        [sys.executable, *command], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_start_up_stops_with_one_line_and_no_traceback() -> None:
    for command in (["-m", "bookmyseat.manage", "check"], ["-c", "import rxconfig"]):
        result = run(*command, BOOKMYSEAT_HOLD_MINUTES="ten")
        assert result.returncode == 2, result
        lines = [line for line in result.stderr.splitlines() if "HOLD_MINUTES" in line]
        assert lines == ["BOOKMYSEAT_HOLD_MINUTES=ten: Input should be a valid integer, "
                         "unable to parse string as an integer"]  # fmt: skip
        assert "Traceback" not in result.stderr


def test_check_prints_the_configuration_with_secrets_masked() -> None:
    result = run("-m", "bookmyseat.manage", "check", BOOKMYSEAT_SECRET_KEY="s" * 40,
                 STRIPE_SECRET_KEY="sk_test_abcdefghijklmnop")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "BOOKMYSEAT_HOLD_MINUTES=10" in result.stdout
    assert "s" * 40 not in result.stdout and "abcdefghijklmnop" not in result.stdout
    assert "BOOKMYSEAT_SECRET_KEY=ssss… (40 characters)" in result.stdout
    assert "WARNING: BOOKMYSEAT_SMTP_HOST" in result.stdout


@pytest.mark.parametrize(
    ("change", "variable", "words"),
    [
        ({"stripe_secret_key": "", "stripe_webhook_secret": ""}, "STRIPE_SECRET_KEY", "away"),
        ({"stripe_webhook_secret": ""}, "STRIPE_WEBHOOK_SECRET", "half configured"),
        ({"stripe_secret_key": ""}, "STRIPE_SECRET_KEY", "half configured"),
        ({"secret_key": DEV_SECRET_KEY}, "BOOKMYSEAT_SECRET_KEY", "development default"),
        ({"secret_key": "short-but-not-default"}, "BOOKMYSEAT_SECRET_KEY", "shorter than 32"),
        ({"secret_key": "a" * 32}, "BOOKMYSEAT_SECRET_KEY", "easy to guess"),
        ({"public_url": "http://tickets.example"}, "BOOKMYSEAT_PUBLIC_URL", "not https"),
    ],
)  # fmt: skip
def test_production_refuses_each_unsafe_setting(change: dict, variable: str, words: str) -> None:
    unsafe = with_changes(load_settings(), **SAFE | change)
    [problem] = [p for p in production_problems(unsafe) if p.level == "error"]
    assert (problem.variable, words in problem.message) == (variable, True)
    with pytest.raises(UnsafeToStart, match=variable):
        refuse_if_unsafe(unsafe, engine=None)


def test_production_warns_about_sqlite_no_smtp_and_no_metrics_token(caplog) -> None:
    unready = {"smtp_host": "", "database_url": "sqlite:///x.db", "metrics_token": ""}
    settings = with_changes(load_settings(), **SAFE | unready)
    assert {(p.level, p.variable) for p in production_problems(settings)} == {
        ("warning", "BOOKMYSEAT_SMTP_HOST"),
        ("warning", "BOOKMYSEAT_DB_URL"),
        ("warning", "BOOKMYSEAT_METRICS_TOKEN"),
    }
    assert [p for p in production_problems(with_changes(load_settings(), **SAFE))] == []


def test_production_refuses_demo_accounts_in_the_database(engine, settings) -> None:
    empty_tables(engine)
    safe = with_changes(load_settings(), **SAFE)
    refuse_if_unsafe(safe, engine)  # an empty database: nothing to refuse
    load_demo_data(settings=settings, engine=engine)
    with pytest.raises(UnsafeToStart, match="demo accounts with published passwords"):
        refuse_if_unsafe(safe, engine)
    refuse_if_unsafe(with_changes(safe, environment="development"), engine)  # dev is friendly


def test_production_refuses_a_database_it_cannot_check(tmp_path) -> None:
    """Not migrated (or unreachable): demo accounts cannot be ruled out, so it will not start."""
    from bookmyseat.db import make_engine

    unmigrated = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(UnsafeToStart, match="cannot be read to check for demo accounts"):
            refuse_if_unsafe(with_changes(load_settings(), **SAFE), unmigrated)
    finally:
        unmigrated.dispose()


def test_the_app_will_not_start_in_production_with_the_defaults() -> None:
    result = run("-c", "import bookmyseat.bookmyseat", BOOKMYSEAT_ENV="production")
    assert result.returncode != 0
    assert "BookMySeat will not start in production:" in result.stderr
    assert "ERROR: STRIPE_SECRET_KEY" in result.stderr and "Traceback" not in result.stderr


def test_effective_configuration_lists_every_variable_once() -> None:
    shown = effective(load_settings())
    assert "BOOKMYSEAT_DB_URL" in shown and "STRIPE_WEBHOOK_SECRET" in shown
    assert len(shown) == len(set(shown))


@pytest.mark.parametrize(
    "key",
    [
        "a" * 32,
        "k" * 48,
        "ab" * 20,
        "passwordpasswordpasswordpassword",
        "0123456789abcdef0123456789abcdef",
        "abcdefghijklmnopqrstuvwxyz0123456789",
        "thisismysupersecretkeyforbookmyseat",
        "Bookmyseat-Production-Secret-Key-2026!",
        "qwertyuiopasdfghjklzxcvbnmqwertyuiop",
        DEV_SECRET_KEY + "-but-longer",
    ],
)
def test_a_key_easy_to_guess_is_refused_whatever_its_length(key: str) -> None:
    assert len(key.encode()) >= 32 and secret_key_bits(key) < MIN_SECRET_KEY_BITS
    [problem] = production_problems(with_changes(load_settings(), **SAFE | {"secret_key": key}))
    assert problem.variable == "BOOKMYSEAT_SECRET_KEY" and "easy to guess" in problem.message


def test_random_keys_as_the_docs_make_them_pass() -> None:
    """`python -c 'import secrets; print(secrets.token_urlsafe(32))'`, `openssl rand -hex 32`,
    `openssl rand -base64 32` and the README's token_urlsafe(48), fifty of each."""
    import base64

    makers = [
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_hex(32),
        lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
        lambda: secrets.token_urlsafe(48),
    ]
    for make in makers:
        for _ in range(50):
            key = make()
            assert secret_key_bits(key) >= MIN_SECRET_KEY_BITS, key
            settings = with_changes(load_settings(), **SAFE | {"secret_key": key})
            assert production_problems(settings) == []


def test_every_account_the_demo_data_makes_is_a_demo_account(engine, settings) -> None:
    """The gate's list is the demo data's own: whatever accounts loading it makes (its
    customers, staff and the history's 40 fans) are exactly the ones production refuses."""
    empty_tables(engine)
    load_demo_data(days=1, history_days=1, settings=settings, engine=engine)
    with read_session(engine) as session:
        made = set(session.execute(select(User.username)).scalars())
    assert made == set(demo_usernames()) and len(made) == 43
    assert demo_accounts_present(engine) == sorted(made)


def test_a_demo_fan_alone_stops_production_and_a_real_fan_does_not(engine) -> None:
    """The history's customers share one password printed in the README."""
    empty_tables(engine)
    safe = with_changes(load_settings(), **SAFE)
    with write_session(engine) as session:
        session.add(User(username="fan_07", email="fan_07@example.com", password_hash="x",
                         role=Role.CUSTOMER))  # fmt: skip
    refuse_if_unsafe(safe, engine)  # a real customer's name: nothing to refuse
    with write_session(engine) as session:
        session.add(User(username="demo_fan_07", email="f7@example.com", password_hash="x",
                         role=Role.CUSTOMER))  # fmt: skip
    with pytest.raises(UnsafeToStart, match=r"published passwords exist \(demo_fan_07\)"):
        refuse_if_unsafe(safe, engine)
    with open(os.path.join(ROOT, "README.md")) as readme:
        assert CUSTOMER_PASSWORD in readme.read()
