"""The production topology on this machine (`make prod-local`): nginx on one port serving the
built frontend and spreading the websocket and API over two or more app servers (each its own
process group, port and workers), all sharing PostgreSQL, Redis and the posters in the database.

    python deploy/prod_local.py start [--servers 2] [--listen 8080] [--first-port 8001]
    python deploy/prod_local.py stop

Starting stops what an earlier start left running (by the process ids it wrote), so it is safe
to run twice. Everything it writes is under .run/prod-local/ (logs, pids, nginx.conf).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / ".run" / "prod-local"
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/bookmyseat_local"
REDIS = "redis://127.0.0.1:6379/5"  # a database number of its own
NGINX = "/usr/sbin/nginx"


def environment(listen: int) -> dict[str, str]:
    public = f"http://localhost:{listen}"
    return {
        **os.environ,
        "BOOKMYSEAT_DB_URL": DATABASE,
        "REFLEX_REDIS_URL": REDIS,
        "BOOKMYSEAT_POSTER_STORAGE": "database",
        "BOOKMYSEAT_TRUSTED_PROXY_HOPS": "1",
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


def wait_healthy(port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"{what} on port {port} is not healthy after {seconds:.0f} s; see {RUN}.")


def create_database() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(DATABASE.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        name = DATABASE.rsplit("/", 1)[1]
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            return
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def run(command: list[str], env: dict[str, str], log: str) -> None:
    with open(RUN / log, "a") as out:
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[2:5])} failed; see {RUN / log}.")


def start_server(port: int, env: dict[str, str]) -> None:
    log = open(RUN / f"app-{port}.log", "a")  # noqa: SIM115 - the server keeps it open
    server = subprocess.Popen(
        [sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-only",
         "--backend-port", str(port), "--loglevel", "info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    (RUN / f"app-{port}.pid").write_text(str(server.pid))


def nginx_config(listen: int, ports: list[int]) -> Path:
    upstreams = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in ports
    )
    text = (
        TEMPLATE.read_text()
        .replace("@LISTEN@", str(listen))
        .replace("@UPSTREAMS@", upstreams)
        .replace("@RUN_DIR@", str(RUN))
        .replace("@STATIC@", str(ROOT / ".web" / "build" / "client"))
    )
    path = RUN / "nginx.conf"
    path.write_text(text)
    return path


def start(servers: int, listen: int, first_port: int) -> None:
    stop(quiet=True)
    RUN.mkdir(parents=True, exist_ok=True)
    ports = [first_port + i for i in range(servers)]
    for port in [listen, *ports]:
        if port_open(port):
            raise SystemExit(f"Port {port} is busy; choose others (--listen, --first-port).")
    env = environment(listen)
    create_database()
    run([sys.executable, "-m", "bookmyseat.manage", "migrate"], env, "setup.log")
    run([sys.executable, "-m", "bookmyseat.manage", "demo-data"], env, "setup.log")
    print("Building the frontend once (the proxy serves it)…", flush=True)
    run([sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip",
         "--env", "prod"], env, "build.log")  # fmt: skip
    for port in ports:
        start_server(port, env)
    for port in ports:
        wait_healthy(port, 300, "The app server")
    config = nginx_config(listen, ports)
    subprocess.run([NGINX, "-t", "-q", "-c", str(config)], check=True)
    subprocess.run([NGINX, "-c", str(config)], check=True)
    wait_healthy(listen, 30, "nginx")
    print(
        f"BookMySeat is at http://localhost:{listen} (app servers on {', '.join(map(str, ports))})"
    )


def stop(quiet: bool = False) -> None:
    config = RUN / "nginx.conf"
    if (RUN / "nginx.pid").exists():
        subprocess.run([NGINX, "-s", "quit", "-c", str(config)], capture_output=True)
    for pid_file in RUN.glob("app-*.pid") if RUN.exists() else []:
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)
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
    if args.command == "start":
        start(args.servers, args.listen, args.first_port)
    else:
        stop()


if __name__ == "__main__":
    main()
