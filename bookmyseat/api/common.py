"""What several route families share: the session cookie they read and the no-store header of
answers that change by the second."""

from __future__ import annotations

import logging

SESSION_COOKIE = "bms_session"  # AuthState.session_token
NO_STORE = {"Cache-Control": "no-store"}

# The routes' one log, under the name the operators' log filters know.
log = logging.getLogger("bookmyseat.api")
