"""Who may do what in the admin area, checked on the server in every staff handler and page.

Admins may do everything; auditors may read (dashboard, bookings, outbox, audit log) and change
nothing; customers and anonymous visitors get nothing; where two-factor sign-in is required
(production), staff get nothing in a browser whose session was not opened with a code (or
that enrolled), even if the account has two factors. Nothing in a URL or header
grants access: only the signed-in account counts.

Refusals are written to the audit log, coalesced: an account (or all anonymous visitors
together) gets at most 5 entries a minute, and the next entry says how many refusals it stands
for, so a script cannot write hundreds of rows a second.
"""

from __future__ import annotations

from collections import Counter

from limits import parse
from sqlalchemy.engine import Engine

from bookmyseat.models import Role
from bookmyseat.services.accounts import two_factor
from bookmyseat.services.accounts.throttle import limiter
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import audit

READERS = frozenset({Role.ADMIN, Role.AUDITOR})
WRITERS = frozenset({Role.ADMIN})
REFUSALS_LOGGED = parse("5/minute")
_not_logged: Counter[str] = Counter()  # refusals folded into the next entry, per actor


class AccessDenied(CustomerError):
    code = "access_denied"


class TwoFactorNeeded(AccessDenied):
    code = "two_factor_needed"


def _log_refusal(actor: audit.Actor, detail: str, engine: Engine | None) -> None:
    who = str(actor.user_id or "anonymous")
    if not limiter().hit(REFUSALS_LOGGED, f"bookmyseat:refusals-logged:{who}"):
        _not_logged[who] += 1
        return
    if more := _not_logged.pop(who, 0):
        detail += f" (and {more} earlier refusals not logged one by one)"
    audit.record(actor, "access_refused", entity="admin", detail=detail, engine=engine)


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
    role = account.role if account else "anonymous"
    verb = "change" if write else "open"
    if account is not None and account.role in allowed:
        if account.second_factor or not two_factor.required_for(account):
            return account
        _log_refusal(actor_of(account), f"{role} without two-factor tried to {verb} {what}", engine)
        raise TwoFactorNeeded(
            "The admin area needs two-factor sign-in: turn it on, or sign in with your code."
        )
    _log_refusal(actor_of(account), f"{role} tried to {verb} {what}", engine)
    if account is not None and account.role == Role.AUDITOR:
        raise AccessDenied("Auditors can look but not change anything.")
    raise AccessDenied("This part of the site is for cinema staff.")
