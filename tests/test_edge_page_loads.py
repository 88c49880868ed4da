"""Page loads at the edge (probe finding 7): an address may connect websockets and hydrate
pages only so often per worker (a token bucket, on a clock the test moves), while a page's
reconnects after a restart get through."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from bookmyseat.server.edge_limits import EdgeLimits, is_hydrate, with_edge_limits
from bookmyseat.settings import load_settings
from tests.reflex_client import HYDRATE
from tests.test_edge_limits import LIMITS, FakeSocket, socket_app

PAGE_LOADS = dataclasses.replace(
    LIMITS, sockets_per_address=100, connects_burst=3, connects_per_second=1.0
)
JOIN = "40/_event," + json.dumps({"event": {"name": HYDRATE, "payload": {}}})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def event(name: str, escape: bool = False) -> str:
    packet = json.dumps(["event", {"name": name, "payload": {}}], ensure_ascii=True)
    if escape:  # a client may spell any character of the name as \\uXXXX
        packet = packet.replace("hydrate", "\\u0068ydrate")
    return "42/_event," + packet


class Sockets:
    """Opens sockets through one guarded app; each joins, and stays until `leave_all`."""

    def __init__(self, limits: EdgeLimits, clock: Clock) -> None:
        self.app = with_edge_limits(limits, clock=clock)(socket_app)
        self.open: list[tuple[FakeSocket, asyncio.Task]] = []

    async def connect(self, address: str) -> FakeSocket:
        socket = FakeSocket(address, joins=True)
        task = asyncio.create_task(self.app(socket.scope, socket.receive, socket.send))
        await asyncio.sleep(0.01)
        self.open.append((socket, task))
        return socket

    async def leave_all(self) -> None:
        for socket, _ in self.open:
            socket.leave()
        await asyncio.gather(*(task for _, task in self.open))
        self.open = []


def test_an_address_connects_a_burst_then_once_a_second_and_others_are_unaffected() -> None:
    clock = Clock()

    async def scenario():
        sockets = Sockets(PAGE_LOADS, clock)
        burst = [await sockets.connect("10.0.0.1") for _ in range(3)]
        over = await sockets.connect("10.0.0.1")
        neighbour = await sockets.connect("10.0.0.2")
        clock.now += 1.0
        after_a_second = await sockets.connect("10.0.0.1")
        again_at_once = await sockets.connect("10.0.0.1")
        await sockets.leave_all()
        return burst, over, neighbour, after_a_second, again_at_once

    burst, over, neighbour, after_a_second, again_at_once = asyncio.run(scenario())
    assert [s.refused for s in burst] == [False] * 3
    assert over.refused and over.sent == [{"type": "websocket.close", "code": 1008}]
    assert not neighbour.refused
    assert not after_a_second.refused and again_at_once.refused


def test_a_socket_hydrating_over_its_addresss_budget_is_closed() -> None:
    """Joining again on one socket (socket.io lets a client leave the namespace and join it
    anew) or sending hydrate events loads the page each time: each counts as a hydration."""
    clock = Clock()

    async def scenario():
        sockets = Sockets(PAGE_LOADS, clock)
        socket = await sockets.connect("10.0.0.3")  # its join: one hydration
        socket.inbox.put_nowait({"type": "websocket.receive", "text": "41/_event,"})
        socket.inbox.put_nowait({"type": "websocket.receive", "text": JOIN})  # two
        socket.inbox.put_nowait({"type": "websocket.receive", "text": event("x.pay")})
        socket.inbox.put_nowait({"type": "websocket.receive", "text": event(HYDRATE, True)})
        await asyncio.sleep(0.05)
        closed_at_three = socket.refused
        socket.inbox.put_nowait({"type": "websocket.receive", "text": event(HYDRATE)})  # four
        await asyncio.wait_for(sockets.open[0][1], 2)  # the app was told the client left
        sockets.open = []
        return closed_at_three, socket.sent

    closed_at_three, sent = asyncio.run(scenario())
    assert not closed_at_three  # the burst of three, and an event that is no hydrate
    assert sent[-1] == {"type": "websocket.close", "code": 1008}


def test_hydrate_events_are_recognised_however_they_are_spelt() -> None:
    assert is_hydrate(event(HYDRATE))
    assert is_hydrate(event("reflex___state____state.hydrate"))
    assert is_hydrate(event(HYDRATE, escape=True))
    assert is_hydrate("42/_event,12" + json.dumps(["event", json.dumps({"name": HYDRATE})]))
    assert is_hydrate("451-/_event," + json.dumps(["event", {"name": HYDRATE}]))
    assert not is_hydrate(event("reflex___state____state.my_state.hydrated_view"))
    assert not is_hydrate(event("x.set_query") + "hydrate")  # said, but not its name
    assert not is_hydrate('42/_event,["event",{"name":"hydrate')  # not JSON: the app refuses
    assert not is_hydrate("2")  # a ping


def test_an_address_with_all_its_sockets_open_can_reconnect_them_at_once() -> None:
    """With the settings' defaults: pages opened over time, all dropped at once (the server
    restarted, the network blinked) reconnect together, and get in."""
    defaults = EdgeLimits.from_settings(load_settings())
    clock = Clock()

    async def scenario():
        sockets = Sockets(defaults, clock)
        for _ in range(defaults.sockets_per_address):  # opened a second apart
            await sockets.connect("10.0.0.4")
            clock.now += 1.0
        first = [socket.refused for socket, _ in sockets.open]
        await sockets.leave_all()
        back = [await sockets.connect("10.0.0.4") for _ in range(defaults.sockets_per_address)]
        await sockets.leave_all()
        return first, [socket.refused for socket in back]

    first, back = asyncio.run(scenario())
    assert first == back == [False] * defaults.sockets_per_address
