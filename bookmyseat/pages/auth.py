"""`/login` and `/signup`."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.layout import footer
from bookmyseat.components.navbar import navbar
from bookmyseat.state.auth import LoginState, SignupState


def field(
    label: str, name: str, *, type_: str = "text", autocomplete: str = "", input_mode: str = "text"
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontSize": "var(--font-size-2)"}),
        rx.input(
            id=name,
            name=name,
            type=type_,
            auto_complete=autocomplete,
            input_mode=input_mode,
            required=True,
            width="100%",
            size="3",
        ),
        spacing="1",
        width="100%",
    )


def error_callout(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert"),
    )


def card_page(title: str, body: rx.Component) -> rx.Component:
    return rx.box(
        rx.el.header(navbar()),
        rx.el.main(
            rx.center(
                rx.card(
                    rx.vstack(rx.heading(title, size="6", as_="h1"), body, spacing="4"),
                    width="100%",
                    max_width="26em",
                    size="3",
                ),
                padding="2em 1em",
            )
        ),
        footer(),
    )


def password_form() -> rx.Component:
    return rx.vstack(
        rx.form(
            rx.vstack(
                field("Username or email", "login", autocomplete="username"),
                field("Password", "password", type_="password", autocomplete="current-password"),
                rx.button(
                    "Sign in", type="submit", size="3", width="100%", loading=LoginState.busy
                ),
                spacing="3",
            ),
            on_submit=LoginState.submit,
        ),
        rx.link("Forgot your password?", href="/forgot-password", size="2"),
        rx.text(
            "New here? ",
            rx.link("Create an account", href="/signup" + LoginState.onward),
            size="2",
        ),
        spacing="3",
        width="100%",
    )


def code_form() -> rx.Component:
    """The second step for accounts with two-factor sign-in."""
    return rx.form(
        rx.vstack(
            rx.text("Enter the 6-digit code from your authenticator app, or a recovery code."),
            field("Code", "code", autocomplete="one-time-code", input_mode="numeric"),
            rx.button("Verify", type="submit", size="3", width="100%", loading=LoginState.busy),
            spacing="3",
        ),
        on_submit=LoginState.submit_code,
        width="100%",
    )


def login_page() -> rx.Component:
    return card_page(
        "Sign in",
        rx.vstack(
            error_callout(LoginState.error),
            rx.cond(LoginState.needs_code, code_form(), password_form()),
            spacing="3",
            width="100%",
        ),
    )


CHECK_EMAIL = (
    "Check your email to finish: we have sent a message to the address you gave. Open the "
    "link in it to confirm the address, then sign in with your new password."
)


def signup_page() -> rx.Component:
    return card_page(
        "Create an account",
        rx.cond(
            SignupState.sent,
            rx.vstack(
                rx.callout(CHECK_EMAIL, icon="mail", color_scheme="green", role="status"),
                rx.link("Sign in", href="/login" + SignupState.onward, size="2"),
                spacing="3",
                width="100%",
            ),
            signup_form(),
        ),
    )


def signup_form() -> rx.Component:
    return rx.vstack(
        error_callout(SignupState.error),
        rx.form(
            rx.vstack(
                field("Username", "username", autocomplete="username"),
                field("Email", "email", type_="email", autocomplete="email"),
                field("Password", "password", type_="password", autocomplete="new-password"),
                rx.text(
                    "At least 10 characters and hard to guess: a few unusual words work well.",
                    size="1",
                    color_scheme="gray",
                ),
                field("Repeat password", "confirm", type_="password", autocomplete="new-password"),
                rx.button(
                    "Create account",
                    type="submit",
                    size="3",
                    width="100%",
                    loading=SignupState.busy,
                ),
                spacing="3",
            ),
            on_submit=SignupState.submit,
        ),
        rx.text(
            "Already have an account? ",
            rx.link("Sign in", href="/login" + SignupState.onward),
            size="2",
        ),
        spacing="3",
        width="100%",
    )
