"""The edge caps as ASGI middleware, driven message by message: bodies refused while they
stream in, sockets capped per client address, sockets that never join closed."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses

from bookmyseat.server.edge_limits import EdgeLimits, UploadGate, open_sockets, with_edge_limits

LIMITS = EdgeLimits(
    body_caps={"/_upload": 1000, "/api/stripe/webhook": 500},
    default_body_cap=100,
    sockets_per_address=2,
    socket_join_seconds=0.3,
)
# Uploads a staff tab would send: the handler the gate lets in, and a session it takes for staff.
UPLOAD_HANDLER = "state.catalog_state.upload_poster"
STAFF_UPLOADS = UploadGate(
    frozenset({UPLOAD_HANDLER}),
    refusal_for=lambda session: None if session == "staff" else (403, "Staff only."),
)
UPLOAD_HEADERS = [
    (b"reflex-client-token", b"a-tab"),
    (b"reflex-event-handler", UPLOAD_HANDLER.encode()),
    (b"cookie", b"theme=dark; bms_session=staff"),
]


class Recorder:
    """An inner app that reads the whole body and answers 200; it notes what it saw."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope, receive, send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def post(app, path: str, chunks: list[bytes], declared: int | None = None, headers=()):
    """Send a POST in chunks; the status answered and how many chunks the server pulled."""
    headers = [
        *headers,
        *([] if declared is None else [(b"content-length", str(declared).encode())]),
    ]
    scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    pulled, sent = [], []

    async def receive():
        index = len(pulled)
        pulled.append(index)
        if index >= len(chunks):
            return {"type": "http.disconnect"}
        return {
            "type": "http.request",
            "body": chunks[index],
            "more_body": index < len(chunks) - 1,
        }

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, len(pulled)


def test_a_body_under_its_cap_reaches_the_app_whole() -> None:
    inner = Recorder()
    app = with_edge_limits(LIMITS, STAFF_UPLOADS)(inner)
    status, _ = post(app, "/_upload", [b"a" * 400, b"b" * 400], headers=UPLOAD_HEADERS)
    assert status == 200
    assert inner.bodies == [b"a" * 400 + b"b" * 400]


def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    inner = Recorder()
    app = with_edge_limits(LIMITS)(inner)
    status, pulled = post(app, "/_upload", [b"x" * 100] * 5, declared=300_000_000)
    assert (status, pulled, inner.bodies) == (413, 0, [])


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_cap() -> None:
    inner = Recorder()
    app = with_edge_limits(LIMITS)(inner)
    chunks = [b"x" * 200] * 1000  # 200 kB, no length declared (chunked)
    status, pulled = post(app, "/api/stripe/webhook", chunks)
    assert status == 413
    assert pulled == 3  # 600 bytes read: past the webhook's 500, and no further
    assert inner.bodies == []


def test_each_path_has_its_own_cap() -> None:
    inner = Recorder()
    app = with_edge_limits(LIMITS, STAFF_UPLOADS)(inner)
    assert post(app, "/_upload", [b"x" * 900], headers=UPLOAD_HEADERS)[0] == 200
    assert post(app, "/api/stripe/webhook", [b"x" * 900])[0] == 413
    assert post(app, "/anything/else", [b"x" * 101])[0] == 413
    assert post(app, "/anything/else", [b"x" * 100])[0] == 200


class FakeSocket:
    """One websocket connection from `address`; `joins` says whether it joins the namespace."""

    def __init__(self, address: str, joins: bool) -> None:
        self.scope = {
            "type": "websocket",
            "path": "/_event/",
            "client": (address, 5000),
            "headers": [],
        }
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.inbox.put_nowait({"type": "websocket.connect"})
        if joins:
            self.inbox.put_nowait({"type": "websocket.receive", "text": '40/_event,{"auth":1}'})
        self.sent: list[dict] = []

    async def receive(self):
        return await self.inbox.get()

    async def send(self, message):
        self.sent.append(message)

    def leave(self) -> None:
        self.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})

    @property
    def refused(self) -> bool:
        return any(m["type"] == "websocket.close" for m in self.sent)


async def socket_app(scope, receive, send) -> None:
    """Accepts, then reads until the client leaves (as engine.io does)."""
    await receive()
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


def test_one_address_may_hold_only_so_many_sockets_and_others_are_unaffected() -> None:
    async def scenario():
        app = with_edge_limits(LIMITS)(socket_app)
        first, second, third = (FakeSocket("10.0.0.1", joins=True) for _ in range(3))
        neighbour = FakeSocket("10.0.0.2", joins=True)
        tasks = [asyncio.create_task(app(s.scope, s.receive, s.send)) for s in (first, second)]
        await asyncio.sleep(0.05)
        await app(third.scope, third.receive, third.send)  # refused at once
        other = asyncio.create_task(app(neighbour.scope, neighbour.receive, neighbour.send))
        await asyncio.sleep(0.05)
        refused_while_full = third.refused
        first.leave()
        await tasks[0]
        again = FakeSocket("10.0.0.1", joins=True)
        later = asyncio.create_task(app(again.scope, again.receive, again.send))
        await asyncio.sleep(0.05)
        for socket in (second, neighbour, again):
            socket.leave()
        await asyncio.gather(tasks[1], other, later)
        return refused_while_full, neighbour.refused, again.refused, third.sent

    refused_while_full, neighbour_refused, again_refused, third_sent = asyncio.run(scenario())
    assert refused_while_full and third_sent == [{"type": "websocket.close", "code": 1008}]
    assert not neighbour_refused
    assert not again_refused  # a freed place can be taken again


