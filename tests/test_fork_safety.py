"""What the production server's supervisor holds when it forks the workers: it imports the app
(Reflex preloads it for fork), so whatever importing the app opens, every worker inherits.
Importing it in production mode must leave no database or Redis connection and no thread of
ours behind (tests/e2e/test_production_shape.py proves the same of the running server)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests.databases import postgres_database, require_redis

ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter: import the app as the server's supervisor does, then report the
# threads alive and the TCP connections this process holds to PostgreSQL and Redis.
IMPORT_AND_REPORT = """
import json, os, re, threading
import bookmyseat.bookmyseat  # noqa: F401
ports = {5432, 6379}
remote = {}
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(table).read().splitlines()[1:]:
        f = line.split()
        if int(f[2].rsplit(":", 1)[1], 16) in ports and f[3] == "01":
            remote[f[9]] = int(f[2].rsplit(":", 1)[1], 16)
held = []
for fd in os.listdir("/proc/self/fd"):
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        continue
    found = re.fullmatch(r"socket:\\[(\\d+)\\]", target)
    if found and found.group(1) in remote:
        held.append(remote[found.group(1)])
print(json.dumps({"threads": [t.name for t in threading.enumerate()], "held": held}))
"""


def imported_in_production(database_url: str, redis_url: str) -> dict:
    env = {
        **os.environ,
        "BOOKMYSEAT_ENV": "production",
        "BOOKMYSEAT_DB_URL": database_url,
        "REFLEX_REDIS_URL": redis_url,
        "BOOKMYSEAT_PUBLIC_URL": "https://tickets.example.test",
        "BOOKMYSEAT_SECRET_KEY": secrets.token_urlsafe(48),
        "BOOKMYSEAT_METRICS_TOKEN": secrets.token_urlsafe(32),
        "STRIPE_SECRET_KEY": "sk_test_fork_safety",
        "STRIPE_WEBHOOK_SECRET": "whsec_fork_safety",
        "BOOKMYSEAT_STRIPE_API_BASE": "http://127.0.0.1:9",
        "REFLEX_TELEMETRY_ENABLED": "false",
    }
    done = subprocess.run([sys.executable, "-c", IMPORT_AND_REPORT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_app_in_production_leaves_no_connection_or_thread() -> None:
    redis_url = require_redis()
    with postgres_database() as engine:
        url = engine.url.render_as_string(hide_password=False)
        report = imported_in_production(url, redis_url)
    assert report["held"] == [], "the supervisor would hand these connections to every worker"
    assert report["threads"] == ["MainThread"]


def test_the_report_sees_a_connection_held_at_import(tmp_path) -> None:
    """The negative control: a module that keeps a pooled connection open is reported."""
    redis_url = require_redis()
    with postgres_database() as engine:
        url = engine.url.render_as_string(hide_password=False)
        keeps = f"from bookmyseat.db import make_engine\nKEPT = make_engine({url!r}).connect()\n"
        script = keeps + IMPORT_AND_REPORT
        env = {**os.environ, "BOOKMYSEAT_DB_URL": url, "REFLEX_REDIS_URL": redis_url}
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["held"] == [5432]
