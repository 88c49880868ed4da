"""What operators rely on: /healthz for the proxy, /metrics for Prometheus (exact figures from
the database, hold outcomes and open sockets shared through Redis), JSON logs in production,
and a backup that restores to exactly what was backed up, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from bookmyseat.api import api, common, operations, showtimes
from bookmyseat.server.client_address import with_client_address
from bookmyseat.server.log_format import configure_logging
from bookmyseat.services.accounts import login_sessions
from bookmyseat.services.booking import holds
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.operations import backup as backups
from bookmyseat.services.operations import health, metrics, shared_figures
from bookmyseat.services.redis_clients import client_for
from bookmyseat.settings import proxy_networks, with_changes
from tests.conftest import World
from tests.databases import require_redis


@pytest.fixture
def figures(monkeypatch) -> str:
    """Shared figures under keys of this test's own, in the tests' Redis."""
    url = require_redis()
    monkeypatch.setattr(shared_figures, "PREFIX", f"bms:test:{uuid.uuid4().hex}:")
    return url


def scrape(body: bytes) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


# --- /healthz ---------------------------------------------------------------------------------


def test_health_says_what_answers(world: World, figures: str) -> None:
    assert health.check_health(figures, world.engine) == health.Health("ok", "ok")
    assert health.check_health("", world.engine).redis == "not used"
    nowhere = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    down = health.check_health("redis://127.0.0.1:1/0", nowhere)
    assert down == health.Health("down", "down") and not down.ok


def test_the_healthz_route_answers_200_or_503(world: World, monkeypatch) -> None:
    client = TestClient(api)
    monkeypatch.setattr(operations, "check_health",
                        lambda url: health.check_health("", world.engine))  # fmt: skip
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"database": "ok", "redis": "not used"}
    nowhere = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setattr(operations, "check_health",
                        lambda url: health.check_health("", nowhere))  # fmt: skip
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["database"] == "down"


# --- /metrics ---------------------------------------------------------------------------------


def test_metrics_give_the_databases_figures_and_the_shared_counts(world: World, figures) -> None:
    paid = world.hold(world.alice, "C1", "C2")
    world.pay(paid)
    world.hold(world.bob, "A1")  # held, unpaid
    cancel_booking(paid.reference, engine=world.engine)
    shared_figures.count(metrics.HOLD_REQUESTS, "held", figures, 3)
    shared_figures.count(metrics.HOLD_REQUESTS, "seat_unavailable", figures)
    shared_figures.report(metrics.OPEN_SOCKETS, 4, figures, worker="a")
    shared_figures.report(metrics.OPEN_SOCKETS, 5, figures, worker="b")
    shared_figures.report(metrics.OPEN_SOCKETS, 100, figures, worker="gone")
    client_for(figures).hset(shared_figures.PREFIX + metrics.OPEN_SOCKETS, "gone",
                                         "100:1.0")  # fmt: skip  # reported long ago
    found = scrape(metrics.metrics_text(figures, engine=world.engine))
    assert found[("bookmyseat_bookings", (("status", "cancelled"),))] == 1
    assert found[("bookmyseat_bookings", (("status", "held"),))] == 1
    assert found[("bookmyseat_holds_open", ())] == 1
    assert found[("bookmyseat_payments", (("provider", "demo"), ("status", "refund_pending")))] == 1
    assert found[("bookmyseat_outbox_messages", (("status", "pending"),))] == 2  # ticket, notice
    assert found[("bookmyseat_outbox_oldest_unsent_seconds", ())] >= 0
    assert found[("bookmyseat_hold_requests_total", (("outcome", "held"),))] == 3
    assert found[("bookmyseat_hold_requests_total", (("outcome", "seat_unavailable"),))] == 1
    assert found[("bookmyseat_open_websockets", ())] == 9  # the stale worker is left out


def test_hold_requests_are_counted_by_outcome_through_the_route(
    world: World, settings, figures, monkeypatch
) -> None:
    monkeypatch.setattr(
        showtimes, "get_settings", lambda: with_changes(settings, redis_url=figures)
    )
    monkeypatch.setattr(
        showtimes, "hold_seats_signed_in",
        lambda token, showtime_id, seat_ids, **given: holds.hold_seats_signed_in(
            token, showtime_id, seat_ids, **given, settings=settings, engine=world.engine),
    )  # fmt: skip
    client = TestClient(api)
    token = login_sessions.start_session(world.alice, engine=world.engine)
    client.cookies.set(common.SESSION_COOKIE, token)
    path = f"/api/showtimes/{world.showtime_id}/holds"
    assert client.post(path, json={"seat_ids": world.ids("C1", "C2")}).status_code == 201
    other = login_sessions.start_session(world.bob, engine=world.engine)
    client.cookies.set(common.SESSION_COOKIE, other)
    assert client.post(path, json={"seat_ids": world.ids("C1", "C2")}).status_code == 409
    counted = shared_figures.counts(metrics.HOLD_REQUESTS, figures)
    assert counted == {"held": 1, "seat_unavailable": 1}


def test_metrics_answer_this_machine_or_the_token_only(world: World, settings, monkeypatch) -> None:
    monkeypatch.setattr(operations, "metrics_text",
                        lambda url: metrics.metrics_text("", engine=world.engine))  # fmt: skip
    dev = with_changes(settings, environment="development", metrics_token="")
    monkeypatch.setattr(operations, "get_settings", lambda: dev)

    def status(peer: str, headers: dict | None = None, proxies: str = "") -> int:
        """Through the app's outermost layer, as a request reaches the route."""
        layered = with_client_address(proxy_networks(proxies))(api)
        return TestClient(layered, client=(peer, 5000)).get("/metrics", headers=headers).status_code

    here = TestClient(api, client=("127.0.0.1", 5000))
    assert b"bookmyseat_holds_open" in here.get("/metrics").content
    assert status("127.0.0.1") == 200 and status("::1") == 200
    # The client address decides, never whether a header is there: a claim from afar is no
    # proof of being here, nor a claim from here of being afar.
    assert status("203.0.113.9", {"X-Forwarded-For": "127.0.0.1"}) == 404
    assert status("203.0.113.9", {"X-Real-IP": "127.0.0.1"}) == 404
    assert status("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}) == 200
    # A customer through a trusted proxy on this machine is someone on the internet.
    assert status("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}, proxies="127.0.0.1") == 404
    token = "m" * 40
    monkeypatch.setattr(operations, "get_settings",
                        lambda: with_changes(dev, metrics_token=token))  # fmt: skip
    assert status("127.0.0.1") == 404  # with a token set, the token it is
    assert status("203.0.113.9", {"Authorization": "Bearer wrong"}) == 404
    assert status("203.0.113.9", {"Authorization": f"Bearer {token}"}) == 200


def test_in_production_metrics_need_the_token_even_from_this_machine(
    world: World, settings, monkeypatch
) -> None:
    """A proxy on this machine that does not name its clients (no X-Forwarded-For) makes every
    customer look local (probe finding 11): production trusts the token only."""
    monkeypatch.setattr(operations, "metrics_text",
                        lambda url: metrics.metrics_text("", engine=world.engine))  # fmt: skip
    live = with_changes(settings, environment="production", metrics_token="")
    monkeypatch.setattr(operations, "get_settings", lambda: live)
    here = TestClient(api, client=("127.0.0.1", 5000))
    assert here.get("/metrics").status_code == 404
    assert here.get("/metrics", headers={"X-Real-IP": "203.0.113.9"}).status_code == 404
    token = "m" * 40
    monkeypatch.setattr(operations, "get_settings",
                        lambda: with_changes(live, metrics_token=token))  # fmt: skip
    assert here.get("/metrics").status_code == 404
    assert here.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200


# --- logs -------------------------------------------------------------------------------------


def test_production_logs_are_json_lines_and_development_logs_are_not(settings) -> None:
    root = logging.getLogger()
    kept = (list(root.handlers), root.level)
    try:
        assert configure_logging(with_changes(settings, environment="development")) is False
        out = io.StringIO()
        assert configure_logging(with_changes(settings, environment="production"), out)
        assert configure_logging(with_changes(settings, environment="production"), out)  # once
        logging.getLogger("bookmyseat.test").warning("Refund %s failed", "re_1")
        [line] = out.getvalue().splitlines()
        record = json.loads(line)
        assert record["level"] == "WARNING" and record["logger"] == "bookmyseat.test"
        assert record["message"] == "Refund re_1 failed" and "time" in record
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in kept[0]:
            root.addHandler(handler)
        root.setLevel(kept[1])


def test_production_logs_never_keep_a_token(settings) -> None:
    """The websocket's address carries the tab's token, and an event that fails is logged with
    its fields (probe finding 10): no such value reaches a log line."""
    root = logging.getLogger()
    kept = (list(root.handlers), root.level)
    secrets = ["tab-3f9a-token", "sign-in-cookie-77c1", "reset-0d4e", "pass-5e2b"]
    try:
        out = io.StringIO()
        configure_logging(with_changes(settings, environment="production"), out)
        log = logging.getLogger("reflex.app")
        log.warning("Connect from /_event/?EIO=4&transport=websocket&token=%s", secrets[0])
        fields = {
            "token": secrets[0],
            "name": "state.hydrate",
            "payload": {"vars": {"state.auth_state.session_token_rx_state_": secrets[1]}},
        }
        try:
            raise ValueError(f"Failed to deserialize event data: {json.dumps(fields)}.")
        except ValueError:
            log.exception("Event failed: %r", fields)
        log.info("GET /reset-password?token=%s and /api/showtimes/7/queue?pass=%s", *secrets[2:])
        lines = out.getvalue().splitlines()
        assert len(lines) == 3 and all(json.loads(line) for line in lines)
        assert not [secret for secret in secrets if secret in out.getvalue()], out.getvalue()
        first = json.loads(lines[0])["message"]
        assert first == "Connect from /_event/?EIO=4&transport=websocket&token=[hidden]"
        assert "state.hydrate" in lines[1] and "Failed to deserialize" in lines[1]
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in kept[0]:
            root.addHandler(handler)
        root.setLevel(kept[1])


def test_the_servers_own_access_log_is_off_and_would_not_keep_query_strings(monkeypatch) -> None:
    """Granian, as Reflex starts it for `reflex run --env prod`, logs no requests; its format,
    were it turned on, has the path without the query string."""
    import granian.log
    import granian.server
    from reflex.utils import exec as reflex_exec

    built: list[dict] = []

    class Recorded:
        def __init__(self, **kwargs) -> None:
            built.append(kwargs)

        def serve(self) -> None:
            pass

    monkeypatch.setattr(granian.server, "Server", Recorded)
    monkeypatch.setattr(reflex_exec, "_backend_start_method", lambda: None)
    monkeypatch.setattr(reflex_exec, "get_app_instance_from_file", lambda: "app:app")
    reflex_exec.run_granian_backend_prod("127.0.0.1", 3000, reflex_exec.LogLevel.INFO)
    [arguments] = built
    assert not arguments.get("log_access") and "log_access_format" not in arguments
    assert "query_string" not in granian.log.DEFAULT_ACCESSLOG_FMT
    assert "%(path)s" in granian.log.DEFAULT_ACCESSLOG_FMT


# --- backup and restore -----------------------------------------------------------------------


def test_a_backup_restores_exactly_what_was_backed_up(world: World, tmp_path) -> None:
    url = world.engine.url.render_as_string(hide_password=False)
    kept = world.hold(world.alice, "C1")
    world.pay(kept)
    target = backups.backup(url, tmp_path / "before.backup")
    with pytest.raises(backups.BackupError, match="exists already"):
        backups.backup(url, target)
    world.hold(world.bob, "A1", "A2")  # made after the backup: gone after the restore
    cancel_booking(kept.reference, engine=world.engine)
    world.engine.dispose()  # the restore replaces the database under any open connection
    backups.restore(url, target)
    world.engine.dispose()
    with world.engine.connect() as conn:
        rows = conn.execute(text("SELECT reference, status FROM booking")).all()
    assert rows == [(kept.reference, "paid")]


def test_a_restore_of_something_else_is_refused_and_changes_nothing(world: World, tmp_path):
    url = world.engine.url.render_as_string(hide_password=False)
    world.pay(world.hold(world.alice, "C1"))
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"this is not a backup" * 100)
    with pytest.raises(backups.BackupError):
        backups.restore(url, junk)
    with pytest.raises(backups.BackupError, match="no backup"):
        backups.restore(url, tmp_path / "missing.backup")
    world.engine.dispose()
    with world.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM booking")).scalar_one() == 1
