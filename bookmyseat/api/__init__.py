"""Plain HTTP routes next to the Reflex app (mounted by bookmyseat.bookmyseat), one module a
route family: the Stripe webhook, uploaded posters, a showtime's seat plan, best seats and
holds, the on-sale line's poll, the ticket's files and the operators' /healthz and /metrics.

Every id a client writes in a path is read by services.ids.parse_row_id: what names no row is
"not found" (404), never a 500 (tests/api/test_route_fuzzing.py fuzzes every route here)."""

from __future__ import annotations

from starlette.applications import Starlette

from bookmyseat.api import onsale_line, operations, posters, showtimes, stripe_webhook, tickets

ROUTES = [
    *stripe_webhook.ROUTES,
    *posters.ROUTES,
    *showtimes.ROUTES,
    *onsale_line.ROUTES,
    *tickets.ROUTES,
    *operations.ROUTES,
]
api = Starlette(routes=ROUTES)
