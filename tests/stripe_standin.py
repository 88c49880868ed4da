"""A local stand-in for Stripe's API: the SDK talks to it through its base-address setting.

It keeps Checkout Sessions, refunds and charges in memory, answers with Stripe-shaped JSON,
honours Idempotency-Key like Stripe does (the same answer again; an error if the parameters
differ), and records every request so tests can count them. Tests move a session along (paid,
delayed, amount changed) with the helper methods, and give it Stripe's bad days: a 500 for any
request, answers that arrive after the client gave up (the work done all the same), and refunds
that fail or are declined.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass
class StripeStandIn:
    url: str = ""
    sessions: dict[str, dict] = field(default_factory=dict)
    coupons: dict[str, dict] = field(default_factory=dict)
    charges: dict[str, dict] = field(default_factory=dict)
    refunds: list[dict] = field(default_factory=list)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    idempotent: dict[str, tuple[int, dict]] = field(default_factory=dict)
    fail_next: int = 0  # answer this many requests with 500 (Stripe having a bad moment)
    slow_next: int = 0  # do this many requests, but answer only after `slow_seconds`
    slow_seconds: float = 0.0
    # What the next refund requests meet, in order: "500" (nothing done), "timeout" (the refund
    # is made but every answer comes too late), "card_declined" (Stripe refuses it).
    refund_failures: list[str] = field(default_factory=list)
    idempotent_params: dict[str, dict] = field(default_factory=dict)
    _timing_out: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def calls(self, method: str, path_start: str) -> list[dict]:
        return [p for m, path, p in self.requests if m == method and path.startswith(path_start)]

    # --- what happens on Stripe's side, driven by the tests ---------------------------------
    def pay(self, session_id: str, *, amount: int | None = None, currency: str | None = None):
        session = self.sessions[session_id]
        session.update(
            status="complete",
            payment_status="paid",
            payment_intent=session.get("payment_intent") or f"pi_{next(self.ids)}",
        )
        if amount is not None:
            session["amount_total"] = amount
        if currency is not None:
            session["currency"] = currency
        return session

    def complete_unpaid(self, session_id: str) -> dict:
        """A delayed method (a bank debit): the session completes before the money arrives."""
        session = self.sessions[session_id]
        session.update(
            status="complete", payment_status="unpaid", payment_intent=f"pi_{next(self.ids)}"
        )
        return session

    def fail_delayed(self, session_id: str) -> dict:
        self.sessions[session_id]["payment_status"] = "unpaid"
        return self.sessions[session_id]

    def expire(self, session_id: str) -> dict:
        self.sessions[session_id]["status"] = "expired"
        return self.sessions[session_id]

    def refund_charge(self, payment_intent: str) -> dict:
        charge = {
            "id": f"ch_{next(self.ids)}",
            "object": "charge",
            "payment_intent": payment_intent,
            "refunded": True,
        }
        self.charges[charge["id"]] = charge
        return charge

    # --- the HTTP API ---------------------------------------------------------------------
    def handle(
        self, method: str, path: str, params: dict, key: str | None
    ) -> tuple[int, dict, float]:
        """The status and body to answer with, and how long to wait before answering. Like
        Stripe, a key's first answer is replayed for the same parameters, 500s included."""
        delay = 0.0
        if self.slow_next > 0:
            self.slow_next -= 1
            delay = self.slow_seconds
        if key and key in self.idempotent_params:
            if self.idempotent_params[key] != params:
                return 400, _error("idempotency_error", IDEMPOTENCY_MISMATCH), delay
            return (*self.idempotent[(method, path, key)], delay)
        answer = self._answer(method, path, params)
        if key:
            self.idempotent[(method, path, key)] = answer
            self.idempotent_params[key] = params
        if answer[1].get("object") == "refund" and self._timing_out:
            self._timing_out = False
            self.slow_next += 2  # the SDK's own retries are answered too late as well
            delay = self.slow_seconds
        return (*answer, delay)

    def _answer(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if self.fail_next > 0:
            self.fail_next -= 1
            return 500, _error("api_error", "Something went wrong on Stripe's end.")
        if method == "POST" and path == "/v1/refunds" and self.refund_failures:
            mode = self.refund_failures.pop(0)
            if mode == "500":
                return 500, _error("api_error", "Something went wrong on Stripe's end.")
            if mode == "card_declined":
                return 402, _error("card_error", "Your card was declined.", "card_declined")
            self._timing_out = mode == "timeout"  # done at Stripe; the answer comes too late
        return self._route(method, path, params)

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._create_session(params)
        if method == "POST" and path == "/v1/coupons":
            return 200, self._create_coupon(params)
        if match := re.fullmatch(r"/v1/checkout/sessions/([\w-]+)", path):
            found = self.sessions.get(match[1])
            return (
                (200, found) if found else (404, _error("invalid_request_error", "No such session"))
            )
        if method == "POST" and (
            match := re.fullmatch(r"/v1/checkout/sessions/([\w-]+)/expire", path)
        ):
            session = self.sessions.get(match[1])
            if session is None or session["status"] != "open":
                return 400, _error("invalid_request_error", "Only open sessions can be expired.")
            session["status"] = "expired"
            return 200, session
        if method == "GET" and path == "/v1/refunds":
            mine = [r for r in self.refunds if r["payment_intent"] == params.get("payment_intent")]
            return 200, {"object": "list", "data": mine[::-1], "has_more": False}
        if method == "POST" and path == "/v1/refunds":
            refund = {
                "id": f"re_{next(self.ids)}",
                "object": "refund",
                "payment_intent": params.get("payment_intent"),
                "status": "succeeded",
            }
            self.refunds.append(refund)
            return 200, refund
        if match := re.fullmatch(r"/v1/charges/([\w-]+)", path):
            found = self.charges.get(match[1])
            return (
                (200, found) if found else (404, _error("invalid_request_error", "No such charge"))
            )
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method} {path})")

    def _create_coupon(self, params: dict) -> dict:
        coupon = {
            "id": f"coupon_{next(self.ids)}",
            "object": "coupon",
            "amount_off": int(params["amount_off"]),
            "currency": params.get("currency"),
            "duration": params.get("duration"),
            "name": params.get("name"),
            "max_redemptions": int(params.get("max_redemptions", 0)) or None,
        }
        self.coupons[coupon["id"]] = coupon
        return coupon

    def _create_session(self, params: dict) -> dict:
        total, i = 0, 0
        while f"line_items[{i}][quantity]" in params:
            unit = int(params[f"line_items[{i}][price_data][unit_amount]"])
            total += unit * int(params[f"line_items[{i}][quantity]"])
            i += 1
        discount = 0
        if coupon := params.get("discounts[0][coupon]"):
            discount = min(total, self.coupons[coupon]["amount_off"])  # KeyError: a 500, as Stripe
            total -= discount
        session_id = f"cs_test_{next(self.ids)}_{int(time.time())}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "amount_total": total,
            "total_details": {"amount_discount": discount},
            "currency": params.get("line_items[0][price_data][currency]"),
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "metadata": {
                k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")
            },
            "expires_at": int(params.get("expires_at", 0)),
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
        }
        self.sessions[session_id] = session
        return session


IDEMPOTENCY_MISMATCH = (
    "Keys for idempotent requests can only be used with the same parameters they were first used "
    "with."
)


def _error(kind: str, message: str, code: str = "") -> dict:
    return {"error": {"type": kind, "message": message, **({"code": code} if code else {})}}


def event_payload(event_type: str, obj: dict, event_id: str | None = None) -> str:
    """A Stripe event as Stripe sends it to a webhook (the object is a snapshot; we re-read it)."""
    return json.dumps(
        {
            "id": event_id or f"evt_{abs(hash((event_type, obj['id'], time.time_ns())))}",
            "object": "event",
            "type": event_type,
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "data": {"object": obj},
        }
    )


@contextmanager
def stripe_standin() -> Iterator[StripeStandIn]:
    standin = StripeStandIn()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            params = dict(parse_qsl(raw or query, keep_blank_values=True))
            with standin.lock:
                standin.requests.append((method, path, params))
                status, body, delay = standin.handle(
                    method, path, params, self.headers.get("Idempotency-Key")
                )
            time.sleep(delay)  # outside the lock: the client's retry is answered meanwhile
            data = json.dumps(body).encode()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client gave up
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{next(standin.ids)}")
                self.end_headers()
                self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
