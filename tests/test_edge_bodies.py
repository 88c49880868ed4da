"""Request bodies at the edge (probe finding 6): uploads refused before a byte is read unless a
staff tab sends them, bodies past the in-memory size kept on disk, and the bodies streaming in
at once capped per client address and per worker."""

from __future__ import annotations

import asyncio
import dataclasses
import functools

import pytest
from reflex_base.registry import RegistrationContext
from sqlalchemy.engine import Engine

from bookmyseat.db import write_session
from bookmyseat.models import Role, User
from bookmyseat.server import edge_limits
from bookmyseat.server.edge_limits import UploadGate, staff_session_refusal, with_edge_limits
from bookmyseat.services.accounts.login_sessions import start_session
from bookmyseat.services.staff import audit
from tests.test_edge_limits import LIMITS, STAFF_UPLOADS, UPLOAD_HANDLER, Recorder, post

HEADERLESS: list[tuple[bytes, bytes]] = []
TOKEN = (b"reflex-client-token", b"a-tab")
OUR_HANDLER = (b"reflex-event-handler", UPLOAD_HANDLER.encode())


def cookie(session: str) -> tuple[bytes, bytes]:
    return b"cookie", f"bms_session={session}".encode()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (HEADERLESS, 400),
        ([TOKEN, cookie("staff")], 400),  # no handler named
        ([OUR_HANDLER, cookie("staff")], 400),  # no page token
        ([TOKEN, (b"reflex-event-handler", b"state.home_state.search"), cookie("staff")], 403),
        ([TOKEN, OUR_HANDLER], 401),  # no session cookie
        ([TOKEN, OUR_HANDLER, cookie("a-customer")], 403),
    ],
)
def test_an_upload_that_is_not_a_staff_tabs_is_refused_before_a_byte_is_read(
    headers, status
) -> None:
    inner = Recorder()
    app = with_edge_limits(LIMITS, STAFF_UPLOADS)(inner)
    answered, pulled = post(app, "/_upload", [b"x" * 400] * 2, headers=headers)
    assert (answered, pulled, inner.bodies) == (status, 0, [])


def test_a_staff_tabs_upload_reaches_the_app() -> None:
    """The negative control of the refusals above: the same upload, from staff."""
    inner = Recorder()
    app = with_edge_limits(LIMITS, STAFF_UPLOADS)(inner)
    headers = [TOKEN, OUR_HANDLER, cookie("staff")]
    assert post(app, "/_upload", [b"x" * 400] * 2, headers=headers)[0] == 200
    assert inner.bodies == [b"x" * 800]


def test_without_a_gate_nobody_uploads() -> None:
    app = with_edge_limits(LIMITS)(Recorder())
    headers = [TOKEN, OUR_HANDLER, cookie("staff")]
    assert post(app, "/_upload", [b"x" * 400], headers=headers) == (403, 0)


def test_the_gate_names_the_poster_upload_as_reflex_registers_it() -> None:
    """Reflex's upload endpoint looks the header's handler up by this name (and refuses any
    other), so the gate must name it the same way."""
    from bookmyseat.state.admin_catalog import CatalogState

    (name,) = UploadGate.of(CatalogState.upload_poster).handlers
    assert RegistrationContext.get().event_handlers.get(name) is not None
    assert name.endswith("catalog_state.upload_poster")


def test_an_upload_waits_for_no_thread_when_it_brings_no_session() -> None:
    asked = []
    gate = UploadGate(frozenset({UPLOAD_HANDLER}), refusal_for=lambda s: asked.append(s))
    app = with_edge_limits(LIMITS, gate)(Recorder())
    assert post(app, "/_upload", [b"x"], headers=[TOKEN, OUR_HANDLER])[0] == 401
    assert asked == []


def test_a_database_failure_refuses_the_upload_unread() -> None:
    def broken(session: str):
        raise ConnectionError("database away")

    app = with_edge_limits(LIMITS, UploadGate(frozenset({UPLOAD_HANDLER}), broken))(Recorder())
    headers = [TOKEN, OUR_HANDLER, cookie("staff")]
    assert post(app, "/_upload", [b"x"], headers=headers) == (503, 0)


