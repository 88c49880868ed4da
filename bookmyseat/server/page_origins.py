"""The origins the app's own pages are served from: the only ones whose websocket (python-socketio
checks its Origin against rxconfig's `cors_allowed_origins`), cross-origin reads (CORS) and
POSTs to the holds route (`api.from_elsewhere`) are accepted. A browser sends its page's origin
with each; another origin's page is another site's, even on another port of localhost, which is
the same *site* for the SameSite cookie and so gets the sign-in cookie sent along.

In production that is the public address alone. Elsewhere the pages are served from this
machine: also the addresses Reflex is told (REFLEX_API_URL, REFLEX_DEPLOY_URL) and the frontend
port (REFLEX_FRONTEND_PORT, set when `reflex run` is given `--frontend-port`; Reflex's 3000
otherwise), each under every name of this machine (localhost, 127.0.0.1, [::1]), since a
developer may type any of them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from bookmyseat.settings import Settings

REFLEX_FRONTEND_PORT = 3000  # Reflex's own default (reflex_base.constants.DefaultPorts)
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """`https://tickets.example` of `https://tickets.example:443/any/path`; None for what is no
    http(s) address."""
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = parts.port
    except ValueError:
        return None
    shown = "" if port in (None, DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{host}{shown}"


def _with_loopback_names(origin: str) -> list[str]:
    parts = urlsplit(origin)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    if host not in LOOPBACK_NAMES:
        return [origin]
    port = f":{parts.port}" if parts.port else ""
    return [f"{parts.scheme}://{name}{port}" for name in LOOPBACK_NAMES]


def page_origins(settings: Settings, environ: Mapping[str, str] = os.environ) -> list[str]:
    """The accepted origins (see the module), the public address first."""
    public = origin_of(settings.public_url)
    if settings.production:
        return [public] if public else []
    port = environ.get("REFLEX_FRONTEND_PORT") or str(REFLEX_FRONTEND_PORT)
    named = [
        settings.public_url,
        environ.get("REFLEX_API_URL", ""),
        environ.get("REFLEX_DEPLOY_URL", ""),
        f"http://localhost:{port}",
    ]
    found: list[str] = []
    for origin in filter(None, map(origin_of, named)):
        for each in _with_loopback_names(origin):
            if each not in found:
                found.append(each)
    return found
