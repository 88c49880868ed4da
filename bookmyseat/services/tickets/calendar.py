"""A booking as a calendar entry (.ics): attached to the e-ticket, and offered on the ticket
page as "Add to calendar"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from bookmyseat.services.tickets.details import TicketDetails


@dataclass(frozen=True)
class CalendarEntry:
    reference: str
    title: str
    starts_at: datetime
    runtime_minutes: int
    location: str
    description: str


def calendar_uid(reference: str, domain: str = "bookmyseat.local") -> str:
    """Stable across sends, so a resent ticket updates the calendar entry instead of adding one."""
    return f"booking-{reference}@{domain}"


def ics_bytes(entry: CalendarEntry, *, cancelled: bool = False) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//BookMySeat//e-ticket//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", calendar_uid(entry.reference))
    event.add("summary", entry.title)
    event.add("dtstart", entry.starts_at)
    event.add("dtend", entry.starts_at + timedelta(minutes=entry.runtime_minutes or 120))
    event.add("dtstamp", entry.starts_at)  # deterministic: the same booking gives the same file
    event.add("location", entry.location)
    event.add("description", entry.description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def calendar_entry(details: TicketDetails) -> CalendarEntry:
    """The booking as the customer's calendar shows it: the film at the cinema, for its runtime."""
    return CalendarEntry(
        reference=details.reference,
        title=f"{details.movie} at {details.cinema}",
        starts_at=details.starts_at,
        runtime_minutes=details.runtime_minutes,
        location=f"{details.cinema}, {details.screen}, {details.address}",
        description="Seats: " + ", ".join(label for label, _, _ in details.seats),
    )
