"""`/healthz` for the proxy's health checks and `/metrics` for Prometheus.

/healthz answers 200 when this server's database (and Redis, when configured) answer, else 503,
with what is down; it says nothing else. /metrics gives business figures, each scrape a few
aggregates over the database, so it answers only a request with `Authorization: Bearer
<BOOKMYSEAT_METRICS_TOKEN>`; others get 404. In production the token is the only way in (and
without one nobody is served): a proxy on this machine that does not name its clients looks
just like Prometheus beside the app. Elsewhere, without a token, a client on this machine may
read them (Prometheus beside a development app, an SSH tunnel), judged by the client address
bookmyseat.server.client_address resolved."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bookmyseat.api.common import NO_STORE
from bookmyseat.services.operations.health import check_health
from bookmyseat.services.operations.metrics import metrics_text
from bookmyseat.settings import get_settings


async def healthz(_request: Request) -> JSONResponse:
    health = await asyncio.to_thread(check_health, get_settings().redis_url)
    return JSONResponse(
        {"database": health.database, "redis": health.redis},
        status_code=200 if health.ok else 503,
        headers=NO_STORE,
    )


def from_this_machine(request: Request) -> bool:
    try:
        return request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def may_read_metrics(request: Request, token: str, production: bool) -> bool:
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return not production and from_this_machine(request)


async def metrics(request: Request) -> Response:
    settings = get_settings()
    if not may_read_metrics(request, settings.metrics_token, settings.production):
        return PlainTextResponse("Not Found", status_code=404)
    try:
        body = await asyncio.to_thread(metrics_text, settings.redis_url)
    except Exception:  # the database or Redis away: the scrape fails, loudly and briefly
        return PlainTextResponse("The figures cannot be read now.", status_code=503)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)


ROUTES = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
