"""A patch of framework internals installs on the version it was written for and refuses to
start on any other, naming both versions and the upstream issue."""

from __future__ import annotations

import granian.server
import pytest
from reflex.istate.manager.redis import StateManagerRedis

from bookmyseat.server import patches
from bookmyseat.server.patches import WrittenForAnotherVersion, granian_tuning, reflex_lock_fix

PATCHES = [(reflex_lock_fix, "reflex"), (granian_tuning, "granian")]


def untuned_granian() -> type:
    return next(c for c in granian.server.Server.__mro__ if "bookmyseat_tuned" not in vars(c))


@pytest.fixture
def unpatched(monkeypatch) -> None:
    """Both patched classes as their packages ship them, restored afterwards."""
    monkeypatch.setattr(StateManagerRedis, "_try_get_lock", reflex_lock_fix._original_try_get_lock)
    monkeypatch.setattr(granian.server, "Server", untuned_granian())


@pytest.mark.parametrize(("patch", "package"), PATCHES, ids=["reflex", "granian"])
def test_a_patch_refuses_a_version_it_was_not_written_for(
    monkeypatch, unpatched, patch, package
) -> None:
    asked = []
    monkeypatch.setattr(patches, "installed_version", lambda name: asked.append(name) or "99.0")
    with pytest.raises(WrittenForAnotherVersion) as refused:
        patch.install()
    message = str(refused.value)
    assert asked == [package]
    assert f"{package} {patch.WRITTEN_FOR}" in message
    assert f"{package} 99.0 is installed" in message
    assert patch.UPSTREAM_ISSUE in message
    assert patch.__name__ in message
    assert isinstance(refused.value, SystemExit)  # start-up stops
    assert StateManagerRedis._try_get_lock is reflex_lock_fix._original_try_get_lock
    assert not getattr(granian.server.Server, "bookmyseat_tuned", False)


def test_the_lock_fix_installs_on_the_reflex_it_was_written_for(unpatched) -> None:
    reflex_lock_fix.install()
    assert StateManagerRedis._try_get_lock is reflex_lock_fix._try_get_lock


def test_the_granian_tuning_installs_on_the_granian_it_was_written_for(unpatched) -> None:
    granian_tuning.install()
    assert granian.server.Server.bookmyseat_tuned
