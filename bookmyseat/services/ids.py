"""Row ids as clients write them (a path segment, a query or form value), read in one place for
the routes and the state classes alike."""

from __future__ import annotations

from bookmyseat.db import is_row_id

LONGEST_ROW_ID = len(str(2**31 - 1))


def parse_row_id(text: object) -> int | None:
    """The row id a client wrote, or None when it cannot name a row (the caller answers "not
    found", never a 500 or another row). Only ASCII digits count: `str.isdigit` also passes `²`,
    which `int()` refuses (a 500), and `٣`, which `int()` reads as 3 (another row); `int()` alone
    also takes signs, spaces and underscores."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()):
        return None
    if len(text) > LONGEST_ROW_ID:
        return None
    value = int(text)
    return value if is_row_id(value) else None
