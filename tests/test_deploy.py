"""What deploy/ prescribes: app servers bound where only the proxy reaches them, trusting only
its X-Forwarded-For (probe finding 2), `make run` on this machine only (finding 12), and access
logs that never keep a query string, since the websocket's carries the tab's token (finding
10)."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deploy import prod_local
from deploy.prod_local import Topology, nginx_config

ROOT = Path(__file__).resolve().parents[1]
SECRETS = ("tab-token-3f9a", "reset-token-77c1", "cs_test_5e2b", "pass-0d4e")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def app_server_standin():
    """Answers every request 200, as an app server would the websocket's first poll."""

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(not Path(prod_local.NGINX).exists(), reason="nginx is not installed")
def test_nginx_logs_each_request_by_its_path_never_its_query_string(tmp_path) -> None:
    with app_server_standin() as upstream:
        topology = dataclasses.replace(Topology(servers=1, listen=free_port(), first_port=upstream),
                                       run_dir=tmp_path / "run")  # fmt: skip
        topology.run_dir.mkdir()
        config = nginx_config(topology)  # no frontend built here: its pages fail
        port = topology.listen  # on loopback only, as a test should
        text = config.read_text().replace(f"listen {port};", f"listen 127.0.0.1:{port};")
        config.write_text(text)
        subprocess.run([prod_local.NGINX, "-t", "-q", "-c", str(config)], check=True, timeout=30)
        subprocess.run([prod_local.NGINX, "-c", str(config)], check=True, timeout=30)
        paths = [f"/_event/?EIO=4&transport=polling&token={SECRETS[0]}",
                 f"/reset-password?token={SECRETS[1]}",
                 f"/payments/stripe/success?session_id={SECRETS[2]}",
                 f"/api/showtimes/7/queue?pass={SECRETS[3]}"]  # fmt: skip
        try:  # nginx listens once it has started; what it answers is not the point, its log is
            for path in paths:
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).close()
        finally:
            subprocess.run([prod_local.NGINX, "-s", "stop", "-c", str(config)], timeout=30)
        log = (topology.run_dir / "nginx-access.log").read_text()
    assert len(log.splitlines()) == 4, log
    assert '"GET /_event/ HTTP/1.1" 200' in log and '"GET /reset-password HTTP/1.1"' in log
    assert not [secret for secret in SECRETS if secret in log], log
    assert "?" not in log


def test_the_unit_binds_the_app_to_this_machine_and_trusts_only_the_proxy() -> None:
    unit = (ROOT / "deploy" / "bookmyseat-app@.service").read_text()
    assert "Environment=BOOKMYSEAT_BIND_ADDRESS=127.0.0.1" in unit
    assert "--backend-host ${BOOKMYSEAT_BIND_ADDRESS}" in unit
    assert "Environment=BOOKMYSEAT_TRUSTED_PROXIES=127.0.0.1,::1" in unit
    assert "TRUSTED_PROXY_HOPS" not in unit


def test_the_local_topology_binds_its_app_servers_to_loopback(monkeypatch, tmp_path) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(prod_local.subprocess, "Popen",
                        lambda command, **_: started.append(command) or _Started())  # fmt: skip
    prod_local.start_server(8123, {}, tmp_path)
    [command] = started
    assert command[command.index("--backend-host") + 1] == "127.0.0.1"
    env = prod_local.environment(Topology())
    assert env["BOOKMYSEAT_TRUSTED_PROXIES"] == "127.0.0.1,::1"
    assert "BOOKMYSEAT_TRUSTED_PROXY_HOPS" not in env


@dataclasses.dataclass
class _Started:
    pid: int = 0


def test_make_run_serves_on_loopback_only() -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    dry = subprocess.run([make, "-n", "run"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    [command] = [line for line in dry.stdout.splitlines() if "reflex run" in line]
    assert "--backend-host 127.0.0.1" in command
