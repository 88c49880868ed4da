"""The built app under its security headers: the pages carry them (and the whole browser suite
runs under the Content-Security-Policy, where a violation is a console error that fails it), and
no other site can frame a page (clickjacking on "Cancel booking")."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import watched


def test_pages_carry_the_headers(app_url: str, page) -> None:
    for path in ("/", "/bookings", "/admin"):
        headers = page.goto(f"{app_url}{path}").all_headers()
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path


def test_no_page_can_be_framed(app_url: str, page) -> None:
    """Not even by the site itself (frame-ancestors 'none' refuses every ancestor; a page on
    another site is refused the same way, and Chromium here would also stop it at its local
    network checks, which would prove nothing about the site)."""
    watched(page).allowed_console.append(r"Refused to (display|frame)")
    page.goto(app_url)
    page.evaluate(
        """url => { const f = document.createElement('iframe'); f.id = 'framed'; f.src = url;
        document.body.appendChild(f); }""",
        f"{app_url}/bookings",
    )
    expect(page.frame_locator("#framed").get_by_text("My bookings")).to_have_count(0, timeout=5000)
    page.wait_for_timeout(500)
    refused = [e for e in watched(page).console_errors if "Refused to" in e]
    assert refused and "frame-ancestors" in refused[0], watched(page).console_errors
