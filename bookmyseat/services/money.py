"""Money (and the counts beside it), shown and exported. Amounts are integer minor units
(paise) everywhere else.

One formatter for pages, emails and the admin area: Indian digit grouping (₹1,23,456.50), the
paise shown only when there are any. Exports carry exact decimals, never floats.
"""

from __future__ import annotations

from decimal import Decimal

SYMBOLS = {"inr": "₹"}


def _indian_grouping(whole: int) -> str:
    """12345678 → "1,23,45,678": the last three digits, then groups of two."""
    digits = str(whole)
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    return ",".join(([head] if head else []) + groups) + "," + tail


def format_number(count: int) -> str:
    """A whole number grouped the way amounts are: 1234567 → "12,34,567"."""
    return ("-" if count < 0 else "") + _indian_grouping(abs(count))


def format_money(paise: int | None, currency: str = "inr") -> str:
    """₹1,23,456.50 (or "USD 12.50" for another currency); empty for no amount."""
    if paise is None:
        return ""
    whole, fraction = divmod(abs(paise), 100)
    symbol = SYMBOLS.get(currency.lower(), currency.upper() + " ")
    sign = "-" if paise < 0 else ""
    return f"{sign}{symbol}{_indian_grouping(whole)}" + (f".{fraction:02d}" if fraction else "")


def as_decimal(paise: int) -> Decimal:
    """The exact amount in rupees (for CSV and other exports): 46050 → Decimal('460.50')."""
    return Decimal(paise).scaleb(-2)
