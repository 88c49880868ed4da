"""The one confirmation asked before a booking is cancelled, by its customer or by staff: the
booking's reference, what cancelling gives back (the state's `ask_text`), keep or go on."""

from __future__ import annotations

import reflex as rx


def cancel_confirmation(state: type[rx.State], keep: str, go_on: str) -> rx.Component:
    """For a state with `asking` (the reference waiting for a yes, "" for none), `ask_text`,
    `keep(is_open)` and `cancel(reference)`."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Cancel booking " + state.asking + "?"),
            rx.alert_dialog.description(state.ask_text, data_testid="cancel-terms"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(keep, variant="soft")),
                rx.alert_dialog.action(
                    rx.button(go_on, color_scheme="red", on_click=state.cancel(state.asking))
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
        open=state.asking != "",
        on_open_change=state.keep,
    )
