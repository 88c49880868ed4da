"""Ticket codes and their QR images.

A ticket code names the booking by its unguessable reference and carries an HMAC of it made with
the site's secret key: the door scanner can verify a code offline, and a code altered in any
character, or made up, is refused. Sequential ids never leave the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io

import segno

PREFIX = "BMS1"
_SIGNATURE_BYTES = 12  # 96 bits: forging one by guessing is out of reach


def _signature(reference: str, secret_key: str) -> str:
    digest = hmac.new(
        secret_key.encode(), f"{PREFIX}.{reference}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest[:_SIGNATURE_BYTES]).decode().rstrip("=")


def ticket_code(reference: str, secret_key: str) -> str:
    """The code printed under the QR and encoded in it: BMS1-<reference>-<signature>."""
    return f"{PREFIX}-{reference}-{_signature(reference, secret_key)}"


def verify_ticket_code(code: str, secret_key: str) -> str | None:
    """The booking reference if the code is genuine, else None (never raises on bad input)."""
    parts = code.strip().split("-")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isalnum():
        return None
    expected = _signature(parts[1], secret_key)
    return parts[1] if hmac.compare_digest(parts[2], expected) else None


def qr_png(code: str) -> bytes:
    """The code as a QR image (PNG), big enough for a phone screen held up to a door scanner."""
    buffer = io.BytesIO()
    segno.make(code, error="m", micro=False).save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def qr_svg(code: str) -> bytes:
    """The code as a QR image (SVG) for the ticket on screen: sharp at any size, dark on light
    whatever the page's theme, with the quiet zone scanners need."""
    buffer = io.BytesIO()
    segno.make(code, error="m", micro=False).save(
        buffer, kind="svg", scale=8, border=4, dark="#000", light="#fff", xmldecl=False,
        title="Ticket QR code",
    )  # fmt: skip
    return buffer.getvalue()
