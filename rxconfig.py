"""Reflex configuration; every value comes from bookmyseat.settings (the environment)."""

import reflex as rx

from bookmyseat.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="bookmyseat",
    db_url=_settings.database_url,
    redis_url=_settings.redis_url or None,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.sitemap.SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="crimson", radius="medium"))],
)
