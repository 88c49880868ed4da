"""Where a customer may be sent after signing in."""

from __future__ import annotations

import pytest

from bookmyseat.state.auth import safe_next


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/showtimes/12", "/showtimes/12"),
        ("/movies/chai-and-chaos?x=1", "/movies/chai-and-chaos?x=1"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_only_same_site_paths(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
