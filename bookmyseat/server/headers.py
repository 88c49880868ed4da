"""Security headers on every HTTP answer of the app (pages, API, assets), as ASGI middleware.

The Content-Security-Policy is the strictest the Reflex build works under: its pages carry an
inline bootstrap script and run the server's client-side actions through eval (toasts, scripts),
and its components style themselves inline; everything else comes from this origin, but the
trailer player (YouTube's privacy-enhanced domain) and images drawn in the page. No page may be
framed (frame-ancestors 'none': a framed "Cancel booking" button could be clicked by deceit).
HSTS is sent when the public address is https.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "frame-src https://www.youtube-nocookie.com",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)


def security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    headers = {
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "permissions-policy": "camera=(self), microphone=(), geolocation=(), payment=()",
    }
    if https:
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    return [(name.encode(), value.encode()) for name, value in headers.items()]


def with_security_headers(https: bool) -> Callable[[ASGIApp], ASGIApp]:
    """An api_transformer for rx.App: wraps the backend so every HTTP answer has the headers."""
    added = security_headers(https)
    names = {name for name, _ in added}

    def wrap(app: ASGIApp) -> ASGIApp:
        async def secured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                    message = {**message, "headers": kept + added}
                await send(message)

            await app(scope, receive, send_with_headers)

        return secured

    return wrap
