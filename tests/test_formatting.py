"""Money and runtime as customers read them."""

from __future__ import annotations

import pytest

from bookmyseat.state.formatting import runtime, rupees


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
    assert rupees(paise) == text


def test_runtime() -> None:
    assert runtime(142) == "2h 22m" and runtime(60) == "1h 00m"
