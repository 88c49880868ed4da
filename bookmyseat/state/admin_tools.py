"""States of the admin pages for the email outbox, the door scanner and the audit log. Like every
admin state, each handler passes the account to a staff service, which checks the role."""

from __future__ import annotations

import dataclasses

import reflex as rx

from bookmyseat.services.catalog.local_time import local_text
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import actions
from bookmyseat.services.staff.audit import AUDIT_PAGE_SIZE
from bookmyseat.services.staff.door import USED, VALID, Door, ScanResult
from bookmyseat.settings import get_settings
from bookmyseat.state.admin import AdminState


@dataclasses.dataclass
class OutboxLine:
    id: int
    reference: str
    kind: str
    to_address: str
    status: str
    attempts: int
    last_error: str


class OutboxState(AdminState):
    status_filter: str = "all"
    rows: list[OutboxLine] = []

    @rx.event
    async def load(self, status: str = ""):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        if status:
            self.status_filter = status
        wanted = "" if self.status_filter == "all" else self.status_filter
        try:
            found = await self._run(actions.list_outbox, wanted)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.rows = [
            OutboxLine(r.id, r.reference, r.kind, r.to_address, r.status, r.attempts, r.last_error)
            for r in found
        ]
        return None

    @rx.event
    async def retry(self, outbox_id: int):
        try:
            await self._run(actions.retry_email, outbox_id)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        return [rx.toast.success("The email will be sent again."), OutboxState.load("")]


class ScanState(AdminState):
    """The door scanner: set once to a door of a cinema (remembered on the device), then a code
    at a time. The verdict is the door service's; this only shows it."""

    door: str = rx.LocalStorage("", name="bms_scanner_door")  # the chosen door's name
    door_names: list[str] = []
    _doors: dict[str, list[int]] = {}  # name → [cinema id, screen id or 0]
    verdict: str = ""
    message: str = ""
    show: str = ""  # "Tue 09 Dec 2026 · 19:30 · Screen 2 · Cinema"
    detail: str = ""
    reference: str = ""  # the last result's booking, for "Undo check-in"
    scanning: bool = False

    @rx.event
    async def load(self):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        try:
            found = await self._run(actions.door_choices)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self._doors = {d.name: [d.cinema_id, d.screen_id or 0] for d in found}
        self.door_names = list(self._doors)
        if self.door not in self._doors:
            self.door = ""
        self._show(None)
        return None

    @rx.event
    def choose_door(self, name: str):
        if str(name) in self._doors:
            self.door = str(name)
            self._show(None)

    def _at_door(self) -> Door | None:
        chosen = self._doors.get(self.door)
        return Door(chosen[0], chosen[1] or None) if chosen else None

    def _show(self, result: ScanResult | None) -> None:
        self.verdict = result.verdict if result else ""
        self.message = result.message if result else ""
        self.show = result.show if result else ""
        self.reference = result.reference if result else ""
        if result is None:
            self.detail = ""
            return
        seats = f"Seats {result.seats}" if result.seats else ""
        self.detail = " · ".join(x for x in (seats, result.movie, result.reference) if x)

    @rx.event
    async def scan(self, form: dict):
        code = str(form.get("code", "")).strip()[:80]
        at_door = self._at_door()
        if at_door is None:
            yield rx.toast.error("Choose the door you are scanning at first.")
            return
        self.scanning = True
        yield
        try:
            result = await self._run(actions.scan_ticket, code, at_door)
        except CustomerError as exc:
            self.scanning = False
            yield rx.toast.error(exc.message)
            return
        self.scanning = False
        self._show(result)

    @rx.event
    async def undo(self):
        if not self.reference or self.verdict not in (VALID, USED):
            return None
        try:
            result = await self._run(actions.undo_check_in, self.reference)
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self._show(result)
        return None


@dataclasses.dataclass
class AuditLine:
    at: str
    actor: str
    action: str
    entity: str
    before: str
    after: str
    detail: str


class AuditState(AdminState):
    action: str = ""
    page: int = 0
    total: int = 0
    rows: list[AuditLine] = []
    # Plain vars set where their inputs change, not computed vars: Reflex computes every computed
    # var of the tree on a tab's first load and then stores the state, so each page's computed
    # vars cost every tab of the site a Redis entry (bench/onsale.py: 8 entries a tab, not 3).
    pages: int = 1

    @rx.event
    async def load(self):
        if not self.is_staff:  # the page's guard refused (and said so): read nothing
            return None
        try:
            found, self.total = await self._run(
                actions.audit_log, action=self.action, page=self.page
            )
        except CustomerError as exc:
            return rx.toast.error(exc.message)
        self.pages = max(1, -(-self.total // AUDIT_PAGE_SIZE))
        self.rows = [
            AuditLine(
                local_text(r.at, get_settings().default_timezone, "%d %b %Y %H:%M:%S"),
                r.actor,
                r.action,
                f"{r.entity} {r.entity_id}".strip(),
                r.before,
                r.after,
                r.detail,
            )
            for r in found
        ]
        return None

    @rx.event
    def filter(self, action: str):
        self.action = "" if action == "all" else action
        self.page = 0
        return AuditState.load

    @rx.event
    def turn(self, step: int):
        self.page = min(max(0, self.page + step), self.pages - 1)
        return AuditState.load
