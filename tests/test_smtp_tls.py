"""Mail over TLS, as Gmail and most providers want it: STARTTLS on 587 and TLS from the first byte
on 465, against a real server (aiosmtpd) with a self-signed certificate. The certificate and the
name are checked: a server we were not told to trust gets no mail (and no password)."""

from __future__ import annotations

import pytest

from bookmyseat.services.mail import outbox
from bookmyseat.settings import Settings, with_changes
from tests.conftest import World
from tests.smtp_server import (
    Authenticator,
    free_port,
    self_signed_certificate,
    server_tls,
    smtp_server,
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def over_tls(settings: Settings, port: int, security: str, ca_file: str) -> Settings:
    return with_changes(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=security,
        smtp_user="box.office@example.com",
        smtp_password="app-password",
        smtp_ca_file=ca_file,
    )


def deliver_over(world: World, settings: Settings, certificate, security: str, ca_file: str):
    """A paid booking's ticket sent to a TLS server (STARTTLS or TLS from the first byte) that
    presents `certificate`, trusting `ca_file`; the report, the login tries, the mailbox."""
    cert, key = certificate
    port = free_port()
    world.pay(world.hold(world.alice, "C1"))
    login = Authenticator("box.office@example.com", "app-password")
    tls = {"starttls" if security == "starttls" else "implicit_tls": server_tls(cert, key)}
    with smtp_server(port, authenticator=login, **tls) as mailbox:
        report = outbox.deliver_due(
            settings=over_tls(settings, port, security, ca_file), engine=world.engine
        )
    return report, login, mailbox


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tickets_go_out_over_tls_and_log_in_inside_it(
    world: World, settings: Settings, certificate, security: str
) -> None:
    report, login, mailbox = deliver_over(
        world, settings, certificate, security, str(certificate[0])
    )
    assert len(report.sent) == 1, report
    assert login.tried == [("box.office@example.com", "app-password")]
    assert [m["To"] for m in mailbox.messages] == ["alice@example.com"]


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_server_with_a_certificate_nobody_trusts_gets_nothing(
    world: World, settings: Settings, certificate, security: str
) -> None:
    report, login, mailbox = deliver_over(world, settings, certificate, security, ca_file="")
    assert report.sent == [] and len(report.retrying) == 1
    assert mailbox.messages == [] and login.tried == [], "the password went to a stranger"
    assert "CERTIFICATE_VERIFY_FAILED" in outbox_error(world)  # the reason, for staff to read


def outbox_error(world: World) -> str:
    from sqlalchemy import select

    from bookmyseat.db import read_session
    from bookmyseat.models import EmailOutbox

    with read_session(world.engine) as session:
        return session.execute(select(EmailOutbox.last_error)).scalar_one()
