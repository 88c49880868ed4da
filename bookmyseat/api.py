"""Plain HTTP routes next to the Reflex app: the Stripe webhook."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bookmyseat.services.stripe_webhook import handle_webhook

MAX_WEBHOOK_BYTES = 1_000_000


async def stripe_webhook(request: Request) -> PlainTextResponse:
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        return PlainTextResponse("payload too large", status_code=413)
    answer = await asyncio.to_thread(handle_webhook, body, request.headers.get("stripe-signature"))
    return PlainTextResponse(answer.text, status_code=answer.status)


api = Starlette(routes=[Route("/api/stripe/webhook", stripe_webhook, methods=["POST"])])
