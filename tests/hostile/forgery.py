"""What a hostile client sends: every public event handler of every state class, with arguments
forged from its signature (another customer's reference, seats of another screen, huge and
negative ids, wrong types), on the page of its state and with router data naming the victim.

`handlers()` finds the handlers by walking the app's state tree, so a new handler is attacked
without anyone listing it; one whose parameters are of a type with no forgeries here, or one
that needs a test of its own, must be named in SPECIAL or the coverage test fails.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from reflex_base.event import EventHandler

import bookmyseat.bookmyseat  # noqa: F401 - builds the app, so every state class is registered
from bookmyseat.state.auth import app_states


@dataclass(frozen=True)
class Victim:
    """Another customer and what is theirs: none of it may reach or be changed by the attacker."""

    username: str
    email: str
    reference: str
    ticket_code: str
    showtime_id: int
    other_screen_seat: int  # a seat of another screen than the victim's showtime
    movie_id: int
    outbox_id: int


# Handlers that cannot be attacked with the generic forgeries, and the test that covers each.
SPECIAL = {
    "AuthState.logout": "ends the attacker's own session; test_sign_out_leaves_nothing_in_the_tab",
    "CatalogState.upload_poster": "files arrive through Reflex's upload endpoint, not an event; "
    "admin-only, checked by role in test_management (refused for every other role)",
}

# The page each state belongs to, with the victim's identifiers where the route takes one.
PAGES = {
    "SeatMapState": "/showtimes/{showtime_id}",
    "WaitlistState": "/showtimes/{showtime_id}",
    "CheckoutState": "/checkout/{reference}",
    "ConfirmationState": "/bookings/{reference}",
    "DemoPayState": "/pay/demo/{reference}",
    "MyBookingsState": "/bookings",
    "MovieState": "/movies/paper-boats",
    "HomeState": "/",
    "LoginState": "/login",
    "SignupState": "/signup",
    "ForgotPasswordState": "/forgot-password",
    "ResetPasswordState": "/reset-password",
    "VerifyEmailState": "/verify-email",
    "StripeReturnState": "/payments/stripe/success",
    "TwoFactorState": "/account/two-factor",
    "DashboardState": "/admin",
    "AdminBookingsState": "/admin/bookings",
    "OutboxState": "/admin/outbox",
    "ScanState": "/admin/scan",
    "CatalogState": "/admin/catalog",
    "PricesState": "/admin/prices",
    "PromosState": "/admin/promos",
    "WeekState": "/admin/schedule",
    "AdminWaitlistState": "/admin/waitlist",
    "OnSaleState": "/admin/onsale",
    "AuditState": "/admin/audit",
    "AdminState": "/admin",
    "AuthState": "/",
}


def forged_form(victim: Victim) -> dict:
    """One form with every field any form of the site has, each filled against the victim."""
    return {
        "login": victim.username,
        "password": "wrong-password-1",
        "confirm": "other",
        "username": "x",
        "email": "not-an-email",
        "code": victim.ticket_code,
        "showtime": str(victim.showtime_id),
        "seats": "99999",
        "query": victim.email,
        "title": "",
        "runtime_minutes": "-5",
        "certificate": "XXX",
        "movie": "no such movie",
        "screen": "no such screen",
        "starts_at": "not a time",
        "Classic": "-1",
        "Prime": "1e9",
        "Recliner": "9" * 30,
        "name": "",
        "city": "",
        "address": "",
        "timezone": "Mars/Olympus",
        "from": "9999-12-31",
        "to": "0001-01-01",
        "synopsis": "x" * 10_000,
        "show": "no such show",
        "opens_at": "9999-99-99T99:99",
        "per_minute": "1e9",
        "admission_minutes": "-1",
    }


def values_for(annotation: str, victim: Victim) -> list | None:
    """Values of the right type but hostile content, for a parameter so annotated."""
    huge = [10**20, -(10**20), 2**31, -1, 0, victim.other_screen_seat, victim.outbox_id]
    by_type = {
        "int": huge,
        "str": [victim.reference, victim.reference.lower(), "x" * 20_000, "' OR 1=1 --", ""],
        "bool": [True, False],
        "dict": [forged_form(victim), {}],
        "dict | None": [forged_form(victim), {}, None],
        "list[int]": [
            [victim.other_screen_seat],  # a seat of another screen
            list(range(1, 60)),  # more seats than anyone may hold
            [10**20, -1, 0],
            [],
        ],
    }
    return by_type.get(annotation)


WRONG_TYPES = [None, "12", [1, 2], {"a": 1}, 10**40, 1.5]


@dataclass(frozen=True)
class Attack:
    state: type
    handler: str
    event: EventHandler
    calls: list[dict]  # the payloads to send, one event each
    wrong_types: list[dict]  # payloads whose values are of another type than declared


def handler_key(state: type, name: str) -> str:
    return f"{state.__name__}.{name}"


def public_handlers() -> list[tuple[type, str, EventHandler]]:
    """Every event handler a client can call, of every state class of the app."""
    found = []
    for state in sorted(app_states(), key=lambda s: s.__name__):
        for name, handler in sorted(state.event_handlers.items()):
            if name != "setvar":  # Reflex's own, refused for undeclared vars
                found.append((state, name, handler))
    return found


def parameters(event: EventHandler) -> list[tuple[str, str]]:
    signature = inspect.signature(event.fn)
    return [(p, str(v.annotation)) for p, v in signature.parameters.items() if p != "self"]


def unforgeable() -> list[str]:
    """Handlers neither forgeable nor named in SPECIAL (the coverage test wants none)."""
    dummy = Victim("u", "e@x", "REF", "BMS1-REF-X", 1, 2, 3, 4)
    return [
        handler_key(state, name)
        for state, name, event in public_handlers()
        if handler_key(state, name) not in SPECIAL
        and any(values_for(kind, dummy) is None for _, kind in parameters(event))
    ]


def attacks(victim: Victim) -> list[Attack]:
    found = []
    for state, name, event in public_handlers():
        if handler_key(state, name) in SPECIAL:
            continue
        params = parameters(event)
        options = {param: values_for(kind, victim) for param, kind in params}
        longest = max((len(v) for v in options.values()), default=1)
        calls = [
            {param: values[i % len(values)] for param, values in options.items()}
            for i in range(longest)
        ]
        wrong = [{param: bad for param, _ in params} for bad in WRONG_TYPES] if params else []
        found.append(Attack(state, name, event, calls, wrong))
    return found


def page_of(state: type, victim: Victim) -> str:
    for cls in state.__mro__:
        if cls.__name__ in PAGES:
            return PAGES[cls.__name__].format(
                showtime_id=victim.showtime_id, reference=victim.reference
            )
    raise KeyError(f"no page known for {state.__name__}: add it to PAGES")
