"""The running app (production build, two workers, Redis) answers the proxy's /healthz and
Prometheus's /metrics: figures from the database and the workers' shared counts."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.server import RunningApp


def fetch(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_healthz_and_metrics_answer_from_the_running_app(app_server: RunningApp) -> None:
    status, body = fetch(f"{app_server.url}/healthz")
    assert status == 200 and json.loads(body) == {"database": "ok", "redis": "ok"}
    # The workers report their open websockets every 10 seconds: wait for a full scrape.
    deadline, names = time.monotonic() + 30, set()
    while time.monotonic() < deadline:
        status, body = fetch(f"{app_server.url}/metrics")
        assert status == 200
        families = {f.name: f for f in text_string_to_metric_families(body.decode())}
        names = set(families)
        if "bookmyseat_open_websockets" in names:
            break
        time.sleep(1)
    assert {"bookmyseat_bookings", "bookmyseat_holds_open", "bookmyseat_payments",
            "bookmyseat_outbox_messages", "bookmyseat_hold_requests",
            "bookmyseat_open_websockets", "bookmyseat_waitlist_waiting"} <= names  # fmt: skip
    paid = sum(s.value for s in families["bookmyseat_bookings"].samples
               if s.labels["status"] == "paid")  # fmt: skip
    assert paid > 50  # the demo history's sales, read from the database
    # No proxy is trusted here: a forwarded address from this machine is ignored, not believed
    # (tests/test_operations.py covers a trusted proxy's forwarded request, refused).
    forged = fetch(f"{app_server.url}/metrics", {"X-Forwarded-For": "203.0.113.9"})
    assert forged[0] == 200
