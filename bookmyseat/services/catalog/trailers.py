"""YouTube trailer URLs as people paste them, reduced to a video id (or nothing).

Accepted: watch?v=, youtu.be/, embed/, shorts/, live/, v/, m.youtube.com, music.youtube.com,
youtube-nocookie.com, extra query parameters and fragments, and a bare 11-character id.
Anything else yields None, so the "Watch trailer" button is simply not shown.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
PATH_PREFIXES = ("embed", "shorts", "live", "v", "e")


def youtube_video_id(url: str | None) -> str | None:
    """The 11-character video id in `url`, or None when it is not a YouTube video link."""
    if not url or not isinstance(url, str):
        return None
    text = url.strip()
    if VIDEO_ID.match(text):
        return text
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    candidate = None
    if host in ("youtu.be", "www.youtu.be"):
        candidate = segments[0] if segments else None
    elif host in YOUTUBE_HOSTS:
        if segments[:1] == ["watch"]:
            candidate = (parse_qs(parts.query).get("v") or [None])[0]
        elif len(segments) >= 2 and segments[0] in PATH_PREFIXES:
            candidate = segments[1]
    if candidate and VIDEO_ID.match(candidate):
        return candidate
    return None


def embed_url(video_id: str) -> str:
    """The privacy-enhanced player for a video id, starting on open."""
    return f"https://www.youtube-nocookie.com/embed/{video_id}?autoplay=1&rel=0"
