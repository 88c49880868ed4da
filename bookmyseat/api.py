"""Plain HTTP routes next to the Reflex app: the Stripe webhook and uploaded posters."""

from __future__ import annotations

import asyncio
import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

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


api = Starlette(
    routes=[
        Route("/api/stripe/webhook", stripe_webhook, methods=["POST"]),
        Route("/api/posters/{name}", poster, methods=["GET"]),
    ]
)
