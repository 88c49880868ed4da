"""`GET /api/posters/<name>`: posters uploaded in the admin area (the build's assets are fixed at
build time); a name that is not a poster file's is no poster."""

from __future__ import annotations

import asyncio
import re

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bookmyseat.services.catalog import poster_store
from bookmyseat.settings import get_settings

POSTER_NAME = re.compile(r"^[a-z0-9-]+\.(png|jpg|webp)$")


async def poster(request: Request) -> Response:
    name = request.path_params["name"]
    if not POSTER_NAME.match(name):
        return PlainTextResponse("no such poster", status_code=404)
    folder = poster_store.posters_folder(get_settings())
    data = await asyncio.to_thread(poster_store.read, folder, name)
    if data is None:
        return PlainTextResponse("no such poster", status_code=404)
    return Response(
        data,
        media_type=poster_store.content_type(name),
        headers={"Cache-Control": "public, max-age=86400"},
    )


ROUTES = [Route("/api/posters/{name}", poster, methods=["GET"])]
