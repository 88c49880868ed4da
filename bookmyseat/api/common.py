"""What several route families share: the session cookie they read and the no-store header of
answers that change by the second."""

from __future__ import annotations

import logging

from bookmyseat.services.accounts.login_sessions import SESSION_COOKIE

NO_STORE = {"Cache-Control": "no-store"}
__all__ = ["NO_STORE", "SESSION_COOKIE", "log"]

# The routes' one log, under the name the operators' log filters know.
log = logging.getLogger("bookmyseat.api")
