"""The built app under its security headers: the pages carry them (and the whole browser suite
runs under the Content-Security-Policy, where a violation is a console error that fails it), and
no other site can frame a page (clickjacking on "Cancel booking")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import expect

from tests.e2e.conftest import watched


def test_pages_carry_the_headers(app_url: str, page) -> None:
    for path in ("/", "/bookings", "/admin"):
        headers = page.goto(f"{app_url}{path}").all_headers()
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path


@contextmanager
def another_site(html: str) -> Iterator[str]:
    """A page on another origin of this machine (its own port), as an attacker's site would be."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_another_site_cannot_frame_a_page(app_url: str, page) -> None:
    watched(page).allowed_console.append(r"frame-ancestors")
    watched(page).allowed_requests.append(r"ERR_BLOCKED_BY_RESPONSE")
    with another_site(f'<iframe id="framed" src="{app_url}/bookings"></iframe>') as attacker:
        page.goto(attacker)
        frame = page.frame_locator("#framed")
        expect(frame.get_by_text("My bookings")).to_have_count(0, timeout=5000)
        page.wait_for_timeout(500)
    refused = [e for e in watched(page).console_errors if "frame-ancestors 'none'" in e]
    assert refused, watched(page).console_errors
