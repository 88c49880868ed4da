"""The top bar shown on every page."""

from __future__ import annotations

import reflex as rx


def navbar() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.hstack(
                rx.icon("clapperboard"),
                rx.text("BookMySeat", size="5", weight="bold"),
                align="center",
            ),
            href="/",
            underline="none",
        ),
        rx.spacer(),
        rx.color_mode.button(),
        padding="0.75em 1em",
        border_bottom="1px solid var(--gray-a5)",
        width="100%",
        align="center",
    )
