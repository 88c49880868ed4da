"""The page for an address the site does not have: the site's own frame (banner, main area,
footer) and a way back, instead of Reflex's bare "404"."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.layout import not_found, page


def not_found_page() -> rx.Component:
    return page(not_found("Page not found", "See what is showing"), size="2")
