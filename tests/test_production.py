"""Production mode that cannot be misconfigured: every setting is checked when it is read (one
line naming the variable, never a traceback), and BOOKMYSEAT_ENV=production refuses to start with
payments that would be free, ticket codes anyone could forge, a public address without https or
demo accounts present; it warns about SQLite and a missing SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bookmyseat.production import UnsafeToStart, refuse_if_unsafe
from bookmyseat.services.demo.data import load_demo_data
from bookmyseat.settings import (
    DEV_SECRET_KEY,
    SettingsError,
    effective,
    load_settings,
    production_problems,
    with_changes,
)
from tests.databases import empty_tables

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAFE = {
    "environment": "production",
    "stripe_secret_key": "sk_live_standin_0123456789",
    "stripe_webhook_secret": "whsec_standin_0123456789",
    "secret_key": "k" * 48,
    "public_url": "https://tickets.example",
    "smtp_host": "smtp.example",
    "database_url": "postgresql+psycopg://db.example/bookmyseat",
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
        ({"public_url": "http://tickets.example"}, "BOOKMYSEAT_PUBLIC_URL", "not https"),
    ],
)  # fmt: skip
def test_production_refuses_each_unsafe_setting(change: dict, variable: str, words: str) -> None:
    unsafe = with_changes(load_settings(), **SAFE | change)
    [problem] = [p for p in production_problems(unsafe) if p.level == "error"]
    assert (problem.variable, words in problem.message) == (variable, True)
    with pytest.raises(UnsafeToStart, match=variable):
        refuse_if_unsafe(unsafe, engine=None)


def test_production_warns_about_sqlite_and_no_smtp(caplog) -> None:
    settings = with_changes(
        load_settings(), **SAFE | {"smtp_host": "", "database_url": "sqlite:///x.db"}
    )
    assert {(p.level, p.variable) for p in production_problems(settings)} == {
        ("warning", "BOOKMYSEAT_SMTP_HOST"),
        ("warning", "BOOKMYSEAT_DB_URL"),
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
