"""SMTP delivery through yagmail: STARTTLS on 587, SSL on 465, Gmail app passwords.

yagmail opens and authenticates the connection, over TLS that verifies the server's certificate
and name (smtplib alone would encrypt without checking who answers); the message itself is built by
`mail_messages` (our own MIME layout and Message-ID) and handed to that connection. Failures
come back as two kinds: permanent (the server refused the recipient or the message: retrying
cannot help) and transient (network, timeouts, 4xx: try again later).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

import yagmail

from bookmyseat.settings import Settings

SMTP_TIMEOUT_SECONDS = 20


class MailError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentMailError(MailError):
    """Retrying cannot help: the server rejected the recipient or the message."""


class TransientMailError(MailError):
    """The server could not be reached or asked us to come back later."""


def _reason(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"{exc.smtp_code} {text or exc.smtp_error}".strip()


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Certificates checked against the system's CAs, plus `smtp_ca_file` when one is set."""
    return ssl.create_default_context(cafile=settings.smtp_ca_file or None)


def send_email(message: EmailMessage, settings: Settings) -> None:
    """Deliver one message or raise PermanentMailError / TransientMailError."""
    tls = tls_context(settings) if settings.smtp_security != "none" else None
    client = yagmail.SMTP(
        user=settings.smtp_user or settings.sender_address,
        password=settings.smtp_password or None,
        host=settings.smtp_host,
        port=settings.smtp_port,
        smtp_ssl=settings.smtp_security == "ssl",
        smtp_starttls={"context": tls} if settings.smtp_security == "starttls" else False,
        smtp_skip_login=not settings.smtp_password,
        soft_email_validation=False,
        timeout=SMTP_TIMEOUT_SECONDS,
        **({"context": tls} if settings.smtp_security == "ssl" else {}),
    )
    try:
        client.login()
        refused = client.smtp.send_message(message, from_addr=settings.sender_address)
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = "; ".join(
            f"{to}: {code} {text.decode(errors='replace')}"
            for to, (code, text) in exc.recipients.items()
        )
        raise (TransientMailError if _all_temporary(exc) else PermanentMailError)(
            f"recipient refused ({reasons})"
        ) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise TransientMailError(f"SMTP login failed ({_reason(exc)}); check the settings") from exc
    except smtplib.SMTPResponseException as exc:
        kind = PermanentMailError if 500 <= exc.smtp_code < 600 else TransientMailError
        raise kind(_reason(exc)) from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TransientMailError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
    finally:
        client.close()
    if refused:
        raise PermanentMailError(f"recipient refused ({refused})")


def _all_temporary(exc: smtplib.SMTPRecipientsRefused) -> bool:
    return all(400 <= code < 500 for code, _ in exc.recipients.values())
