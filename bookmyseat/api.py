"""Plain HTTP routes next to the Reflex app: the Stripe webhook, uploaded posters and seat plans."""

from __future__ import annotations

import asyncio
import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from bookmyseat.services.booking.seat_plan import CACHE_SECONDS, seat_plan
from bookmyseat.services.payments.stripe_webhook import handle_webhook
from bookmyseat.settings import UPLOADED_POSTERS

POSTER_NAME = re.compile(r"^[a-z0-9-]+\.(png|jpg|webp)$")


async def stripe_webhook(request: Request) -> PlainTextResponse:
    """The body's size was capped while it streamed in (bookmyseat.edge_limits)."""
    body = await request.body()
    answer = await asyncio.to_thread(handle_webhook, body, request.headers.get("stripe-signature"))
    return PlainTextResponse(answer.text, status_code=answer.status)


async def poster(request: Request) -> Response:
    """Posters uploaded in the admin area (the build's assets are fixed at build time)."""
    name = request.path_params["name"]
    path = UPLOADED_POSTERS / name
    if not POSTER_NAME.match(name) or not path.is_file():
        return PlainTextResponse("no such poster", status_code=404)
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


async def showtime_seat_plan(request: Request) -> Response:
    """The seat map's fixed part (see services.booking.seat_plan), cached by the browser."""
    raw = request.path_params["showtime_id"]
    plan = await asyncio.to_thread(seat_plan, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if plan is None:
        return PlainTextResponse("no such showtime", status_code=404)
    headers = {"ETag": plan.etag, "Cache-Control": f"public, max-age={CACHE_SECONDS}"}
    if request.headers.get("if-none-match") == plan.etag:
        return Response(status_code=304, headers=headers)
    return Response(plan.body, media_type="application/json", headers=headers)


api = Starlette(
    routes=[
        Route("/api/stripe/webhook", stripe_webhook, methods=["POST"]),
        Route("/api/posters/{name}", poster, methods=["GET"]),
        Route("/api/showtimes/{showtime_id}/seat-plan", showtime_seat_plan, methods=["GET"]),
    ]
)