def add_user(engine: Engine, name: str, role: Role) -> str:
    """A signed-in browser's session token for a new user of `role`."""
    with write_session(engine) as session:
        user = User(username=name, email=f"{name}@example.com", password_hash="x", role=role)
        session.add(user)
        session.flush()
        user_id = user.id
    return start_session(user_id, engine=engine)


def test_only_an_admins_session_may_upload(engine: Engine) -> None:
    """The real look-up: the session cookie's account, by the staff rule (uploads change the
    catalogue, so auditors may not)."""
    refusal = functools.partial(staff_session_refusal, engine=engine)
    admin = add_user(engine, "boss", Role.ADMIN)
    auditor = add_user(engine, "reader", Role.AUDITOR)
    customer = add_user(engine, "fan", Role.CUSTOMER)
    assert refusal(admin) is None
    assert refusal(auditor)[0] == 403
    assert refusal(customer) == (403, "This part of the site is for cinema staff.")
    assert refusal("not-a-session")[0] == 401
    refused = [e.detail for e in audit.entries(action="access_refused", engine=engine)[0]]
    assert any("customer tried to change an upload" in detail for detail in refused)


class RecordingSpool(edge_limits.SpooledTemporaryFile):
    made: list[RecordingSpool] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        RecordingSpool.made.append(self)


@pytest.fixture
def spools(monkeypatch) -> list[RecordingSpool]:
    RecordingSpool.made = []
    monkeypatch.setattr(edge_limits, "SpooledTemporaryFile", RecordingSpool)
    return RecordingSpool.made


class ChunkCounter(Recorder):
    """Also notes how many messages the body came to the app in."""

    def __init__(self) -> None:
        super().__init__()
        self.messages = 0

    async def __call__(self, scope, receive, send) -> None:
        async def counted():
            self.messages += 1
            return await receive()

        await super().__call__(scope, counted, send)


def test_a_body_past_the_in_memory_size_is_kept_on_disk_and_reaches_the_app_whole(
    spools, monkeypatch
) -> None:
    monkeypatch.setattr(edge_limits, "REPLAY_CHUNK", 300)
    limits = dataclasses.replace(LIMITS, body_in_memory=256)
    inner = ChunkCounter()
    app = with_edge_limits(limits, STAFF_UPLOADS)(inner)
    body = [bytes([65 + n]) * 200 for n in range(4)]  # 800 bytes in four pieces
    headers = [TOKEN, OUR_HANDLER, cookie("staff")]
    assert post(app, "/_upload", body, headers=headers)[0] == 200
    assert inner.bodies == [b"".join(body)]
    assert inner.messages == 3  # replayed from the file in pieces: 300 + 300 + 200
    (spool,) = spools
    assert spool._rolled  # on disk, not in memory
    assert spool.closed  # and gone once the app is done


def test_a_body_under_the_in_memory_size_stays_in_memory_and_one_piece_needs_no_file(
    spools,
) -> None:
    limits = dataclasses.replace(LIMITS, body_in_memory=256)
    inner = Recorder()
    app = with_edge_limits(limits)(inner)
    assert post(app, "/api/stripe/webhook", [b"a" * 100, b"b" * 100])[0] == 200
    assert post(app, "/api/stripe/webhook", [b"c" * 200])[0] == 200
    assert inner.bodies == [b"a" * 100 + b"b" * 100, b"c" * 200]
    (spool,) = spools  # the body that came in two pieces
    assert not spool._rolled and spool.closed


def test_a_body_refused_on_the_way_leaves_no_file(spools) -> None:
    limits = dataclasses.replace(LIMITS, body_in_memory=10)
    app = with_edge_limits(limits)(Recorder())
    assert post(app, "/api/stripe/webhook", [b"x" * 200] * 5)[0] == 413
    assert [spool.closed for spool in spools] == [True]


class HeldBody:
    """A POST whose body's first piece has arrived and whose rest the client holds back."""

    def __init__(
        self, app, address: str, path: str = "/api/stripe/webhook", headers=(), whole=False
    ) -> None:
        self.scope = {
            "type": "http",
            "method": "POST",
            "path": path,
            "client": (address, 5000),
            "headers": list(headers),
        }
        self.pulled = 0
        self.sent: list[dict] = []
        self.rest = asyncio.Event()
        self.whole = whole  # the body came in one piece
        self.task = asyncio.create_task(app(self.scope, self.receive, self.send))

    async def receive(self):
        self.pulled += 1
        if self.pulled == 1:
            return {"type": "http.request", "body": b"x" * 10, "more_body": not self.whole}
        await self.rest.wait()
        return {"type": "http.request", "body": b"y" * 10, "more_body": False}

    async def send(self, message):
        self.sent.append(message)

    @property
    def answer(self) -> tuple[int, dict[bytes, bytes]] | None:
        for message in self.sent:
            if message["type"] == "http.response.start":
                return message["status"], dict(message["headers"])
        return None


