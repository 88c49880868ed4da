"""The base of every refusal a person reads: a message written for them and a stable code.

Handlers catch `CustomerError` and show `message`; APIs answer with `code`. Each domain derives
its typed refusals from it (a booking's seats were taken, a password is too weak, ...).
"""

from __future__ import annotations


class CustomerError(Exception):
    """A request refused for a reason the person can act on; `message` is safe to show them."""

    code = "refused"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
