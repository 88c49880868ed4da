"""Every HTTP answer carries the security headers; HSTS only when the site is https."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from bookmyseat.server.headers import with_security_headers


def app_answering(headers: dict[str, str]) -> Starlette:
    async def page(_request) -> PlainTextResponse:
        return PlainTextResponse("hello", headers=headers)

    return Starlette(routes=[Route("/", page)])


def test_headers_on_every_answer_and_hsts_only_over_https() -> None:
    plain = TestClient(with_security_headers(https=False)(app_answering({})))
    answer = plain.get("/")
    assert answer.text == "hello"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in answer.headers
    secure = TestClient(with_security_headers(https=True)(app_answering({})))
    assert secure.get("/").headers["strict-transport-security"].startswith("max-age=")


def test_a_route_cannot_loosen_them() -> None:
    loose = app_answering({"X-Frame-Options": "ALLOWALL", "Content-Security-Policy": "*"})
    answer = TestClient(with_security_headers(https=False)(loose)).get("/")
    assert answer.headers.get_list("x-frame-options") == ["DENY"]
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")
