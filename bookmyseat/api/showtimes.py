"""A showtime's routes for the seat map: its seat plan (the fixed part, cached by the browser),
"best available" and the hold of the chosen seats (Proceed)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bookmyseat.api.common import NO_STORE, SESSION_COOKIE, log
from bookmyseat.server.page_origins import page_origins
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.best_available import suggestions
from bookmyseat.services.booking.holds import hold_seats_signed_in
from bookmyseat.services.booking.seat_plan import CACHE_SECONDS, seat_plan
from bookmyseat.services.ids import parse_row_id
from bookmyseat.services.money import format_money
from bookmyseat.services.operations import shared_figures
from bookmyseat.services.operations.metrics import HOLD_REQUESTS
from bookmyseat.settings import get_settings


async def showtime_seat_plan(request: Request) -> Response:
    """The seat map's fixed part (see services.booking.seat_plan), cached by the browser."""
    showtime_id = parse_row_id(request.path_params["showtime_id"])
    plan = await asyncio.to_thread(seat_plan, showtime_id) if showtime_id else None
    if plan is None:
        return PlainTextResponse("no such showtime", status_code=404)
    headers = {"ETag": plan.etag, "Cache-Control": f"public, max-age={CACHE_SECONDS}"}
    if request.headers.get("if-none-match") == plan.etag:
        return Response(status_code=304, headers=headers)
    return Response(plan.body, media_type="application/json", headers=headers)


MAX_IDS_IN_REQUEST = 100  # more is no request a seat map makes
HOLD_FAILED = "We could not hold your seats just now; nothing was booked. Please try again."
# Holds run on a pool of their own, sized to the database pool: a rush of holds neither waits
# behind other work on the default pool nor takes more connections than there are.
HOLDS = concurrent.futures.ThreadPoolExecutor(
    max_workers=get_settings().database_pool_size, thread_name_prefix="holds"
)
REFUSAL_STATUS = {
    errors.SignInNeeded: 401,
    errors.ShowtimeNotFound: 404,
    errors.SeatUnavailable: 409,
    errors.NotYourTurn: 403,
}


def requested_seat_ids(body: object) -> list[int] | None:
    """The seat ids of a hold request (`{"seat_ids": [12, 13]}`), or None for anything else;
    their values are the service's to judge."""
    ids = body.get("seat_ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or len(ids) > MAX_IDS_IN_REQUEST:
        return None
    return ids if all(type(i) is int for i in ids) else None


def from_elsewhere(request: Request) -> bool:
    """A browser's request sent by a page not of this app. The session cookie is SameSite=Lax,
    which keeps it from other sites' POSTs but not from a page on another port of the same host
    or a sibling subdomain (the same site): so the Origin is checked too, in every mode, against
    the same origins the websocket accepts (bookmyseat.server.page_origins)."""
    origin = request.headers.get("origin")
    return origin is not None and origin not in page_origins(get_settings())


def _hold_counted(token: str, showtime_id: int, wanted: list[int], address: str):
    """The hold, counted for /metrics by its outcome (in the holds' thread: the count may reach
    Redis, which must not stall the event loop)."""
    outcome = "failed"
    try:
        booking = hold_seats_signed_in(token, showtime_id, wanted, address=address)
        outcome = "held"
        return booking
    except errors.BookingError as exc:
        outcome = exc.code
        raise
    finally:
        shared_figures.count(HOLD_REQUESTS, outcome, get_settings().redis_url)


async def hold_seats(request: Request) -> JSONResponse:
    """The seat map's Proceed: hold the chosen seats for the signed-in customer. Plain HTTP,
    not a websocket event: a hold needs nothing of the tab's state, so none is loaded, locked
    or saved, and the session is checked in the hold's own transaction (bench/onsale.py)."""
    if from_elsewhere(request):
        return JSONResponse({"error": "This request came from another site."}, status_code=403)
    raw = request.path_params["showtime_id"]
    if (showtime_id := parse_row_id(raw)) is None:
        return JSONResponse({"error": "This show is not available."}, status_code=404)
    try:
        wanted = requested_seat_ids(await request.json())
    except (ValueError, RecursionError):  # not JSON, or nested deeper than json can read
        wanted = None
    if wanted is None:
        return JSONResponse({"error": "That is not a request for seats."}, status_code=400)
    token = request.cookies.get(SESSION_COOKIE, "")
    # The client as the app's outermost layer resolved it (trusted proxies only): its holds
    # are capped whatever the accounts (services.booking.holds).
    address = request.client.host if request.client else ""
    loop = asyncio.get_running_loop()
    try:
        booking = await loop.run_in_executor(
            HOLDS, lambda: _hold_counted(token, showtime_id, wanted, address)
        )
    except errors.BookingError as exc:
        answer: dict = {"error": exc.message, "code": exc.code}
        if isinstance(exc, errors.SignInNeeded):  # the seats come back with the customer
            back = f"/showtimes/{showtime_id}?seats={','.join(map(str, sorted(set(wanted))))}"
            answer["sign_in"] = f"/login?next={quote(back, safe='')}"
        if isinstance(exc, errors.SeatUnavailable):  # the map catches up before it is told
            answer["taken"], answer["unavailable"] = exc.seat_ids, exc.unavailable
        if isinstance(exc, errors.LeavesSeatAlone):  # the map points at the seat
            answer["alone"] = exc.seat_id
        return JSONResponse(answer, status_code=REFUSAL_STATUS.get(type(exc), 422))
    except Exception:  # the database away: say so; nothing was held
        log.exception("Holding seats %s of showtime %s failed", wanted, showtime_id)
        return JSONResponse({"error": HOLD_FAILED}, status_code=503)
    checkout = f"/checkout/{booking.reference}"
    return JSONResponse({"reference": booking.reference, "checkout": checkout}, status_code=201)


async def best_seats(request: Request) -> JSONResponse:
    """ "Best available" on the seat map: `?count=4[&wheelchair=1]` → one block per category."""
    raw, count = request.path_params["showtime_id"], request.query_params.get("count", "")
    limit = get_settings().max_seats_per_booking
    if not (count.isascii() and count.isdigit() and len(count) < 4 and 1 <= int(count) <= limit):
        return JSONResponse({"error": f"Ask for 1 to {limit} seats."}, status_code=400)
    wheelchair = request.query_params.get("wheelchair") == "1"
    showtime_id = parse_row_id(raw)
    found = (
        await asyncio.to_thread(suggestions, showtime_id, int(count), wheelchair=wheelchair)
        if showtime_id
        else None
    )
    if found is None:
        return JSONResponse({"error": "This show is not available."}, status_code=404)
    return JSONResponse(
        {
            "suggestions": [
                {
                    "category": s.category,
                    "seat_ids": s.seat_ids,
                    "labels": s.labels,
                    "total": format_money(s.total_paise),
                }
                for s in found
            ]
        },
        headers=NO_STORE,  # seats change by the second
    )


ROUTES = [
    Route("/api/showtimes/{showtime_id}/seat-plan", showtime_seat_plan, methods=["GET"]),
    Route("/api/showtimes/{showtime_id}/holds", hold_seats, methods=["POST"]),
    Route("/api/showtimes/{showtime_id}/best-seats", best_seats, methods=["GET"]),
]
