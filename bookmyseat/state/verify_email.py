"""State of `/verify-email`: confirming the address through the emailed link, and asking for the
link again. The rules are in services.accounts.email_verification; this shows them."""

from __future__ import annotations

import asyncio

import reflex as rx

from bookmyseat.services.accounts import email_verification
from bookmyseat.services.errors import CustomerError
from bookmyseat.state.auth import AuthState


class VerifyEmailState(AuthState):
    has_link: bool = False  # the page was opened from the email (a token in its address)
    outcome: str = ""  # "confirmed", or "already" (it was confirmed before)
    signed_in: bool = False
    unverified: bool = False  # signed in, and the address is not confirmed yet
    notice: str = ""
    error: str = ""
    busy: bool = False

    def _token(self) -> str:
        return str(self.router.page.params.get("token", ""))[: email_verification.MAX_TOKEN]

    async def _show(self) -> None:
        account = await self._current_account()
        self._show_identity(account)
        self.signed_in = account is not None
        self.unverified = account is not None and not account.email_verified

    @rx.event
    async def load(self):
        """Confirming waits for the button: a mail scanner that opens the link confirms
        nothing by opening it."""
        self.outcome = self.notice = self.error = ""
        self.busy = False
        self.has_link = self._token() != ""
        await self._show()

    @rx.event
    async def confirm(self):
        self.busy, self.error = True, ""
        yield
        try:
            self.outcome = await asyncio.to_thread(email_verification.confirm, self._token())
        except CustomerError as exc:  # a forged, spent-out or expired link
            self.error = exc.message
        self.busy = False
        await self._show()

    @rx.event
    async def send_again(self):
        self.busy, self.error, self.notice = True, "", ""
        yield
        account = await self._current_account()
        if account is None:
            self.busy, self.error = False, "Please sign in first."
            return
        try:
            sent = await asyncio.to_thread(email_verification.send_link_again, account.id)
        except CustomerError as exc:  # asked too often
            self.busy, self.error = False, exc.message
            return
        self.busy = False
        self.notice = (
            f"We have sent a new link to {account.email}." if sent else "Your address is confirmed."
        )
        await self._show()
