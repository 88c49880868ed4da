"""State of `/account/two-factor`: turning two-factor sign-in on (scan, confirm with a code,
keep the recovery codes) and renewing recovery codes. The rules are in
services.accounts.two_factor; this shows them."""

from __future__ import annotations

import asyncio
from functools import partial
from zoneinfo import ZoneInfo

import reflex as rx

from bookmyseat.services.accounts import two_factor
from bookmyseat.services.errors import CustomerError
from bookmyseat.settings import get_settings
from bookmyseat.state.auth import AuthState
from bookmyseat.state.formatting import full_day_and_time


class TwoFactorState(AuthState):
    signed_in: bool = False
    required: bool = False  # staff where it is required: the admin area waits for it
    enabled_since: str = ""
    codes_left: int = 0
    qr: str = ""  # the enrolment's QR code (an SVG data address), while enrolling
    secret: str = ""
    recovery_codes: list[str] = []  # shown once, right after they are made
    error: str = ""
    busy: bool = False

    async def _show(self) -> None:
        account = await self._current_account()
        self.signed_in = account is not None
        if account is None:
            return
        status = await asyncio.to_thread(two_factor.status, account)
        self.required = two_factor.required_for(account)
        since = status.enabled_since
        zone = ZoneInfo(get_settings().default_timezone)
        self.enabled_since = full_day_and_time(since.astimezone(zone)) if since else ""
        self.codes_left = status.recovery_codes_left

    @rx.event
    async def load(self):
        self.qr = self.secret = self.error = ""
        self.recovery_codes, self.busy = [], False
        await self._show()
        if not self.signed_in:
            return rx.redirect("/login?next=/account/two-factor")
        return None

    async def _attempt(self, action, *args):
        """Run a two-factor action as the signed-in account; its refusal goes in `error`."""
        account = await self._current_account()
        if account is None:
            self.error = "Please sign in first."
            return None
        try:
            return await asyncio.to_thread(action, account, *args)
        except CustomerError as exc:
            self.error = exc.message
            return None

    @rx.event
    async def start(self):
        self.error = ""
        enrolment = await self._attempt(two_factor.start_enrolment)
        if enrolment is not None:
            self.qr, self.secret = enrolment.qr_data_uri, enrolment.secret

    @rx.event
    async def confirm(self, form: dict):
        self.busy, self.error = True, ""
        yield
        codes = await self._attempt(
            partial(two_factor.confirm_enrolment, session_token=self.session_token),
            str(form.get("password", ""))[:1000],
            str(form.get("code", ""))[:40],
        )
        self.busy = False
        if codes:
            self.qr = self.secret = ""
            self.recovery_codes = codes
            await self._show()
            yield rx.toast.success("Two-factor sign-in is on.")

    @rx.event
    async def renew(self, form: dict):
        self.busy, self.error = True, ""
        yield
        codes = await self._attempt(two_factor.renew_recovery_codes, str(form.get("code", ""))[:40])
        self.busy = False
        if codes:
            self.recovery_codes = codes
            await self._show()
