"""Patches of framework internals (Reflex, Granian). A patch reaches into code its authors may
change in any release, so each names the version it was written for (`WRITTEN_FOR`) and the
upstream issue it works around, and refuses to install (the process does not start) on any other
installed version: whoever upgrades then checks whether the bug is fixed upstream, and removes the
patch or re-checks it against the new code and moves `WRITTEN_FOR` on."""

from __future__ import annotations

from importlib import metadata


class WrittenForAnotherVersion(SystemExit):
    """A patch met a version of its package it was not written for: the message names both
    versions and the upstream issue."""


def installed_version(package: str) -> str:
    return metadata.version(package)


def refuse_unless_written_for(patch: str, package: str, written_for: str, issue: str) -> None:
    """Raise WrittenForAnotherVersion unless `package` is installed at `written_for`."""
    installed = installed_version(package)
    if installed != written_for:
        raise WrittenForAnotherVersion(
            f"{patch} was written for {package} {written_for}, but {package} {installed} is "
            f"installed (upstream: {issue}). Check whether {package} {installed} still needs it: "
            f"remove the patch, or re-check it against the new code and set WRITTEN_FOR."
        )