def test_bodies_streaming_in_at_once_are_capped_per_address_and_per_worker() -> None:
    limits = dataclasses.replace(LIMITS, bodies_per_address=2, bodies_per_worker=3)

    async def scenario():
        app = with_edge_limits(limits, STAFF_UPLOADS)(Recorder())
        first, second = HeldBody(app, "10.0.0.1"), HeldBody(app, "10.0.0.1")
        neighbour = HeldBody(app, "10.0.0.2")
        await asyncio.sleep(0.05)
        third = HeldBody(app, "10.0.0.1")  # the address's third at once
        stranger = HeldBody(app, "10.0.0.3")  # the worker's fourth
        whole = HeldBody(app, "10.0.0.1", whole=True)  # in one piece: needs no place
        await asyncio.gather(third.task, stranger.task)
        upload = HeldBody(app, "10.0.0.1", "/_upload", [TOKEN, OUR_HANDLER, cookie("staff")])
        await upload.task  # refused before the gate is even asked
        await whole.task
        held_open = [b.answer is None for b in (first, second, neighbour)]
        first.rest.set()
        await first.task
        again = HeldBody(app, "10.0.0.1")  # a place given back is taken again
        await asyncio.sleep(0.05)
        again_waits = again.answer is None
        for body in (second, neighbour, again):
            body.rest.set()
        await asyncio.gather(second.task, neighbour.task, again.task)
        return held_open, third, stranger, upload, whole, first, again_waits, again

    held_open, third, stranger, upload, whole, first, again_waits, again = asyncio.run(scenario())
    assert held_open == [True, True, True]  # the overlap: all three mid-body at the refusals
    assert third.answer[0] == 429 and third.answer[1][b"retry-after"] == b"1"
    assert stranger.answer[0] == 503 and stranger.answer[1][b"retry-after"] == b"1"
    assert (third.pulled, stranger.pulled) == (1, 1)  # nothing read past the first piece
    assert (upload.answer[0], upload.pulled) == (429, 0)
    assert whole.answer[0] == 200
    assert first.answer[0] == 200 and again_waits and again.answer[0] == 200


def test_bodies_under_the_caps_are_all_read() -> None:
    """The negative control: as many bodies at once as the caps allow, all served."""
    limits = dataclasses.replace(LIMITS, bodies_per_address=2, bodies_per_worker=4)

    async def scenario():
        app = with_edge_limits(limits)(Recorder())
        held = [HeldBody(app, f"10.0.1.{n // 2}") for n in range(4)]
        await asyncio.sleep(0.05)
        waiting = [body.answer is None for body in held]
        for body in held:
            body.rest.set()
        await asyncio.gather(*(body.task for body in held))
        return waiting, [body.answer[0] for body in held]

    waiting, statuses = asyncio.run(scenario())
    assert waiting == [True] * 4 and statuses == [200] * 4


def test_a_streamed_body_keeps_its_place_until_the_app_has_answered() -> None:
    """The app reads a body into memory (up to its cap): while it still handles one, the place
    is not free for another."""
    limits = dataclasses.replace(LIMITS, bodies_per_address=1)
    answering = asyncio.Event()

    async def slow_app(scope, receive, send) -> None:
        while (await receive()).get("more_body"):
            pass
        await answering.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def scenario():
        app = with_edge_limits(limits)(slow_app)
        first = HeldBody(app, "10.0.0.7")
        first.rest.set()  # the whole body sent: only the app is still at work
        await asyncio.sleep(0.05)
        second = HeldBody(app, "10.0.0.7")
        await second.task
        answering.set()
        await first.task
        third = HeldBody(app, "10.0.0.7")
        third.rest.set()
        await third.task
        return first.answer[0], second.answer[0], third.answer[0]

    assert asyncio.run(scenario()) == (200, 429, 200)
