"""The ticket in hand, over plain HTTP for the signed-in owner of a paid booking: its QR code
(the image on the ticket page), its calendar entry (.ics) and its one-page PDF. Anyone else,
signed in or not, learns nothing about the booking: 401 without a session, 404 otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bookmyseat.api.common import SESSION_COOKIE
from bookmyseat.services.accounts.login_sessions import account_for_token
from bookmyseat.services.tickets.calendar import calendar_entry, ics_bytes
from bookmyseat.services.tickets.codes import qr_svg, ticket_code
from bookmyseat.services.tickets.details import NoTicket, TicketDetails, customer_ticket
from bookmyseat.services.tickets.pdf import ticket_pdf
from bookmyseat.settings import get_settings

PRIVATE = "private, max-age=300"  # the owner's own, unchanged while the booking stands


def _ticket_of(request: Request) -> TicketDetails | Response:
    """The requester's ticket, or the refusal to answer with."""
    account = account_for_token(request.cookies.get(SESSION_COOKIE, ""))
    if account is None:
        return PlainTextResponse("Please sign in to see your ticket.", status_code=401)
    try:
        return customer_ticket(request.path_params["reference"], account.id)
    except NoTicket as refusal:
        return PlainTextResponse(refusal.message, status_code=404)


def _route(make: Callable[[TicketDetails], Response]):
    async def endpoint(request: Request) -> Response:
        def answer() -> Response:
            found = _ticket_of(request)
            return found if isinstance(found, Response) else make(found)

        return await asyncio.to_thread(answer)

    return endpoint


def _code(ticket: TicketDetails) -> str:
    return ticket_code(ticket.reference, get_settings().secret_key)


def _qr(ticket: TicketDetails) -> Response:
    return Response(
        qr_svg(_code(ticket)), media_type="image/svg+xml", headers={"Cache-Control": PRIVATE}
    )


def _download(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Cache-Control": PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


def _ics(ticket: TicketDetails) -> Response:
    body = ics_bytes(calendar_entry(ticket))
    return _download(body, "text/calendar", f"bookmyseat-{ticket.reference}.ics")


def _pdf(ticket: TicketDetails) -> Response:
    body = ticket_pdf(ticket, _code(ticket))
    return _download(body, "application/pdf", f"bookmyseat-{ticket.reference}.pdf")


ROUTES = [
    Route("/api/bookings/{reference}/qr.svg", _route(_qr), methods=["GET"]),
    Route("/api/bookings/{reference}/ticket.ics", _route(_ics), methods=["GET"]),
    Route("/api/bookings/{reference}/ticket.pdf", _route(_pdf), methods=["GET"]),
]
