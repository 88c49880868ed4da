"""A real SMTP server on localhost for the mail tests (aiosmtpd), recording what it accepts."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default

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


@contextmanager
def smtp_server(
    port: int | None = None,
    mailbox: Mailbox | None = None,
    authenticator: Authenticator | None = None,
) -> Iterator[Mailbox]:
    mailbox = mailbox or Mailbox()
    extra = {"authenticator": authenticator, "auth_require_tls": False} if authenticator else {}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port or free_port(), **extra)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
