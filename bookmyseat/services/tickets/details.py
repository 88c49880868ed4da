"""What a ticket shows, read from the database: the booking, its show, seats and cinema (with
the cinema's time zone). The e-mail, the ticket page, the calendar entry and the PDF are all
made from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import read_session
from bookmyseat.models import Booking, BookingStatus, Cinema, Movie, Screen, Showtime
from bookmyseat.services.booking.records import booking_view, find_booking
from bookmyseat.services.booking.references import LONGEST_CLIENT_REFERENCE
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.money import format_money


class NoTicket(CustomerError):
    """Not a paid booking of this customer's: no ticket to show (whether the booking exists
    is not told to anyone else)."""

    code = "no_ticket"

    def __init__(self) -> None:
        super().__init__("There is no ticket for this booking.")


@dataclass(frozen=True)
class TicketDetails:
    reference: str
    status: str
    movie: str
    certificate: str
    runtime_minutes: int
    cinema: str
    address: str
    screen: str
    starts_at: datetime
    timezone: str
    seats: list[tuple[str, str, int]]  # label, category, price in paise
    total_paise: int
    currency: str
    promo_code: str = ""
    discount_paise: int = 0

    @property
    def amount_text(self) -> str:
        """What was paid, and the promo code that took something off ("₹540, promo code
        SAVE20 took off ₹120")."""
        amount = format_money(self.total_paise, self.currency)
        if not self.discount_paise:
            return amount
        off = format_money(self.discount_paise, self.currency)
        return f"{amount}, promo code {self.promo_code} took off {off}"

    @property
    def local_start(self) -> str:
        local = self.starts_at.astimezone(ZoneInfo(self.timezone))
        return local.strftime("%A %d %B %Y, %H:%M ") + local.tzname()


def ticket_details(session: Session, booking_id: int) -> TicketDetails:
    booking, show, movie, screen, cinema = session.execute(
        select(Booking, Showtime, Movie, Screen, Cinema)
        .join(Showtime, Showtime.id == Booking.showtime_id)
        .join(Movie, Movie.id == Showtime.movie_id)
        .join(Screen, Screen.id == Showtime.screen_id)
        .join(Cinema, Cinema.id == Screen.cinema_id)
        .where(Booking.id == booking_id)
    ).one()
    view = booking_view(session, booking)
    seats = [(x.label, x.category, x.price_paise) for x in view.lines]
    return TicketDetails(
        reference=booking.reference,
        status=booking.status,
        movie=movie.title,
        certificate=movie.certificate,
        runtime_minutes=movie.runtime_minutes,
        cinema=cinema.name,
        address=cinema.address,
        screen=screen.name,
        starts_at=show.starts_at,
        timezone=cinema.timezone,
        seats=seats,
        total_paise=booking.total_paise,
        currency=booking.currency,
        promo_code=view.promo_code,
        discount_paise=view.discount_paise,
    )


def customer_ticket(reference: str, user_id: int, *, engine: Engine | None = None) -> TicketDetails:
    """The ticket of the customer's own paid booking, or NoTicket (someone else's booking, an
    unknown reference, or one that was never paid or has been cancelled)."""
    if not reference.isalnum() or len(reference) > LONGEST_CLIENT_REFERENCE:
        raise NoTicket()
    with read_session(engine) as session:
        try:
            booking = find_booking(session, reference, user_id)
        except CustomerError:
            raise NoTicket() from None
        if booking.status != BookingStatus.PAID:
            raise NoTicket()
        return ticket_details(session, booking.id)
