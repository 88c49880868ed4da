"""Logs in production are one JSON object a line (python-json-logger), so a log shipper can
index them by level, logger and field without parsing prose; elsewhere they stay plain text for
people reading a terminal."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from bookmyseat.settings import Settings

FIELDS = ["asctime", "levelname", "name", "message", "process"]
_HANDLER_NAME = "bookmyseat-json"


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        FIELDS,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )


def configure_logging(settings: Settings, stream=None) -> bool:  # noqa: ANN001
    """In production, the root logger writes JSON lines (once, however often it is called);
    whether it does."""
    if not settings.production:
        return False
    root = logging.getLogger()
    if any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        return True
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(json_formatter())
    for other in list(root.handlers):  # one format: the plain text handlers go
        root.removeHandler(other)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return True
