"""`/admin/onsale`: the on-sale lines of the shows to come; admins set one up, pause it, open
it again or end it (services.onsale.queue_admin checks the form, decides and audits)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from bookmyseat.services.errors import CustomerError
from bookmyseat.services.onsale import queue_admin
from bookmyseat.settings import get_settings
from bookmyseat.state.admin import AdminState

STATUS_WORDS = {"open": "Letting customers in", "paused": "Paused", "ended": "Ended"}


@dataclasses.dataclass
class OnSaleLine:
    showtime_id: int
    show: str
    opens: str
    pace: str  # "300 a minute, 10 minutes to choose"
    status: str  # open, paused, ended
    status_words: str
    waiting: int
    inside: int


class OnSaleState(AdminState):
    rows: list[OnSaleLine] = []
    show_labels: list[str] = []
    default_per_minute: str = ""
    default_admission_minutes: str = ""
    _show_ids: dict[str, int] = {}

    @rx.event
    async def load(self):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        try:
            lines = await self._run(queue_admin.lines_for_admin)
            choices = await self._run(queue_admin.show_choices)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.rows = [
            OnSaleLine(
                showtime_id=q.showtime_id,
                show=q.show,
                opens=q.opens,
                pace=f"{q.per_minute} a minute, {q.admission_minutes} minutes to choose",
                status=q.status,
                status_words=STATUS_WORDS.get(q.status, q.status),
                waiting=q.waiting,
                inside=q.inside,
            )
            for q in lines
        ]
        self._show_ids = {c.label: c.showtime_id for c in choices}
        self.show_labels = list(self._show_ids)
        settings = get_settings()
        self.default_per_minute = str(settings.queue_per_minute)
        self.default_admission_minutes = str(settings.queue_admission_minutes)
        return None

    @rx.event
    async def set_up(self, form: dict):
        form = form if isinstance(form, dict) else {}
        label = form.get("show")
        fields = {
            "showtime_id": str(self._show_ids.get(label, "")) if isinstance(label, str) else "",
            **{k: form.get(k) for k in ("opens_at", "per_minute", "admission_minutes")},
        }
        try:
            await self._run(queue_admin.set_up_line, fields)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        return [rx.toast.success("The line is set up and open."), OnSaleState.load]

    @rx.event
    async def change(self, showtime_id: int, status: str):
        try:
            changed = await self._run(queue_admin.change_status, showtime_id, status)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        done = {"open": "The line moves again.", "paused": "The line is paused.",
                "ended": "The line has ended: everyone may choose seats."}  # fmt: skip
        said = done.get(status, "") if changed else "Nothing changed: the line already was so."
        return [rx.toast.success(said), OnSaleState.load]
