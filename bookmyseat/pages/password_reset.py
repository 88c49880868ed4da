"""`/forgot-password` and `/reset-password`, in the look of the sign-in pages."""

from __future__ import annotations

import reflex as rx

from bookmyseat.pages.auth import card_page, error_callout, field
from bookmyseat.state.password_reset import ForgotPasswordState, ResetPasswordState


def forgot_password_page() -> rx.Component:
    return card_page(
        "Forgot your password?",
        rx.vstack(
            rx.text(
                "Enter the email address of your account and we will send you a link to choose "
                "a new password.",
                size="2",
            ),
            error_callout(ForgotPasswordState.error),
            rx.cond(
                ForgotPasswordState.notice != "",
                rx.callout(
                    ForgotPasswordState.notice, icon="mail", color_scheme="green", role="status"
                ),
            ),
            rx.form(
                rx.vstack(
                    field("Email", "email", type_="email", autocomplete="email"),
                    rx.button(
                        "Email me a link",
                        type="submit",
                        size="3",
                        width="100%",
                        loading=ForgotPasswordState.busy,
                    ),
                    spacing="3",
                ),
                on_submit=ForgotPasswordState.submit,
            ),
            rx.text("Remembered it? ", rx.link("Sign in", href="/login"), size="2"),
            spacing="3",
            width="100%",
        ),
    )


def reset_password_page() -> rx.Component:
    return card_page(
        "Choose a new password",
        rx.vstack(
            error_callout(ResetPasswordState.error),
            rx.form(
                rx.vstack(
                    field(
                        "New password", "password", type_="password", autocomplete="new-password"
                    ),
                    rx.text(
                        "At least 10 characters and hard to guess: a few unusual words work well.",
                        size="1",
                        color_scheme="gray",
                    ),
                    field(
                        "Repeat password", "confirm", type_="password", autocomplete="new-password"
                    ),
                    rx.button(
                        "Set new password",
                        type="submit",
                        size="3",
                        width="100%",
                        loading=ResetPasswordState.busy,
                    ),
                    spacing="3",
                ),
                on_submit=ResetPasswordState.submit,
            ),
            rx.text(
                "Changing it signs you out on every other device. Link expired? ",
                rx.link("Ask for a new one", href="/forgot-password"),
                size="2",
            ),
            spacing="3",
            width="100%",
        ),
    )
