"""SMTP settings from the environment: ports and security, credentials with stray spaces."""

from __future__ import annotations

import pytest

from bookmyseat.settings import Settings, load_settings, with_changes
from tests.conftest import World
from tests.smtp_server import Authenticator, free_port, smtp_server


def test_defaults_to_starttls_on_587_and_ssl_on_465(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKMYSEAT_SMTP_HOST", "smtp.gmail.com")
    monkeypatch.delenv("BOOKMYSEAT_SMTP_PORT", raising=False)
    monkeypatch.delenv("BOOKMYSEAT_SMTP_SECURITY", raising=False)
    plain = load_settings()
    assert (plain.smtp_port, plain.smtp_security, plain.smtp_configured) == (587, "starttls", True)
    monkeypatch.setenv("BOOKMYSEAT_SMTP_PORT", "465")
    assert load_settings().smtp_security == "ssl"
    monkeypatch.setenv("BOOKMYSEAT_SMTP_HOST", "")
    assert not load_settings().smtp_configured


def test_a_gmail_style_app_password_loses_its_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKMYSEAT_SMTP_USER", "  box.office@gmail.com ")
    monkeypatch.setenv("BOOKMYSEAT_SMTP_PASSWORD", " abcd efgh ijkl mnop ")
    settings = load_settings()
    assert settings.smtp_user == "box.office@gmail.com"
    assert settings.smtp_password == "abcdefghijklmnop"
    assert settings.sender_address == "box.office@gmail.com"


def test_the_sender_logs_in_with_the_cleaned_credentials(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bookmyseat.services.mail import outbox

    monkeypatch.setenv("BOOKMYSEAT_SMTP_USER", "box.office@example.com")
    monkeypatch.setenv("BOOKMYSEAT_SMTP_PASSWORD", "abcd efgh ijkl mnop")
    port = free_port()
    from_env = load_settings()
    mail = with_changes(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_user=from_env.smtp_user,
        smtp_password=from_env.smtp_password,
    )
    world.pay(world.hold(world.alice, "C1"))
    login = Authenticator("box.office@example.com", "abcdefghijklmnop")
    with smtp_server(port, authenticator=login) as mailbox:
        report = outbox.deliver_due(settings=mail, engine=world.engine)
    assert login.tried == [("box.office@example.com", "abcdefghijklmnop")]
    assert len(report.sent) == 1 and len(mailbox.messages) == 1
    assert mailbox.envelopes[0][0] == "box.office@example.com"
