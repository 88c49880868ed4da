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


def test_another_site_cannot_frame_a_page(app_url: str, page) -> None:
    watched(page).allowed_console.append(r"Refused to (display|frame)")
    page.goto("about:blank")
    page.set_content(f'<iframe id="framed" src="{app_url}/bookings" width="800" height="600">')
    frame = page.frame_locator("#framed")
    expect(frame.get_by_text("My bookings")).to_have_count(0, timeout=5000)
    refused = [e for e in watched(page).console_errors if "Refused to" in e]
    assert refused, "the browser did not refuse to frame the page"
