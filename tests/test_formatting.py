"""Money, counts and runtime as customers and staff read them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bookmyseat.services.money import as_decimal, format_money, format_number
from bookmyseat.state.formatting import runtime


@pytest.mark.parametrize(
    ("paise", "text"),
    [
        (0, "₹0"),
        (25000, "₹250"),
        (18050, "₹180.50"),
        (123456789, "₹12,34,567.89"),
        (100000000, "₹10,00,000"),
        (-3000, "-₹30"),
        (None, ""),
    ],
)
def test_rupees(paise: int | None, text: str) -> None:
    assert format_money(paise) == text


def test_other_currencies_name_themselves() -> None:
    assert format_money(1250, "usd") == "USD 12.50"


def test_counts_group_like_amounts() -> None:
    assert [format_number(n) for n in (7, 1234, 1234567, -12345)] == [
        "7",
        "1,234",
        "12,34,567",
        "-12,345",
    ]


def test_exports_carry_exact_decimals() -> None:
    assert as_decimal(46050) == Decimal("460.50") and str(as_decimal(46000)) == "460.00"
    assert str(as_decimal(1)) == "0.01" and str(as_decimal(-3000)) == "-30.00"


def test_runtime() -> None:
    assert runtime(142) == "2h 22m" and runtime(60) == "1h 00m"
