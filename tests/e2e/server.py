"""Start the production build with a fresh demo database (used by the browser tests and bench/)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("BOOKMYSEAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


class AppDidNotStart(RuntimeError):
    pass


@dataclass(frozen=True)
class RunningApp:
    url: str
    database_url: str
    redis_url: str
    pid: int = 0  # the server's process group: a test may kill it outright

    def showtimes_on(self, screen: str) -> list[int]:
        """Future showtimes of a demo screen, soonest first (read straight from the database)."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT showtime.id FROM showtime JOIN screen ON screen.id = "
                        "showtime.screen_id WHERE screen.name = :screen AND showtime.starts_at > "
                        ":soon ORDER BY showtime.starts_at"
                    ),
                    {"screen": screen, "soon": _in_hours(6)},
                )
                return [row[0] for row in rows]
        finally:
            engine.dispose()

    def session_for(self, username: str) -> str:
        """A sign-in cookie's token for the user, minted in the app's database (as signing in
        does), for clients that skip the form."""
        from bookmyseat.models import User
        from bookmyseat.services.accounts.login_sessions import start_session

        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                user = conn.execute(select(User.id).where(User.username == username)).scalar_one()
            return start_session(user, engine=engine)
        finally:
            engine.dispose()

    def query(self, sql: str, **params: object) -> list[tuple]:
        """Read the app's database directly (to check what a journey stored)."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(sql), params)]
        finally:
            engine.dispose()

    def execute(self, sql: str, **params: object) -> None:
        """Change the app's database directly (a test's clock tricks, never the app's logic)."""
        engine = create_engine(self.database_url)
        try:
            with engine.begin() as conn:
                conn.execute(text(sql), params)
        finally:
            engine.dispose()


def _in_hours(hours: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M:%S")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def running_app(
    data: Path,
    port: int,
    *,
    redis_url: str = "",
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
    fresh_data: bool = True,
    database_url: str = "",
) -> Iterator[RunningApp]:
    """Migrate and load demo data into `data/e2e.db` (or `database_url`), serve the prod build
    on `port`, stop it.

    With Redis, Reflex would start 2 × cores + 1 backend workers (5 here, next to Chromium on 2
    cores); `workers` sets what the machine can run, still several."""
    if port_open(port):
        raise AppDidNotStart(f"Port {port} is busy; choose a free one.")
    database_url = database_url or f"sqlite:///{data / 'e2e.db'}"
    env = {
        **os.environ,
        "BOOKMYSEAT_DB_URL": database_url,
        "BOOKMYSEAT_UPLOAD_DIR": str(data),
        "REFLEX_API_URL": f"http://localhost:{port}",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{os.environ['PATH']}",
    }
    env.pop("REFLEX_REDIS_URL", None)
    if redis_url:  # the tests' own Redis database: nothing from an earlier run (throttle counts)
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        env["REFLEX_REDIS_URL"] = redis_url
        env["GRANIAN_WORKERS"] = str(workers)
    env.update(extra_env or {})
    for command in ("migrate", "demo-data") if fresh_data else ():
        subprocess.run(
            [sys.executable, "-m", "bookmyseat.manage", command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    log_path = data / "reflex.log"
    with open(log_path, "a") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reflex",
                "run",
                "--env",
                "prod",
                "--frontend-port",
                str(port),
                "--backend-port",
                str(port),
                "--loglevel",
                os.environ.get("BOOKMYSEAT_E2E_LOGLEVEL", "info"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with everything it started
        )
        try:
            deadline = time.monotonic() + 600
            while not port_open(port):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise AppDidNotStart("The app did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(1)
            _wait_until_healthy(port, deadline)
            yield RunningApp(f"http://localhost:{port}", database_url, redis_url, server.pid)
        finally:
            _stop(server)


@dataclass
class BackendProcess:
    """A backend server started by `backend_server`: its process group, log and address."""

    url: str
    log_path: Path
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def backend_server(port: int, env: dict[str, str], log_path: Path) -> Iterator[BackendProcess]:
    """Serve the backend only (no frontend build: nothing is written to `.web`) in production
    mode (`reflex run --env prod --backend-only`) on 127.0.0.1:`port` with `env`, until the
    block ends. Start it again with another block, on the same database, to restart it."""
    if port_open(port):
        raise AppDidNotStart(f"Port {port} is busy; choose a free one.")
    env = {
        **os.environ,
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{os.environ['PATH']}",
        **env,
    }
    command = [
        *(sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-only"),
        *("--backend-host", "127.0.0.1", "--backend-port", str(port), "--loglevel", "info"),
    ]
    with open(log_path, "a") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its workers
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 300
            while not port_open(port):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = log_path.read_text()[-3000:]
                    raise AppDidNotStart(f"The backend did not start:\n{tail}")
                time.sleep(0.5)
            _wait_until_healthy(port, deadline)
            yield BackendProcess(f"http://127.0.0.1:{port}", log_path, server)
        finally:
            _stop(server)


def _wait_until_healthy(port: int, deadline: float) -> None:
    """An open port is not yet an app that answers: wait for Reflex's own health check."""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AppDidNotStart(f"The app on port {port} listens but never answered /_health.")


def _stop(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)
