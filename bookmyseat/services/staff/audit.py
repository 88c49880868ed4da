"""The audit log: every staff change (who, what, before, after, when) and every refused access.

What a client chose (a reference, a login typed into a form) is copied through `client_text`:
a refused request must not be able to write a page of text of its choosing into every entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import read_session, write_session
from bookmyseat.models import AuditLog
from bookmyseat.services.clock import resolve_now

AUDIT_PAGE_SIZE = 50  # entries a page of the audit log shows
LAST_PAGE = 100_000  # no client can ask for an offset the database cannot take
CLIENT_TEXT_CHARS = 80  # what of a client-chosen value an entry keeps: a reference is 8


@dataclass(frozen=True)
class Actor:
    """Who did it: a signed-in user, or nobody (an anonymous request)."""

    user_id: int | None
    name: str

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(None, "anonymous")


def client_text(value: object, limit: int = CLIENT_TEXT_CHARS) -> str:
    """A client-chosen value as an entry copies it: printable characters only (no line breaks,
    terminal escapes or direction overrides to forge lines in a log viewer) and at most `limit`
    of them, the cut marked with "…"."""
    text = "".join(c for c in str(value) if c.isprintable())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dump(value: dict | None) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, default=str)


def add_entry(
    session: Session,
    actor: Actor,
    action: str,
    *,
    entity: str = "",
    entity_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> None:
    """Write an entry in the caller's transaction, so a change and its record commit together."""
    session.add(
        AuditLog(
            at=resolve_now(now),
            actor_user_id=actor.user_id,
            actor=actor.name[:60],
            action=action[:60],
            entity=entity[:40],
            entity_id=client_text(entity_id, 40),
            before=_dump(before),
            after=_dump(after),
            detail=client_text(detail, 500),
        )
    )


def record(actor: Actor, action: str, *, engine: Engine | None = None, **fields) -> None:
    """An entry on its own (for refusals, which change nothing else)."""
    with write_session(engine) as session:
        add_entry(session, actor, action, **fields)


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: str
    after: str
    detail: str


def entries(
    *,
    action: str = "",
    actor: str = "",
    entity: str = "",
    page: int = 0,
    per_page: int = AUDIT_PAGE_SIZE,
    engine: Engine | None = None,
) -> tuple[list[AuditRow], int]:
    """Newest first, filtered; the page's rows and the number of matching entries."""
    conditions = []
    if action:
        conditions.append(AuditLog.action == action)
    if actor:
        conditions.append(AuditLog.actor == actor)
    if entity:
        conditions.append(AuditLog.entity == entity)
    with read_session(engine) as session:
        total = session.execute(select(func.count()).select_from(AuditLog).where(*conditions))
        total = total.scalar_one()
        rows = session.execute(
            select(AuditLog)
            .where(*conditions)
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
            .offset(min(max(0, page), LAST_PAGE) * per_page)
            .limit(per_page)
        ).scalars()
        return [
            AuditRow(**{name: getattr(r, name) for name in AuditRow.__dataclass_fields__})
            for r in rows
        ], total
