"""Logs in production are one JSON object a line (python-json-logger), so a log shipper can
index them by level, logger and field without parsing prose; elsewhere they stay plain text for
people reading a terminal.

Logs are kept and shipped, so what would let their reader act as a customer is blanked out of
each line: the value of any query parameter or mapping key naming a token, pass, password,
secret or session id. The websocket's address carries the tab's token (`/_event/?token=…`,
enough to reconnect as that tab), an event that fails is logged with its fields (the tab's
token, and in a page load the sign-in cookie's), and other addresses carry password-reset
tokens, Stripe session ids and on-sale passes. (Granian's own access log is off, as Reflex
starts it, and would log paths without query strings: tests/test_deploy.py.)
"""

from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

from bookmyseat.settings import Settings

FIELDS = ["asctime", "levelname", "name", "message", "process"]
_HANDLER_NAME = "bookmyseat-json"
_SECRET_NAME = r"[\w.\-]*(?:token|pass|password|secret|session_id)[\w\-]*"
# `token=abc` in an address's query; `'token': 'abc'` or `"token": "abc"` in a mapping, its quotes
# escaped or not (a message inside a JSON line).
_SECRETS = re.compile(
    rf"(?P<query>(?<![\w.\-]){_SECRET_NAME}=)[^&\s\"'\\]+"
    rf"|(?P<key>\\?[\"']{_SECRET_NAME}\\?[\"']\s*:\s*\\?[\"'])[^\"'\\]+",
    re.IGNORECASE,
)
HIDDEN = "[hidden]"


def without_secrets(text: str) -> str:
    return _SECRETS.sub(lambda m: (m.group("query") or m.group("key")) + HIDDEN, text)


class _JsonWithoutSecrets(JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return without_secrets(super().format(record))


def json_formatter() -> JsonFormatter:
    return _JsonWithoutSecrets(
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
