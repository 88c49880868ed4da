"""The production topology on this machine (`make prod-local`): nginx on one port serving the
built frontend and spreading the websocket and API over two or more app servers (each its own
process group, port and workers), all sharing PostgreSQL, Redis and the posters in the database.

    python deploy/prod_local.py start [--servers 2] [--listen 8080] [--first-port 8001]
    python deploy/prod_local.py stop

Starting stops what an earlier start left running (by the process ids it wrote), so it is safe
to run twice. Everything it writes is under .run/prod-local/ (logs, pids, nginx.conf). The
topology's browser tests (tests/e2e/test_two_servers.py) start one of their own with `Topology`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
NGINX = "/usr/sbin/nginx"


@dataclass(frozen=True)
class Topology:
    servers: int = 2
    listen: int = 8080
    first_port: int = 8001
    database: str = "postgresql+psycopg://postgres@127.0.0.1:5432/bookmyseat_local"
    redis: str = "redis://127.0.0.1:6379/5"  # a database number of its own
    run_dir: Path = ROOT / ".run" / "prod-local"
    history_days: int = 60  # of demo sales

    @property
    def ports(self) -> list[int]:
        return [self.first_port + i for i in range(self.servers)]

    @property
    def url(self) -> str:
        return f"http://localhost:{self.listen}"

    def pid_of(self, port: int) -> int:
        """The process group of the app server on `port`."""
        return int((self.run_dir / f"app-{port}.pid").read_text())


def environment(topology: Topology) -> dict[str, str]:
    public = topology.url
    return {
        **os.environ,
        "BOOKMYSEAT_DB_URL": topology.database,
        "REFLEX_REDIS_URL": topology.redis,
        "BOOKMYSEAT_POSTER_STORAGE": "database",
        "BOOKMYSEAT_TRUSTED_PROXIES": "127.0.0.1,::1",  # nginx, on this machine
        "BOOKMYSEAT_PUBLIC_URL": public,
        "REFLEX_API_URL": public,  # the browser's websocket goes through the proxy
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "GRANIAN_WORKERS": os.environ.get("GRANIAN_WORKERS", "2"),
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{os.environ['PATH']}",
    }


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_healthy(port: int, seconds: float, what: str, run_dir: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"{what} on port {port} is not healthy after {seconds:.0f} s; see {run_dir}.")


def create_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        name = url.rsplit("/", 1)[1]
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            return
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


STEP_SECONDS = 900  # the longest a setup step may take (the frontend build on 2 cores: ~3 min)


def run(command: list[str], env: dict[str, str], log: Path) -> None:
    """A setup step in a process group of its own, so that a step given up (too slow, or
    Ctrl-C) ends with what it started too (the frontend build's bun and node)."""
    what = " ".join(command[2:5])
    with open(log, "a") as out:
        step = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            code = step.wait(timeout=STEP_SECONDS)
        except BaseException as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(step.pid, signal.SIGKILL)
            step.wait()
            if isinstance(exc, subprocess.TimeoutExpired):
                raise SystemExit(f"{what} took over {STEP_SECONDS} s; see {log}.") from None
            raise
    if code != 0:
        raise SystemExit(f"{what} failed; see {log}.")


def start_server(port: int, env: dict[str, str], run_dir: Path) -> None:
    log = open(run_dir / f"app-{port}.log", "a")  # noqa: SIM115 - the server keeps it open
    server = subprocess.Popen(
        [sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-only",
         "--backend-host", "127.0.0.1", "--backend-port", str(port), "--loglevel", "info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    (run_dir / f"app-{port}.pid").write_text(str(server.pid))


def nginx_config(topology: Topology) -> Path:
    upstreams = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in topology.ports
    )
    text = (
        TEMPLATE.read_text()
        .replace("@LISTEN@", str(topology.listen))
        .replace("@UPSTREAMS@", upstreams)
        .replace("@RUN_DIR@", str(topology.run_dir))
        .replace("@STATIC@", str(ROOT / ".web" / "build" / "client"))
    )
    path = topology.run_dir / "nginx.conf"
    path.write_text(text)
    return path


def start(topology: Topology) -> None:
    stop(topology, quiet=True)
    run_dir, ports, listen = topology.run_dir, topology.ports, topology.listen
    run_dir.mkdir(parents=True, exist_ok=True)
    for port in [listen, *ports]:
        if port_open(port):
            raise SystemExit(f"Port {port} is busy; choose others (--listen, --first-port).")
    env = environment(topology)
    create_database(topology.database)
    manage = [sys.executable, "-m", "bookmyseat.manage"]
    run([*manage, "migrate"], env, run_dir / "setup.log")
    run([*manage, "demo-data", "--history-days", str(topology.history_days)], env,
        run_dir / "setup.log")  # fmt: skip
    print("Building the frontend once (the proxy serves it)…", flush=True)
    run([sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip",
         "--env", "prod"], env, run_dir / "build.log")  # fmt: skip
    try:
        for port in ports:
            start_server(port, env, run_dir)
        for port in ports:
            wait_healthy(port, 300, "The app server", run_dir)
        config = nginx_config(topology)
        subprocess.run([NGINX, "-t", "-q", "-c", str(config)], check=True, timeout=30)
        subprocess.run([NGINX, "-c", str(config)], check=True, timeout=30)
        wait_healthy(listen, 30, "nginx", run_dir)
    except BaseException:  # nothing half-started is left running
        stop(topology, quiet=True)
        raise
    print(
        f"BookMySeat is at http://localhost:{listen} (app servers on {', '.join(map(str, ports))})"
    )


def end_group(pid: int, seconds: float = 15) -> None:
    """Ask a server's process group to stop, and wait until it has: requests in flight finish,
    and Granian kills workers that have not stopped after 10 s
    (bookmyseat.server.patches.granian_tuning); whatever is left then is killed here, as the
    unit's TimeoutStopSec does. Their pages reconnect to the other servers."""
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)


def stop(topology: Topology, quiet: bool = False) -> None:
    run_dir = topology.run_dir
    config = run_dir / "nginx.conf"
    if (run_dir / "nginx.pid").exists():
        subprocess.run([NGINX, "-s", "quit", "-c", str(config)], capture_output=True)
    for pid_file in run_dir.glob("app-*.pid") if run_dir.exists() else []:
        with contextlib.suppress(ProcessLookupError, ValueError):
            end_group(int(pid_file.read_text()))
        pid_file.unlink()
    if not quiet:
        print("Stopped.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop"])
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--listen", type=int, default=8080)
    parser.add_argument("--first-port", type=int, default=8001)
    args = parser.parse_args()
    topology = Topology(args.servers, args.listen, args.first_port)
    if args.command == "start":
        start(topology)
    else:
        stop(topology)


if __name__ == "__main__":
    main()
