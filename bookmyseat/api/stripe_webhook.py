"""`POST /api/stripe/webhook`: Stripe's events, judged by services.payments.stripe_webhook."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bookmyseat.services.payments.stripe_webhook import handle_webhook


async def stripe_webhook(request: Request) -> PlainTextResponse:
    """The body's size was capped while it streamed in (bookmyseat.server.edge_limits)."""
    body = await request.body()
    answer = await asyncio.to_thread(handle_webhook, body, request.headers.get("stripe-signature"))
    return PlainTextResponse(answer.text, status_code=answer.status)


ROUTES = [Route("/api/stripe/webhook", stripe_webhook, methods=["POST"])]
