"""The top bar shown on every page."""

from __future__ import annotations

import reflex as rx

from bookmyseat.state.auth import AuthState


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
        rx.cond(
            AuthState.username != "",
            rx.hstack(
                rx.cond(
                    (AuthState.role == "admin") | (AuthState.role == "auditor"),
                    rx.link("Admin", href="/admin", size="2"),
                ),
                rx.link("My bookings", href="/bookings", size="2"),
                rx.text(AuthState.username, size="2", data_testid="signed-in-as"),
                rx.button("Sign out", variant="ghost", on_click=AuthState.logout),
                align="center",
            ),
            rx.link("Sign in", href="/login"),
        ),
        rx.color_mode.button(aria_label="Switch between light and dark colours"),
        padding="0.75em 1em",
        border_bottom="1px solid var(--gray-a5)",
        width="100%",
        align="center",
    )
