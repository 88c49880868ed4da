"""The ticket in hand: the QR image, the .ics and the PDF of a paid booking, for its owner only.

The PDF is opened as a viewer would (pypdfium2 renders it) and its QR decoded (zxing-cpp); the
decoded code is the one the door scanner admits, once."""

from __future__ import annotations

from datetime import timedelta

import pypdfium2
import pytest
import zxingcpp
from icalendar import Calendar
from starlette.testclient import TestClient

from bookmyseat.api import api, tickets
from bookmyseat.db import read_session
from bookmyseat.models import Screen, Showtime
from bookmyseat.services.accounts import login_sessions
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.staff import audit, door
from bookmyseat.services.tickets import details as ticket_details
from bookmyseat.services.tickets.codes import qr_svg, ticket_code
from tests.conftest import World


@pytest.fixture
def client(world: World, settings, monkeypatch) -> TestClient:
    monkeypatch.setattr(
        tickets,
        "account_for_token",
        lambda token: login_sessions.account_for_token(token, engine=world.engine),
    )
    monkeypatch.setattr(
        tickets,
        "customer_ticket",
        lambda reference, user_id: ticket_details.customer_ticket(
            reference, user_id, engine=world.engine
        ),
    )
    monkeypatch.setattr(tickets, "get_settings", lambda: settings)
    return TestClient(api)


def fetch(client: TestClient, world: World, reference: str, name: str, who: int | None):
    client.cookies.clear()
    if who is not None:
        client.cookies.set("bms_session", login_sessions.start_session(who, engine=world.engine))
    return client.get(f"/api/bookings/{reference}/{name}")


@pytest.fixture
def paid(world: World) -> str:
    view = world.hold(world.alice, "C1", "C2")
    world.pay(view)
    return view.reference


def test_the_pdf_opens_shows_the_booking_and_its_qr_admits_once_at_the_door(
    client, world: World, settings, paid: str
) -> None:
    answer = fetch(client, world, paid, "ticket.pdf", world.alice)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert f'filename="bookmyseat-{paid}.pdf"' in answer.headers["content-disposition"]
    document = pypdfium2.PdfDocument(answer.content)
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = document[0].get_textpage().get_text_range()
    assert paid in text and "C1" in text and "C2" in text
    assert "Test Cinema" in text
    found = zxingcpp.read_barcodes(document[0].render(scale=2).to_pil())
    assert [f.format.name for f in found] == ["QRCode"]
    code = found[0].text
    assert code == ticket_code(paid, settings.secret_key)
    actor, at = audit.Actor(None, "door-1"), door.Door(world_cinema(world))
    now = world.starts_at - timedelta(minutes=5)
    first = door.scan(code, actor, at, now=now, settings=settings, engine=world.engine)
    again = door.scan(code, actor, at, now=now, settings=settings, engine=world.engine)
    assert (first.verdict, again.verdict) == (door.VALID, door.USED)


def test_the_qr_image_is_the_tickets_code(client, world: World, settings, paid: str) -> None:
    answer = fetch(client, world, paid, "qr.svg", world.alice)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/svg+xml"
    assert answer.content == qr_svg(ticket_code(paid, settings.secret_key))
    assert answer.headers["cache-control"].startswith("private")


def test_the_calendar_entry_is_the_show_at_the_cinema(client, world: World, paid: str) -> None:
    answer = fetch(client, world, paid, "ticket.ics", world.alice)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    event = Calendar.from_ical(answer.content).walk("VEVENT")[0]
    assert event["uid"] == f"booking-{paid}@bookmyseat.local"
    assert event.decoded("dtstart") == world.starts_at
    assert event.decoded("dtend") > world.starts_at
    assert "Test Cinema" in str(event["location"]) and "C1, C2" in str(event["description"])


@pytest.mark.parametrize("name", ["qr.svg", "ticket.ics", "ticket.pdf"])
def test_only_the_owner_of_a_paid_booking_gets_its_ticket(
    client, world: World, settings, paid: str, name: str
) -> None:
    refused = fetch(client, world, paid, name, None)
    assert refused.status_code == 401 and refused.text == "Please sign in to see your ticket."
    # Someone else's booking, an unknown one, a junk reference: the same answer, nothing told.
    for reference, who in ((paid, world.bob), ("NOSUCH12", world.alice),
                           ("x" * 200, world.alice), ("%2E%2E", world.alice)):  # fmt: skip
        answer = fetch(client, world, reference, name, who)
        assert answer.status_code == 404, (reference, answer.status_code)
        assert answer.text == "There is no ticket for this booking."
    held = world.hold(world.alice, "A1")
    assert fetch(client, world, held.reference, name, world.alice).status_code == 404
    cancel_booking(paid, user_id=world.alice, settings=settings, engine=world.engine)
    assert fetch(client, world, paid, name, world.alice).status_code == 404


def test_an_expired_session_gets_no_ticket(client, world: World, paid: str) -> None:
    token = login_sessions.start_session(
        world.alice, now=world.starts_at - timedelta(days=400), engine=world.engine
    )
    client.cookies.clear()
    client.cookies.set("bms_session", token)
    assert client.get(f"/api/bookings/{paid}/ticket.pdf").status_code == 401


def world_cinema(world: World) -> int:
    """The cinema of the world's show (the door the ticket is scanned at)."""
    with read_session(world.engine) as session:
        show = session.get(Showtime, world.showtime_id)
        return session.get(Screen, show.screen_id).cinema_id
