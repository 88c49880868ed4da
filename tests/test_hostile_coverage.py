"""Every public event handler of every state class is attacked by the hostile-client harness
(tests/e2e/test_hostile_clients.py), or named with the test that covers it instead."""

from __future__ import annotations

from tests.hostile.forgery import (
    PAGES,
    SPECIAL,
    Victim,
    attacks,
    handler_key,
    page_of,
    public_handlers,
    unforgeable,
)

VICTIM = Victim("victim", "victim@example.com", "VREF2345", "BMS1-VREF2345-SIG", 7, 99, 3, 5)


def test_the_harness_finds_every_handler_of_every_state() -> None:
    found = {handler_key(state, name) for state, name, _ in public_handlers()}
    # A sample from each area, so that a walk that finds nothing cannot pass.
    assert {
        "SeatMapState.join_live",
        "CheckoutState.pay",
        "MyBookingsState.cancel",
        "AdminBookingsState.cancel",
        "ScanState.scan",
        "CatalogState.save_edit",
        "AuthState.logout",
        "LoginState.submit",
    } <= found
    assert len(found) >= 60


def test_every_handler_is_attacked_or_covered_elsewhere() -> None:
    assert unforgeable() == [], "give these parameter types forgeries, or name them in SPECIAL"
    attacked = {handler_key(a.state, a.handler) for a in attacks(VICTIM)}
    everything = {handler_key(state, name) for state, name, _ in public_handlers()}
    assert everything - attacked == set(SPECIAL)
    assert set(SPECIAL) <= everything, "SPECIAL names a handler that no longer exists"


def test_every_attack_has_a_page_and_hostile_arguments() -> None:
    for attack in attacks(VICTIM):
        assert page_of(attack.state, VICTIM).startswith("/")
        if attack.calls[0]:  # a handler with parameters gets several and wrong types too
            assert len(attack.calls) >= 2 and len(attack.wrong_types) >= 3
    assert page_of(next(s for s, n, _ in public_handlers() if n == "join_live"), VICTIM) == (
        "/showtimes/7"
    )
    assert set(PAGES) >= {"SeatMapState", "CheckoutState", "CatalogState"}
