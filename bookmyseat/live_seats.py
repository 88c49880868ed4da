"""Live seat maps, broadcast: every worker keeps a socket.io room per showtime holding the
sockets that show its map (on this worker). When a showtime's seats change (a notice from
`services.booking.seat_events`, from any worker through Redis), the worker waits a moment for
the burst to end, reads the seats once, and sends the new codes to the whole room in one emit,
without loading or saving any tab's state; a tab's own copy of the codes is refreshed when it
joins. Every few seconds rooms are re-read anyway (a hold that simply ran out is announced by
nobody), but only a change is sent.
"""

from __future__ import annotations

import asyncio
import functools
import logging

from reflex.state import StateUpdate
from reflex.utils.prerequisites import get_app
from reflex_base import constants

from bookmyseat.services.booking.availability import seat_codes
from bookmyseat.services.booking.seat_events import hub

log = logging.getLogger("bookmyseat.live_seats")

COALESCE_SECONDS = 0.25  # a burst of holds becomes one read and one send
RESYNC_SECONDS = 5.0
ROOM_PREFIX = "showtime-"


@functools.cache
def _namespace():
    return get_app().app.event_namespace


def room_of(showtime_id: int) -> str:
    return f"{ROOM_PREFIX}{showtime_id}"


async def join(sid: str, showtime_id: int) -> None:
    """This socket now shows the showtime's map (and no other)."""
    namespace = _namespace()
    if namespace is None or not sid:
        return
    for room in namespace.rooms(sid):
        if room.startswith(ROOM_PREFIX) and room != room_of(showtime_id):
            await namespace.leave_room(sid, room)
    await namespace.enter_room(sid, room_of(showtime_id))


async def leave(sid: str) -> None:
    namespace = _namespace()
    if namespace is None or not sid:
        return
    for room in namespace.rooms(sid):
        if room.startswith(ROOM_PREFIX):
            await namespace.leave_room(sid, room)


def _watched_showtimes(namespace) -> list[int]:
    rooms = namespace.server.manager.rooms.get(namespace.namespace, {})
    return [
        int(room[len(ROOM_PREFIX) :])
        for room, members in list(rooms.items())
        if isinstance(room, str) and room.startswith(ROOM_PREFIX) and members
    ]


async def _send(namespace, showtime_id: int, codes: str) -> None:
    from bookmyseat.state.seat_map import SeatMapState  # the state the page renders

    update = StateUpdate(delta={SeatMapState.get_full_name(): {"codes_rx_state_": codes}})
    await namespace.emit(str(constants.SocketEvent.EVENT), update, room=room_of(showtime_id))


async def broadcast_forever() -> None:
    """Each worker: send each watched showtime's codes when they change."""
    sent: dict[int, str] = {}
    seen: dict[int, int] = {}
    next_resync = 0.0
    loop = asyncio.get_running_loop()
    while True:
        await hub.wait_any(RESYNC_SECONDS)
        await asyncio.sleep(COALESCE_SECONDS)
        namespace = _namespace()
        if namespace is None:
            continue
        resync = loop.time() >= next_resync
        if resync:
            next_resync = loop.time() + RESYNC_SECONDS
        for showtime_id in _watched_showtimes(namespace):
            version = hub.version(showtime_id)
            if not resync and seen.get(showtime_id) == version:
                continue
            seen[showtime_id] = version
            try:
                codes = await asyncio.to_thread(seat_codes, showtime_id)
                if codes and codes != sent.get(showtime_id):
                    sent[showtime_id] = codes
                    await _send(namespace, showtime_id, codes)
            except Exception:  # the database or a socket away: the next round tries again
                log.exception("Broadcasting the seats of showtime %s failed", showtime_id)
        for gone in set(sent) - set(_watched_showtimes(namespace)):
            sent.pop(gone, None)
            seen.pop(gone, None)
