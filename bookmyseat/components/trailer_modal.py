"""The trailer in a modal. The player exists only while the modal is open, so closing it
(button, Escape or a click outside) removes the iframe and no sound goes on."""

from __future__ import annotations

import reflex as rx


def trailer_modal(title: rx.Var, src: rx.Var, is_open: rx.Var, on_open_change) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("play"), "Watch trailer", size="3", variant="soft"),
        ),
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(title + " — trailer", size="4", margin="0"),
                rx.spacer(),
                rx.dialog.close(
                    rx.icon_button(rx.icon("x"), variant="ghost", aria_label="Close trailer"),
                ),
                align="center",
                margin_bottom="0.75em",
            ),
            rx.cond(
                is_open,
                rx.box(
                    rx.el.iframe(
                        src=src,
                        title=title + " trailer",
                        allow="autoplay; encrypted-media; picture-in-picture",
                        allow_full_screen=True,
                        style={
                            "position": "absolute",
                            "inset": "0",
                            "width": "100%",
                            "height": "100%",
                            "border": "0",
                        },
                    ),
                    position="relative",
                    width="100%",
                    padding_top="56.25%",
                ),
            ),
            max_width="960px",
            width="95vw",
        ),
        open=is_open,
        on_open_change=on_open_change,
    )
