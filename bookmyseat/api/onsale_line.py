"""`GET /api/showtimes/<id>/queue`: the waiting page's poll of the show's on-sale line."""

from __future__ import annotations

import asyncio
import concurrent.futures

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bookmyseat.api.common import NO_STORE, SESSION_COOKIE, log
from bookmyseat.services.ids import parse_row_id
from bookmyseat.services.onsale import queues

# The waiting pages' polls (a Redis round trip each) on a pool of their own: a crowd in line
# neither waits behind page loads on the default pool nor makes them wait.
LINE_POLLS = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="line-polls")


def _turn_of(showtime_id: int, pass_token: str, session_token: str) -> JSONResponse:
    rules = queues.rules_of(showtime_id)
    if rules is None:  # no line (or it ended): the map is open to all
        return JSONResponse({"admitted": True, "text": ""}, headers=NO_STORE)
    user_id = queues.read_pass(showtime_id, pass_token, session_token)
    if user_id is None:
        return JSONResponse({"error": "Reload the page to take your place in line."}, 403)
    turn = queues.take_turn(rules, user_id)
    answer = {"admitted": turn.admitted, "text": turn.waiting_text, "position": turn.position,
              "minutes": turn.minutes, "poll_seconds": turn.poll_seconds}  # fmt: skip
    return JSONResponse(answer, headers=NO_STORE)


async def queue_turn(request: Request) -> JSONResponse:
    """Where the customer (named by the signed pass the page was given, which lasts a day and
    holds only with the cookie of the session it was given to) stands in the show's on-sale
    line, moving the line along (services.onsale); 403 for a pass that has expired or comes
    without its session."""
    if (showtime_id := parse_row_id(request.path_params["showtime_id"])) is None:
        return JSONResponse({"error": "There is no such show."}, status_code=404)
    pass_token = request.query_params.get("pass", "")
    session_token = request.cookies.get(SESSION_COOKIE, "")
    try:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            LINE_POLLS, _turn_of, showtime_id, pass_token, session_token
        )
    except Exception:  # Redis or the database away: the page asks again
        log.exception("Reading the on-sale line of showtime %s failed", showtime_id)
        return JSONResponse({"error": "The line could not be read just now."}, status_code=503)


ROUTES = [Route("/api/showtimes/{showtime_id}/queue", queue_turn, methods=["GET"])]
