"""Reflex configuration; every value comes from bookmyseat.settings (the environment)."""

import os
import sys

import reflex as rx

from bookmyseat.server.page_origins import page_origins
from bookmyseat.server.patches import granian_tuning
from bookmyseat.settings import SettingsError, get_settings

try:
    _settings = get_settings()
except SettingsError as exc:  # one line a bad variable, never a traceback
    print(exc, file=sys.stderr)
    raise SystemExit(2) from None

# Backend workers: one per core unless said otherwise (Reflex's own default with Redis, two
# per core plus one, spends the cores on switching between workers).
if _settings.redis_url:
    os.environ.setdefault("GRANIAN_WORKERS", str(_settings.workers))
# Room in each worker for a crowd's kept-alive connections, and a bounded stop (see the module).
granian_tuning.install()

config = rx.Config(
    app_name="bookmyseat",
    db_url=_settings.database_url,
    redis_url=_settings.redis_url or None,
    # A state lock held over a second is normal in a rush (events queue behind each other), and
    # each warning is a rich console print on the event loop: thousands in an on-sale cost the
    # workers 5 % (bench/onsale.py's profile). Over 5 s still says something is wrong.
    redis_lock_warning_threshold=5000,
    telemetry_enabled=False,
    # The websocket and cross-origin reads are for the app's own pages only, in every mode
    # (bookmyseat.server.page_origins; python-socketio checks the websocket's Origin against these).
    cors_allowed_origins=page_origins(_settings),
    # Reflex takes the websocket's client address from the ASGI scope, which the app's outermost
    # layer has already resolved from BOOKMYSEAT_TRUSTED_PROXIES (bookmyseat.server.client_address):
    # counting hops itself would believe an X-Forwarded-For from anyone.
    trusted_proxy_hops=0,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.sitemap.SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="crimson", radius="medium"))],
)