def test_a_socket_that_never_joins_is_closed_and_one_that_joins_is_kept() -> None:
    async def scenario():
        app = with_edge_limits(LIMITS)(socket_app)
        idle, member = FakeSocket("10.0.0.3", joins=False), FakeSocket("10.0.0.4", joins=True)
        idle_task = asyncio.create_task(app(idle.scope, idle.receive, idle.send))
        member_task = asyncio.create_task(app(member.scope, member.receive, member.send))
        await asyncio.wait_for(idle_task, 2)  # the app sees the client leave after 0.3 s
        await asyncio.sleep(0.4)
        member_still_open = not member_task.done()
        member.leave()
        await member_task
        return idle.sent, member.sent, member_still_open

    idle_sent, member_sent, member_still_open = asyncio.run(scenario())
    assert idle_sent[-1] == {"type": "websocket.close", "code": 1008}
    assert member_still_open and all(m["type"] != "websocket.close" for m in member_sent)


def test_a_body_that_trickles_in_is_cut_off_and_a_client_that_leaves_reaches_nothing() -> None:
    limits = dataclasses.replace(LIMITS, body_seconds=0.2)
    inner = Recorder()
    app = with_edge_limits(limits)(inner)
    sent = []

    async def slow_receive():
        await asyncio.sleep(0.15)
        return {"type": "http.request", "body": b"x", "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/stripe/webhook", "headers": []}
    asyncio.run(app(scope, slow_receive, send))
    assert sent[0]["status"] == 408 and inner.bodies == []

    status_sent = []

    async def leaving_receive():
        return {"type": "http.disconnect"}

    async def record(message):
        status_sent.append(message)

    asyncio.run(app(scope, leaving_receive, record))
    assert status_sent == [] and inner.bodies == []


def test_a_read_cancelled_by_the_app_is_not_lost() -> None:
    """engine.io waits for each message under its own timeout: a cancelled wait must leave the
    socket's pending read intact for the next one."""

    async def impatient_app(scope, receive, send) -> None:
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await receive()  # the join
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(receive(), 0.05)  # nothing yet: gives up
        message = await receive()  # then it arrives
        await send({"type": "websocket.send", "text": message["text"]})

    async def scenario():
        socket = FakeSocket("10.0.0.5", joins=True)
        app = with_edge_limits(LIMITS)(impatient_app)
        task = asyncio.create_task(app(socket.scope, socket.receive, socket.send))
        await asyncio.sleep(0.1)
        socket.inbox.put_nowait({"type": "websocket.receive", "text": "42hello"})
        await asyncio.wait_for(task, 2)
        return socket.sent

    sent = asyncio.run(scenario())
    assert sent[-1] == {"type": "websocket.send", "text": "42hello"}


def test_a_worker_holds_only_so_many_sockets_in_all() -> None:
    """Beyond the worker's cap (its memory: ~0.3 MB an open page) a newcomer from any address
    is refused at the handshake."""
    limits = dataclasses.replace(LIMITS, sockets_per_worker=3)

    async def scenario():
        app = with_edge_limits(limits)(socket_app)
        before = open_sockets()  # the other guards' in this process
        held = [FakeSocket(f"10.0.1.{n}", joins=True) for n in range(3)]
        tasks = [asyncio.create_task(app(s.scope, s.receive, s.send)) for s in held]
        await asyncio.sleep(0.05)
        newcomer = FakeSocket("10.0.2.1", joins=True)
        await app(newcomer.scope, newcomer.receive, newcomer.send)  # refused at once
        counted = open_sockets()
        held[0].leave()
        await tasks[0]
        again = FakeSocket("10.0.2.1", joins=True)
        later = asyncio.create_task(app(again.scope, again.receive, again.send))
        await asyncio.sleep(0.05)
        for socket in (*held[1:], again):
            socket.leave()
        await asyncio.gather(*tasks[1:], later)
        return newcomer.refused, counted - before, again.refused, open_sockets() - before

    newcomer_refused, counted, again_refused, after = asyncio.run(scenario())
    assert newcomer_refused and not again_refused  # a freed place can be taken again
    assert (counted, after) == (3, 0)


def test_granian_is_given_room_for_a_crowds_connections_and_a_bounded_stop(monkeypatch) -> None:
    import granian.server

    from bookmyseat.server.patches import granian_tuning

    untuned = next(c for c in granian.server.Server.__mro__ if "bookmyseat_tuned" not in vars(c))
    monkeypatch.setattr(granian.server, "Server", untuned)  # as Reflex finds it, and restored
    assert untuned(target="bookmyseat.bookmyseat:app", workers=2).backpressure == 512
    granian_tuning.install()
    granian_tuning.install()  # twice: one layer
    assert granian.server.Server.__mro__[1] is untuned
    server = granian.server.Server(target="bookmyseat.bookmyseat:app", workers=2)
    assert server.backpressure == granian_tuning.CONNECTIONS_PER_WORKER
    assert server.workers_kill_timeout == granian_tuning.STOP_SECONDS
    chosen = granian.server.Server(target="x:app", workers=2, backpressure=64)
    assert chosen.backpressure == 64  # a caller's own choice stands
