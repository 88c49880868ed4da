"""`/account/two-factor`: turn on two-factor sign-in, keep the recovery codes."""

from __future__ import annotations

import reflex as rx

from bookmyseat.pages.auth import card_page, error_callout, field
from bookmyseat.state.two_factor import TwoFactorState


def code_field() -> rx.Component:
    return field("Code from the app", "code", autocomplete="one-time-code", input_mode="numeric")


def recovery_codes() -> rx.Component:
    return rx.cond(
        TwoFactorState.recovery_codes.length() > 0,
        rx.callout(
            rx.vstack(
                rx.text(
                    "Your recovery codes. Each signs you in once if you lose your phone. "
                    "Keep them somewhere safe now: they are not shown again."
                ),
                rx.el.ul(
                    rx.foreach(
                        TwoFactorState.recovery_codes,
                        lambda code: rx.el.li(rx.code(code)),
                    ),
                    aria_label="Recovery codes",
                ),
            ),
            icon="key",
            color_scheme="green",
        ),
    )


def enrol() -> rx.Component:
    return rx.cond(
        TwoFactorState.qr != "",
        rx.form(
            rx.vstack(
                rx.text("Scan this code with an authenticator app, then enter the code it shows."),
                rx.image(
                    src=TwoFactorState.qr,
                    alt="QR code for your authenticator app",
                    width="200px",
                    height="200px",
                ),
                rx.text("Or type this key: ", rx.code(TwoFactorState.secret), size="2"),
                field(
                    "Your password",
                    "password",
                    type_="password",
                    autocomplete="current-password",
                ),
                code_field(),
                rx.button(
                    "Turn on", type="submit", size="3", width="100%", loading=TwoFactorState.busy
                ),
                spacing="3",
            ),
            on_submit=TwoFactorState.confirm,
        ),
        rx.vstack(
            rx.text(
                "Two-factor sign-in asks for a code from an app on your phone after your "
                "password, so a stolen password alone cannot sign in."
            ),
            rx.cond(
                TwoFactorState.required,
                rx.callout(
                    "Staff accounts must use it before opening the admin area.",
                    icon="shield",
                    color_scheme="amber",
                ),
            ),
            rx.button("Set up two-factor sign-in", on_click=TwoFactorState.start, size="3"),
            spacing="3",
        ),
    )


def enabled() -> rx.Component:
    return rx.vstack(
        rx.text(f"Two-factor sign-in is on since {TwoFactorState.enabled_since}."),
        rx.text(f"Recovery codes left: {TwoFactorState.codes_left}.", size="2"),
        rx.form(
            rx.vstack(
                code_field(),
                rx.button(
                    "Make new recovery codes",
                    type="submit",
                    variant="soft",
                    loading=TwoFactorState.busy,
                ),
                spacing="2",
            ),
            on_submit=TwoFactorState.renew,
        ),
        spacing="3",
    )


def two_factor_page() -> rx.Component:
    return card_page(
        "Two-factor sign-in",
        rx.vstack(
            error_callout(TwoFactorState.error),
            recovery_codes(),
            rx.cond(
                TwoFactorState.signed_in,
                rx.cond(TwoFactorState.enabled_since != "", enabled(), enrol()),
            ),
            spacing="3",
            width="100%",
        ),
    )
