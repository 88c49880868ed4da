"""`/forgot-password` and `/reset-password`: ask for a reset link by email, then use it."""

from __future__ import annotations

import asyncio

import reflex as rx

from bookmyseat.services.accounts import signing_in
from bookmyseat.services.accounts.login_sessions import end_session
from bookmyseat.services.accounts.password_reset import MAX_TOKEN, RESET_LIFETIME, request_reset
from bookmyseat.services.errors import CustomerError
from bookmyseat.state.auth import AuthState

# The same words whether or not an account uses the address: the page must not tell.
LINK_SENT = (
    "If an account uses that address, we have emailed a link to reset the password. "
    f"It works once, within {int(RESET_LIFETIME.total_seconds() // 60)} minutes."
)


CHANGED_SIGN_IN = "Your password is changed. Please sign in with it and your code."


class ForgotPasswordState(AuthState):
    """Asking for a reset link; only a throttled ask is refused, everything else looks sent."""

    error: str = ""
    notice: str = ""
    busy: bool = False

    @rx.event
    async def submit(self, form: dict):
        self.busy, self.error, self.notice = True, "", ""
        yield
        email = str(form.get("email", ""))[:254]
        try:
            await asyncio.to_thread(request_reset, email, self.router.session.client_ip)
        except CustomerError as exc:  # too many asks from this network or for this address
            self.busy, self.error = False, exc.message
            return
        self.busy, self.notice = False, LINK_SENT


class ResetPasswordState(AuthState):
    """Choosing a new password through the emailed link (its token is in the address)."""

    error: str = ""
    busy: bool = False

    @rx.event
    async def submit(self, form: dict):
        self.busy, self.error = True, ""
        yield
        token = str(self.router.page.params.get("token", ""))[:MAX_TOKEN]
        try:
            signed_in = await asyncio.to_thread(
                signing_in.with_reset_link,
                token,
                str(form.get("password", ""))[:1000],
                str(form.get("confirm", ""))[:1000],
            )
        except CustomerError as exc:
            self.busy, self.error = False, exc.message
            return
        self.busy = False
        # Whoever this browser was signed in as (the reset ended that account's own sessions).
        await asyncio.to_thread(end_session, self.session_token)
        self._signed_in(signed_in)
        if not signed_in.token:  # two-factor accounts sign in afresh, code and all
            yield [rx.redirect("/login"), rx.toast.success(CHANGED_SIGN_IN)]
            return
        yield [rx.redirect("/"), rx.toast.success("Your password is changed.")]
