"""Where uploaded posters live: a folder on this machine (the default), or the database, which
every app server behind a proxy reads (BOOKMYSEAT_POSTER_STORAGE=database)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import read_session
from bookmyseat.models import PosterFile
from bookmyseat.settings import UPLOADED_POSTERS, Settings

CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def posters_folder(settings: Settings) -> Path | None:
    """The folder uploads go to, or None for the database."""
    return None if settings.poster_storage == "database" else UPLOADED_POSTERS


def keep(session: Session, folder: Path | None, name: str, data: bytes) -> None:
    """Keep an upload: in `folder`, or (None) in the database, in the caller's transaction so
    the poster and the movie pointing at it are written together."""
    if folder is None:
        session.add(PosterFile(name=name, data=data))
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def read(folder: Path | None, name: str, *, engine: Engine | None = None) -> bytes | None:
    """The poster's bytes, or None when there is no such poster."""
    if folder is None:
        with read_session(engine) as session:
            return session.execute(
                select(PosterFile.data).where(PosterFile.name == name)
            ).scalar_one_or_none()
    path = folder / name
    return path.read_bytes() if path.is_file() else None


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
