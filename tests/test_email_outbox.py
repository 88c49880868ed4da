"""E-tickets through a real SMTP server (aiosmtpd): content, retries, concurrency, refusals."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from email.message import EmailMessage

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bookmyseat.db import read_session, write_session
from bookmyseat.models import (
    Booking,
    BookingStatus,
    EmailOutbox,
    Movie,
    OutboxStatus,
    Role,
    Seat,
    User,
    utcnow,
)
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.catalog.layouts import layout_json
from bookmyseat.services.catalog.venues import (
    get_or_create_cinema,
    get_or_create_screen,
    get_or_create_showtime,
)
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.mail import outbox, resend
from bookmyseat.services.mail.messages import message_id
from bookmyseat.services.mail.smtp import TransientMailError
from bookmyseat.services.tickets.calendar import calendar_uid
from bookmyseat.services.tickets.codes import qr_png, verify_ticket_code
from bookmyseat.settings import Settings, with_changes
from tests.conftest import PRICES, World
from tests.smtp_server import free_port, smtp_server


def mail_settings(settings: Settings, port: int) -> Settings:
    return with_changes(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_user="",
        smtp_password="",
        mail_from_address="tickets@bookmyseat.test",
        secret_key="test-secret",
    )


def outbox_rows(world: World) -> list[EmailOutbox]:
    with read_session(world.engine) as session:
        return list(session.execute(select(EmailOutbox).order_by(EmailOutbox.id)).scalars())


def part(message: EmailMessage, content_type: str):
    found = [p for p in message.walk() if p.get_content_type() == content_type]
    assert found, f"no {content_type} part in {[p.get_content_type() for p in message.walk()]}"
    return found[0]


def test_a_paid_booking_arrives_as_an_e_ticket(world: World, settings: Settings, caplog) -> None:
    view = world.hold(world.alice, "C1", "C2")
    world.pay(view)
    port = free_port()
    mail = mail_settings(settings, port)
    caplog.set_level(logging.INFO, logger="bookmyseat.outbox")
    with smtp_server(port) as mailbox:
        report = outbox.deliver_due(settings=mail, engine=world.engine)
        again = outbox.deliver_due(settings=mail, engine=world.engine)
    assert len(report.sent) == 1 and again.sent == []
    [message] = mailbox.to("alice@example.com")
    assert f"Email sent to alice@example.com for booking {view.reference}" in caplog.text

    text = part(message, "text/plain").get_content()
    for expected in (
        "Test Movie",
        "Test Cinema",
        "Screen 1",
        "C1 (Prime) ₹300",
        "₹660",
        view.reference,
    ):
        assert expected in text
    html = part(message, "text/html").get_content()
    assert 'src="cid:ticket-qr"' in html and '<img src="http' not in html
    assert "style=" in html  # inline styles: mail clients drop style sheets

    code = text.split("Ticket code (show it at the door): ")[1].split()[0]
    assert verify_ticket_code(code, "test-secret") == view.reference
    assert code != str(world.alice) and view.reference in code
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert verify_ticket_code(altered, "test-secret") is None
    assert verify_ticket_code(code, "another-secret") is None
    # The QR image is exactly the ticket code, drawn.
    assert part(message, "image/png").get_content() == qr_png(code)

    calendar = Calendar.from_ical(part(message, "text/calendar").get_content())
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == calendar_uid(view.reference)
    assert event.decoded("DTSTART") == world.starts_at

    assert message["Message-ID"] == message_id("confirmation", view.reference, mail)
    [row] = outbox_rows(world)
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at is not None


def test_the_same_message_keeps_its_message_id(world: World, settings: Settings) -> None:
    world.pay(world.hold(world.alice, "C1"))
    mail = mail_settings(settings, 0)
    with read_session(world.engine) as session:
        from bookmyseat.services.mail.messages import build_message

        row = session.execute(select(EmailOutbox)).scalar_one()
        first, second = build_message(session, row, mail), build_message(session, row, mail)
    assert first["Message-ID"] == second["Message-ID"]
    for content_type in ("text/plain", "text/html", "image/png", "text/calendar"):
        assert part(first, content_type).get_content() == part(second, content_type).get_content()


def many_paid_bookings(world: World, count: int) -> list[str]:
    """`count` customers, each paying for one seat of a 3 × 10 screen."""
    with write_session(world.engine) as session:
        cinema = get_or_create_cinema(session, "Big Cinema", "Mumbai", "2 Test Road")
        rows = [{"label": r, "category": "Classic", "cells": "S" * 10} for r in "DEF"]
        screen = get_or_create_screen(session, cinema, "Big Screen", layout_json(rows))
        movie = session.execute(select(Movie)).scalars().first()
        show = get_or_create_showtime(session, movie, screen, world.starts_at, PRICES)
        seats = list(session.execute(select(Seat.id).where(Seat.screen_id == screen.id)).scalars())
        users = [
            User(
                username=f"fan{i}",
                email=f"fan{i}@example.com",
                password_hash="x",
                role=Role.CUSTOMER,
            )
            for i in range(count)
        ]
        session.add_all(users)
        session.flush()
        user_ids, show_id = [u.id for u in users], show.id
    references = []
    for user_id, seat_id in zip(user_ids, seats, strict=False):
        view = hold_seats(user_id, show_id, [seat_id], settings=world.settings, engine=world.engine)
        world.pay(view, provider_ref=f"pay_{view.reference}")
        references.append(view.reference)
    return references


def test_smtp_down_then_back_delivers_each_message_once_with_three_senders(
    world: World,
    settings: Settings,
    caplog,
) -> None:
    references = many_paid_bookings(world, 20)
    port = free_port()  # nothing listens here yet: the server is down
    mail = mail_settings(settings, port)
    now = utcnow()
    caplog.set_level(logging.WARNING, logger="bookmyseat.outbox")
    down = outbox.deliver_due(now=now, settings=mail, engine=world.engine)
    assert len(down.retrying) == 20 and down.sent == []
    rows = outbox_rows(world)
    assert {r.status for r in rows} == {OutboxStatus.RETRY}
    assert all(
        now + timedelta(seconds=47) < r.next_attempt_at < now + timedelta(seconds=73) for r in rows
    )
    assert all("Connection" in r.last_error or "refused" in r.last_error for r in rows), rows[
        0
    ].last_error
    assert "Email to fan0@example.com failed:" in caplog.text and ", retry at " in caplog.text

    later = now + timedelta(minutes=2)
    with smtp_server(port) as mailbox:
        barrier = threading.Barrier(3)
        reports = []

        def sender() -> None:
            barrier.wait()
            reports.append(outbox.deliver_due(now=later, settings=mail, engine=world.engine))

        threads = [threading.Thread(target=sender) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    sent = [i for report in reports for i in report.sent]
    assert len(sent) == len(set(sent)) == 20
    assert len(mailbox.messages) == 20
    assert len({m["Message-ID"] for m in mailbox.messages}) == 20
    assert {m["Message-ID"] for m in mailbox.messages} == {
        message_id("confirmation", ref, mail) for ref in references
    }
    assert {r.status for r in outbox_rows(world)} == {OutboxStatus.SENT}


def test_a_refused_recipient_fails_with_the_reason_and_leaves_the_booking(
    world: World, settings: Settings
) -> None:
    bobs = world.hold(world.bob, "C3")
    world.pay(bobs, provider_ref="pay_bob")
    world.pay(world.hold(world.alice, "C4"), provider_ref="pay_alice")
    port = free_port()
    with smtp_server(port) as mailbox:
        mailbox.reject.add("bob@example.com")
        report = outbox.deliver_due(settings=mail_settings(settings, port), engine=world.engine)
    assert len(report.sent) == 1 and len(report.failed) == 1
    assert [m["To"] for m in mailbox.messages] == ["alice@example.com"]
    failed = next(r for r in outbox_rows(world) if r.to_address == "bob@example.com")
    assert failed.status == OutboxStatus.FAILED
    assert "550" in failed.last_error and "No such user" in failed.last_error
    with read_session(world.engine) as session:
        booking = session.execute(
            select(Booking).where(Booking.reference == bobs.reference)
        ).scalar_one()
    assert booking.status == BookingStatus.PAID


def test_without_smtp_settings_nothing_is_attempted_and_the_outbox_keeps_it(
    world: World,
    settings: Settings,
    caplog,
) -> None:
    view = world.hold(world.alice, "C1")
    world.pay(view)

    def must_not_send(message, settings):
        raise AssertionError("a send was attempted without SMTP settings")

    caplog.set_level(logging.INFO, logger="bookmyseat.outbox")
    report = outbox.deliver_due(
        settings=with_changes(settings, smtp_host=""), engine=world.engine, send=must_not_send
    )
    assert report.held == 1 and report.sent == report.retrying == report.failed == []
    [row] = outbox_rows(world)
    assert row.status == OutboxStatus.PENDING and row.attempts == 0
    assert f"for booking {view.reference} kept in the outbox" in caplog.text


def test_a_sender_that_died_mid_send_is_taken_over_after_the_lease(
    world: World, settings: Settings
) -> None:
    world.pay(world.hold(world.alice, "C1"))
    [row] = outbox_rows(world)
    now = utcnow()
    assert outbox.claim(row.id, now, world.engine)  # ... and then the process was killed
    assert not outbox.claim(row.id, now, world.engine), "a claimed message was claimed twice"
    port = free_port()
    mail = mail_settings(settings, port)
    with smtp_server(port) as mailbox:
        early = outbox.deliver_due(
            now=now + timedelta(minutes=5), settings=mail, engine=world.engine
        )
        late = outbox.deliver_due(
            now=now + timedelta(minutes=11), settings=mail, engine=world.engine
        )
    assert early.sent == [] and late.sent == [row.id]
    assert len(mailbox.messages) == 1


def test_transient_failures_back_off_and_give_up_after_24_hours(
    world: World, settings: Settings
) -> None:
    world.pay(world.hold(world.alice, "C1"))
    attempts = []

    def flaky(message, settings):
        attempts.append(message["Message-ID"])
        raise TransientMailError("421 try again later")

    mail = mail_settings(settings, free_port())
    [row] = outbox_rows(world)
    now, waits = row.created_at, []
    while True:
        outbox.deliver_due(now=now, settings=mail, engine=world.engine, send=flaky)
        [row] = outbox_rows(world)
        if row.status != OutboxStatus.RETRY:
            break
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert row.status == OutboxStatus.FAILED and row.last_error.startswith("gave up after 24 hours")
    assert waits[0] < timedelta(minutes=2) and waits[1] > waits[0] and waits[3] > 4 * waits[0] * 0.6
    assert max(waits) <= timedelta(hours=4.8)
    assert now - row.created_at <= timedelta(hours=24)
    assert len(attempts) == row.attempts == len(waits) + 1


def test_cancelling_a_paid_booking_sends_the_cancellation(world: World, settings: Settings) -> None:
    view = world.hold(world.alice, "C1")
    world.pay(view)
    cancel_booking(view.reference, engine=world.engine)
    port = free_port()
    with smtp_server(port) as mailbox:
        outbox.deliver_due(settings=mail_settings(settings, port), engine=world.engine)
    subjects = sorted(m["Subject"] for m in mailbox.to("alice@example.com"))
    assert subjects[0] == f"Booking {view.reference} cancelled"
    cancellation = next(m for m in mailbox.messages if "cancelled" in m["Subject"])
    assert "refunded" in part(cancellation, "text/plain").get_content()
    event = Calendar.from_ical(part(cancellation, "text/calendar").get_content()).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED" and str(event["UID"]) == calendar_uid(view.reference)


def test_a_late_payment_for_resold_seats_sends_the_refund_notice(
    world: World, settings: Settings
) -> None:
    late = world.hold(world.alice, "C1", now=utcnow() - timedelta(minutes=30))
    world.pay(world.hold(world.bob, "C1"), provider_ref="pay_bob")
    outcome = confirm_payment(
        late.reference,
        amount_paise=late.total_paise,
        currency="inr",
        provider="demo",
        provider_ref="pay_late",
        engine=world.engine,
    )
    assert outcome.result == "refund_needed"
    kinds = {(r.to_address, r.kind) for r in outbox_rows(world)}
    assert ("alice@example.com", "late-payment-refund") in kinds
    assert ("alice@example.com", "confirmation") not in kinds


def test_resend_my_ticket_is_rate_limited(world: World, settings: Settings) -> None:
    view = world.hold(world.alice, "C1")
    world.pay(view)
    now = utcnow()
    resend.queue_resend(view.reference, user_id=world.alice, now=now, engine=world.engine)
    with pytest.raises(resend.ResendRefused, match="a few minutes ago"):
        resend.queue_resend(
            view.reference, user_id=world.alice, now=now + timedelta(minutes=3), engine=world.engine
        )

    with pytest.raises(errors.BookingNotFound):
        resend.queue_resend(view.reference, user_id=world.bob, now=now, engine=world.engine)
    resend.queue_resend(
        view.reference, user_id=world.alice, now=now + timedelta(minutes=11), engine=world.engine
    )
    assert [r.kind for r in outbox_rows(world)] == ["confirmation", "resend-1", "resend-2"]


def test_one_customer_cannot_resend_across_many_bookings_without_end(world: World) -> None:
    """The per-booking limit alone would let a customer with many bookings send a mail every
    few seconds; per customer, 5 resends an hour (staff are not limited)."""
    views = []
    for label in ("A1", "A2", "B3", "B2", "C1", "C2"):
        views.append(world.hold(world.alice, label))
        world.pay(views[-1], provider_ref=f"pay_{label}")
    for view in views[:5]:
        resend.queue_resend(view.reference, user_id=world.alice, engine=world.engine)
    with pytest.raises(CustomerError, match="many times already.*minute"):
        resend.queue_resend(views[5].reference, user_id=world.alice, engine=world.engine)
    resend.queue_resend(views[5].reference, user_id=None, engine=world.engine)  # staff
    kinds = [r.kind for r in outbox_rows(world) if r.kind.startswith("resend")]
    assert len(kinds) == 6
