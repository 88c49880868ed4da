"""The production gate: what `BOOKMYSEAT_ENV=production` refuses to start with, checked against
the settings and the database (demo accounts have published passwords), and what
`python -m bookmyseat.manage check` reports."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bookmyseat.db import read_session
from bookmyseat.models import User
from bookmyseat.services.demo.data import demo_usernames
from bookmyseat.settings import Problem, Settings, production_problems

log = logging.getLogger("bookmyseat.production")


class UnsafeToStart(SystemExit):
    """Production refused: the message lists each problem on a line of its own."""


SHOWN_NAMES = 3  # an error line names this many of the demo accounts found, then counts


def demo_accounts_present(engine: Engine | None = None) -> list[str] | None:
    """The demo accounts found in the database, sorted: every account the demo data makes
    (services.demo.data.demo_usernames, the demo customers of the history too), none of which
    may exist on a real site; None when the database cannot be read, so nobody can tell."""
    try:
        with read_session(engine) as session:
            found = session.execute(
                select(User.username).where(User.username.in_(demo_usernames()))
            )
            return sorted(found.scalars())
    except SQLAlchemyError as exc:  # no database, or not migrated
        log.warning("Could not look for demo accounts: %s", exc.__class__.__name__)
        return None


def problems(settings: Settings, engine: Engine | None = None) -> list[Problem]:
    found = production_problems(settings)
    present = demo_accounts_present(engine)
    if present is None:  # an unchecked database is not a safe one
        found.append(
            Problem(
                "error",
                "database",
                "cannot be read to check for demo accounts: is it reachable and migrated?",
            )
        )
    elif present:
        names = ", ".join(present[:SHOWN_NAMES])
        if len(present) > SHOWN_NAMES:
            names += f" and {len(present) - SHOWN_NAMES} more"
        found.append(
            Problem(
                "error",
                "database",
                f"demo accounts with published passwords exist ({names}): delete them",
            )
        )
    return found


def refuse_if_unsafe(settings: Settings, engine: Engine | None = None) -> None:
    """In production: stop with the list of problems if any is an error; log the warnings."""
    if not settings.production:
        return
    found = problems(settings, engine)
    for problem in found:
        if problem.level == "warning":
            log.warning("%s", problem)
    errors = [str(p) for p in found if p.level == "error"]
    if errors:
        raise UnsafeToStart(
            "BookMySeat will not start in production:\n"
            + "\n".join(errors)
            + "\nRun `python -m bookmyseat.manage check` for the whole configuration."
        )
