"""Who may do what in the admin area, checked on the server in every staff handler and page.

Admins may do everything; auditors may read (dashboard, bookings, outbox, audit log) and change
nothing; customers and anonymous visitors get nothing. Every refusal is written to the audit
log. Nothing in a URL or header grants access: only the signed-in account's role counts.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bookmyseat.models import Role
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import audit

READERS = frozenset({Role.ADMIN, Role.AUDITOR})
WRITERS = frozenset({Role.ADMIN})


class AccessDenied(CustomerError):
    code = "access_denied"


def actor_of(account: Account | None) -> audit.Actor:
    if account is None:
        return audit.Actor.anonymous()
    return audit.Actor(account.id, account.username)


def require_staff(
    account: Account | None,
    what: str,
    *,
    write: bool = False,
    engine: Engine | None = None,
) -> Account:
    """The account if its role may do `what` (a write needs an admin); else log and refuse."""
    allowed = WRITERS if write else READERS
    if account is not None and account.role in allowed:
        return account
    role = account.role if account else "anonymous"
    audit.record(
        actor_of(account),
        "access_refused",
        entity="admin",
        detail=f"{role} tried to {'change' if write else 'open'} {what}",
        engine=engine,
    )
    if account is not None and account.role == Role.AUDITOR:
        raise AccessDenied("Auditors can look but not change anything.")
    raise AccessDenied("This part of the site is for cinema staff.")
