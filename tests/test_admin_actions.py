"""Role × staff action: admins do everything, auditors only read, customers and anonymous
nothing; every refusal is in the audit log and changes nothing. Plus the actions' effects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bookmyseat.db import write_session
from bookmyseat.models import BookingStatus, EmailOutbox, OutboxStatus, Role, User, utcnow
from bookmyseat.services.accounts import throttle
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking.records import get_booking
from bookmyseat.services.staff import access, audit, door, exports
from bookmyseat.services.staff import actions as admin
from bookmyseat.services.staff.access import AccessDenied
from bookmyseat.services.tickets.codes import ticket_code
from bookmyseat.settings import Settings
from bookmyseat.state.admin import detail_lines
from tests.conftest import World


def fresh_minute() -> None:
    """As if a minute had passed: the refusal log's allowance is whole again."""
    throttle._limiter.cache_clear()


ROLES = ["anonymous", Role.CUSTOMER, Role.AUDITOR, Role.ADMIN]


def account_with(world: World, role: str) -> Account | None:
    if role == "anonymous":
        return None
    with write_session(world.engine) as session:
        user = User(
            username=f"{role}_x", email=f"{role}_x@example.com", password_hash="x", role=role
        )
        session.add(user)
        session.flush()
        return Account(user.id, user.username, user.email, "", role)


def actions(world: World, settings: Settings, reference: str) -> dict:
    now = utcnow()
    return {
        # name: (is a write, call)
        "dashboard": (
            False,
            lambda a: admin.dashboard(
                a, now.date() - timedelta(days=1), now.date(), engine=world.engine
            ),
        ),
        "find bookings": (False, lambda a: admin.find_bookings(a, "alice", engine=world.engine)),
        "outbox": (False, lambda a: admin.list_outbox(a, engine=world.engine)),
        "activity": (False, lambda a: admin.activity(a, engine=world.engine)),
        "view booking": (False, lambda a: admin.booking_detail(a, reference, engine=world.engine)),
        "audit log": (False, lambda a: admin.audit_log(a, engine=world.engine)),
        "csv": (
            False,
            lambda a: exports.bookings_csv(
                a,
                now.date() - timedelta(days=1),
                now.date() + timedelta(days=2),
                engine=world.engine,
            ),  # fmt: skip
        ),
        "resend": (True, lambda a: admin.resend_as_staff(a, reference, engine=world.engine)),
        "retry email": (True, lambda a: admin.retry_email(a, 1, engine=world.engine)),
        "scan": (
            True,
            lambda a: admin.scan_ticket(
                a,
                ticket_code(reference, settings.secret_key),
                door.Door(1),
                settings=settings,
                engine=world.engine,
            ),
        ),
        "cancel (last: it ends the booking)": (
            True,
            lambda a: admin.cancel_as_staff(a, reference, engine=world.engine),
        ),
    }


@pytest.mark.parametrize("role", ROLES)
def test_role_by_action(world: World, settings: Settings, role: str) -> None:
    view = world.hold(world.alice, "C1")
    world.pay(view)
    account = account_with(world, role)
    for name, (write, call) in actions(world, settings, view.reference).items():
        allowed = role == Role.ADMIN or (role == Role.AUDITOR and not write)
        fresh_minute()  # one refusal each: none is folded into another's entry
        before = audit.entries(action="access_refused", engine=world.engine)[1]
        if allowed:
            call(account)
            continue
        with pytest.raises(AccessDenied):
            call(account)
        assert audit.entries(action="access_refused", engine=world.engine)[1] == before + 1, name
    booking = get_booking(view.reference, engine=world.engine)
    if role == Role.ADMIN:
        assert booking.status == BookingStatus.CANCELLED
    else:
        assert booking.status == BookingStatus.PAID, "a refused action changed the booking"


def test_staff_actions_do_what_they_say_and_are_logged(world: World, settings: Settings) -> None:
    view = world.hold(world.alice, "C1", "C2")
    world.pay(view)
    boss = account_with(world, Role.ADMIN)
    detail = detail_lines(admin.booking_detail(boss, view.reference, engine=world.engine))
    assert detail["seats"] == ["C1 (Prime) ₹300", "C2 (Prime) ₹300"]
    assert detail["payments"] == [f"demo pay_1: succeeded ₹{view.total_paise // 100}"]
    assert detail["emails"] == ["confirmation to alice@example.com: pending"]
    [row] = admin.find_bookings(boss, "ALICE@", engine=world.engine)
    assert row.reference == view.reference and row.seats == 2
    assert (
        admin.find_bookings(boss, view.reference.lower(), engine=world.engine)[0].status == "paid"
    )
    with write_session(world.engine) as session:
        email = session.execute(select(EmailOutbox)).scalar_one()
        email.status, email.last_error = OutboxStatus.FAILED, "550 no such user"
    [failed] = admin.list_outbox(boss, "failed", engine=world.engine)
    admin.retry_email(boss, failed.id, engine=world.engine)
    assert admin.list_outbox(boss, "pending", engine=world.engine)[0].id == failed.id
    now = utcnow()
    csv = exports.bookings_csv(
        boss, now.date() - timedelta(days=1), now.date() + timedelta(days=2), engine=world.engine
    )
    assert csv.splitlines()[0].startswith("reference,status") and view.reference in csv
    # Money in the export is an exact decimal of rupees, never a float ("660.0", "1e3").
    rupees, paise = divmod(view.total_paise, 100)
    assert csv.splitlines()[1].split(",")[-1] == f"{rupees}.{paise:02d}"
    assert admin.cancel_as_staff(boss, view.reference, engine=world.engine) == "cancelled"
    entries, _ = admin.audit_log(boss, engine=world.engine)
    assert [e.action for e in entries] == ["booking_cancelled", "email_retried"]
    assert (
        entries[0].before == '{"status": "paid"}' and entries[0].after == '{"status": "cancelled"}'
    )
    assert entries[0].actor == boss.username


def test_a_stream_of_refusals_is_coalesced_in_the_audit_log(world: World) -> None:
    """An anonymous script hammering a staff action writes 5 entries a minute, not hundreds;
    the next entry says how many it stands for; a signed-in customer has an allowance of
    their own."""
    for _ in range(200):
        with pytest.raises(AccessDenied):
            admin.find_bookings(None, "", engine=world.engine)
    assert audit.entries(action="access_refused", engine=world.engine)[1] == 5
    customer = account_with(world, Role.CUSTOMER)
    with pytest.raises(AccessDenied):
        admin.find_bookings(customer, "", engine=world.engine)
    assert audit.entries(action="access_refused", engine=world.engine)[1] == 6

    fresh_minute()
    with pytest.raises(AccessDenied):
        admin.find_bookings(None, "", engine=world.engine)
    rows, total = audit.entries(action="access_refused", actor="anonymous", engine=world.engine)
    assert total == 6
    assert rows[0].detail.endswith("(and 195 earlier refusals not logged one by one)")
    assert access._not_logged == {}
