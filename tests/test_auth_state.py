"""Where a customer may be sent after signing in."""

from __future__ import annotations

import pytest

from bookmyseat.state.auth import LoginState, SignupState, safe_next


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
        ("/\t/evil.example", "/"),  # browsers drop tabs and line breaks: //evil.example
        ("/\n/evil.example", "/"),
        ("/\r/evil.example", "/"),
        ("/bookings\x00", "/"),
        ("/\x7f/evil.example", "/"),
        ("/\x85/evil.example", "/"),
        ("/ok/\\evil.example", "/"),
        ("/movies/caf\u00e9", "/movies/caf\u00e9"),  # printable text beyond ASCII is a path
    ],
)
def test_only_same_site_paths(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


@pytest.mark.parametrize("form", [LoginState, SignupState])
def test_each_form_has_its_own_submit_handler(form: type) -> None:
    """A handler inherited from a plain parent state would run on the parent's instance, where
    the form's own `_account_from` is not; the shared form is a mixin so each gets its copy."""
    handler = form.event_handlers["submit"]
    assert handler.state is form
    assert {"error", "busy"} <= set(form.base_vars)
