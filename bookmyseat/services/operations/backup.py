"""Backups of the database, taken while the site runs, and their restore.

SQLite: its online backup API copies a consistent snapshot page by page while customers keep
booking; a restore copies the backup back the same way (the site should be stopped for it).
PostgreSQL: pg_dump's custom format (a consistent snapshot, compressed) and pg_restore, which
first drops what it restores (`--clean --if-exists`), so a restore leaves exactly the backup."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore that could not be made; the message says why."""


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up.")
    return Path(parsed.database)


def _libpq_url(url: str) -> str:
    """postgresql+psycopg://… as pg_dump reads it (postgresql://…)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client).")
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-500:]}")


def backup(url: str, target: Path) -> Path:
    """Write a backup of the database at `url` to `target` (refusing to overwrite a file)."""
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = _sqlite_path(url)
    if source is not None:
        if not source.exists():
            raise BackupError(f"There is no database at {source}.")
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)
        return target
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}",
          f"--dbname={_libpq_url(url)}"])  # fmt: skip
    return target


def restore(url: str, source: Path) -> None:
    """Replace the database at `url` with the backup in `source`."""
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    target = _sqlite_path(url)
    if target is not None:
        try:
            with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup_db:
                backup_db.execute("PRAGMA schema_version").fetchone()  # a SQLite file at all?
                with sqlite3.connect(target) as live:
                    backup_db.backup(live)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite backup: {exc}") from exc
        return
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={_libpq_url(url)}", str(source)])  # fmt: skip
