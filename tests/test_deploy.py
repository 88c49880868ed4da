"""What deploy/ prescribes: app servers bound where only the proxy reaches them, trusting only
its X-Forwarded-For (probe finding 2), and `make run` on this machine only (finding 12)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from deploy import prod_local
from deploy.prod_local import Topology

ROOT = Path(__file__).resolve().parents[1]


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
