"""A real SMTP server on localhost for the mail tests (aiosmtpd), recording what it accepts."""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mailbox:
    """Every message the server accepted, and the addresses it refuses (550)."""

    reject: set[str] = field(default_factory=set)
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


class Authenticator:
    """Accepts exactly one user name and password; remembers every login tried."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.tried: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        tried = (auth_data.login.decode(), auth_data.password.decode())
        self.tried.append(tried)
        return AuthResult(success=tried == (self.user, self.password))


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost signed by itself (openssl), and its key."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@contextmanager
def smtp_server(
    port: int | None = None,
    mailbox: Mailbox | None = None,
    authenticator: Authenticator | None = None,
    *,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
) -> Iterator[Mailbox]:
    """A server on 127.0.0.1: plain, offering STARTTLS (`starttls`, then requiring it), or
    speaking TLS from the first byte (`implicit_tls`, as on port 465)."""
    mailbox = mailbox or Mailbox()
    extra: dict = (
        {"authenticator": authenticator, "auth_require_tls": False} if authenticator else {}
    )
    if starttls is not None:
        extra |= {"tls_context": starttls, "require_starttls": True}
    if implicit_tls is not None:
        extra |= {"ssl_context": implicit_tls}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port or free_port(), **extra)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
