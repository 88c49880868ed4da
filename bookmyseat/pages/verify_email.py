"""`/verify-email`, in the look of the sign-in pages: the emailed link's button, or asking for
the link again."""

from __future__ import annotations

import reflex as rx

from bookmyseat.pages.auth import card_page, error_callout
from bookmyseat.state.verify_email import VerifyEmailState as S


def _done() -> rx.Component:
    return rx.vstack(
        rx.callout(
            rx.cond(
                S.outcome == "confirmed",
                "Your email address is confirmed. You can book seats now.",
                "Your email address was confirmed already.",
            ),
            icon="circle_check",
            color_scheme="green",
            role="status",
        ),
        rx.cond(
            S.signed_in,
            rx.link("Choose a show", href="/", size="2"),
            rx.link("Sign in", href="/login", size="2"),
        ),
        spacing="3",
        width="100%",
    )


def _from_the_link() -> rx.Component:
    return rx.vstack(
        rx.text("Confirm that this email address is yours.", size="2"),
        rx.button("Confirm my address", on_click=S.confirm, size="3", width="100%", loading=S.busy),
        spacing="3",
        width="100%",
    )


def _ask_again() -> rx.Component:
    return rx.cond(
        S.unverified,
        rx.vstack(
            rx.text(
                "We sent a link to your email address when you signed up. Open it to confirm "
                "the address; you can book seats once it is confirmed.",
                size="2",
            ),
            rx.button(
                "Send the link again",
                on_click=S.send_again,
                size="3",
                width="100%",
                loading=S.busy,
            ),  # fmt: skip
            spacing="3",
            width="100%",
        ),
        rx.cond(
            S.signed_in,
            rx.text("Your email address is confirmed.", size="2"),
            rx.text(
                rx.link("Sign in", href="/login?next=%2Fverify-email"),
                " to have the link sent again.",
                size="2",
            ),
        ),
    )


def verify_email_page() -> rx.Component:
    return card_page(
        "Confirm your email address",
        rx.vstack(
            error_callout(S.error),
            rx.cond(
                S.notice != "",
                rx.callout(S.notice, icon="mail", color_scheme="green", role="status"),
            ),
            rx.cond(
                S.outcome != "",
                _done(),
                rx.cond(S.has_link & (S.error == ""), _from_the_link(), _ask_again()),
            ),
            spacing="3",
            width="100%",
        ),
    )
