"""Posters: uploads checked by their bytes and stored under unguessable names, and the demo's
poster art drawn locally as SVG (no network, no image files in git)."""

from __future__ import annotations

import hashlib
import secrets
import textwrap
from html import escape
from pathlib import Path

from bookmyseat.services.errors import CustomerError

UPLOAD_MAX_BYTES = 2_000_000
UPLOAD_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"RIFF": "webp"}
UPLOAD_URL = "/api/posters/"


class PosterRefused(CustomerError):
    code = "poster_refused"


def poster_kind(data: bytes) -> str | None:
    """The image type by its first bytes (the file name and browser's word are not trusted)."""
    for magic, kind in UPLOAD_TYPES.items():
        if data.startswith(magic) and (kind != "webp" or data[8:12] == b"WEBP"):
            return kind
    return None


def check_upload(data: bytes) -> str:
    """The uploaded image's type, or a refusal saying what is wrong with it."""
    if len(data) > UPLOAD_MAX_BYTES:
        raise PosterRefused(f"The poster must be at most {UPLOAD_MAX_BYTES // 1_000_000} MB.")
    kind = poster_kind(data)
    if kind is None:
        raise PosterRefused("The poster must be a PNG, JPEG or WebP image.")
    return kind


def upload_name(slug: str, kind: str) -> str:
    """A checked upload's name, which nobody can guess (its URL is UPLOAD_URL + name)."""
    return f"{slug}-{secrets.token_hex(6)}.{kind}"


PALETTES = [
    ("#1f1c2c", "#928dab"),
    ("#0f2027", "#2c5364"),
    ("#42275a", "#734b6d"),
    ("#141e30", "#243b55"),
    ("#3a1c71", "#d76d77"),
    ("#134e5e", "#71b280"),
    ("#870000", "#190a05"),
    ("#232526", "#414345"),
    ("#c04848", "#480048"),
    ("#1d4350", "#a43931"),
]


def poster_svg(title: str, tagline: str, certificate: str) -> str:
    """A 2:3 poster with the title set large over a gradient chosen from the title."""
    digest = hashlib.sha256(title.encode()).digest()
    top, bottom = PALETTES[digest[0] % len(PALETTES)]
    lines = textwrap.wrap(title.upper(), width=12)[:4]
    title_svg = "".join(
        f'<text x="200" y="{300 + i * 58 - (len(lines) - 1) * 29}" text-anchor="middle" '
        f'font-family="Georgia, serif" font-size="50" font-weight="700" fill="#fff">'
        f"{escape(line)}</text>"
        for i, line in enumerate(lines)
    )
    circles = "".join(
        f'<circle cx="{digest[i] * 400 // 255}" cy="{digest[i + 1] * 600 // 255}" '
        f'r="{20 + digest[i + 2] % 90}" fill="#fff" fill-opacity="0.06"/>'
        for i in range(3, 24, 3)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 600" width="400" height="600">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/>'
        "</linearGradient></defs>"
        f'<rect width="400" height="600" fill="url(#g)"/>{circles}{title_svg}'
        f'<text x="200" y="470" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="18" fill="#fff" fill-opacity="0.85">{escape(tagline)}</text>'
        f'<rect x="330" y="24" width="46" height="30" rx="4" fill="none" stroke="#fff"/>'
        f'<text x="353" y="45" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="16" fill="#fff">{escape(certificate)}</text>'
        "</svg>"
    )


def write_poster(directory: Path, slug: str, title: str, tagline: str, certificate: str) -> str:
    """Write the poster if missing; return its public path (served from assets/)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{slug}.svg"
    if not path.exists():
        path.write_text(poster_svg(title, tagline, certificate), encoding="utf-8")
    return f"/posters/{slug}.svg"
