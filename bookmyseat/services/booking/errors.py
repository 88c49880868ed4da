"""The booking engine's refusals. Each message is written for the customer who will read it."""

from __future__ import annotations

from bookmyseat.services.errors import CustomerError


class BookingError(CustomerError):
    """A request the booking engine refused."""

    code = "booking_refused"


class SignInNeeded(BookingError):
    code = "sign_in_needed"

    def __init__(self) -> None:
        super().__init__("Please sign in to book seats.")


class ShowtimeNotFound(BookingError):
    code = "showtime_not_found"

    def __init__(self) -> None:
        super().__init__("This show is not available.")


class ShowtimeStarted(BookingError):
    code = "showtime_started"

    def __init__(self) -> None:
        super().__init__("This show has already started; seats can no longer be booked.")


class NoSeatsChosen(BookingError):
    code = "no_seats"

    def __init__(self) -> None:
        super().__init__("Choose at least one seat.")


class TooManySeats(BookingError):
    code = "too_many_seats"

    def __init__(self, limit: int) -> None:
        super().__init__(f"You can book at most {limit} seats at a time.")
        self.limit = limit


class HoldingTooMany(BookingError):
    code = "holding_too_many"

    def __init__(self, held: int, limit: int) -> None:
        super().__init__(
            f"You already hold {held} seats for this show, and one account may hold at most "
            f"{limit}. Pay for or release that booking first."
        )


class TooManyOpenHolds(BookingError):
    code = "too_many_open_holds"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You have {limit} bookings waiting for payment. Pay for or release one of them first."
        )


class AddressHoldingTooMany(BookingError):
    """The client's address (whatever the accounts) holds the most seats of the show it may."""

    code = "address_holding_too_many"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Seats of this show held from your network have reached {limit}, the most one "
            "network may hold at once. Pay for or release held seats, or try again in a few "
            "minutes."
        )
        self.limit = limit


class AddressTooManyOpenHolds(BookingError):
    code = "address_too_many_open_holds"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"{limit} bookings made from your network are waiting for payment, the most one "
            "network may have at once. Pay for or release one of them, or try again in a few "
            "minutes."
        )
        self.limit = limit


class HoldCooldown(BookingError):
    """The account's last hold of the show ran out unpaid a moment ago."""

    code = "hold_cooldown"

    def __init__(self, minutes: int) -> None:
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        super().__init__(
            "Your last hold of seats for this show ran out without payment, so its seats went "
            f"back to everyone. You can hold seats of this show again in {wait}."
        )
        self.minutes = minutes


class ShowNotOnSale(BookingError):
    """The show's movie was retired: its shows are off the listings and cannot be booked."""

    code = "show_not_on_sale"

    def __init__(self) -> None:
        super().__init__("This movie is no longer showing, so this show cannot be booked.")


class LineSeatLimit(BookingError):
    """While a show's on-sale line runs, an account's seats of it are capped."""

    code = "line_seat_limit"

    def __init__(self, owned: int, limit: int) -> None:
        super().__init__(
            f"While this show sells through its waiting line, one account may have at most "
            f"{limit} of its seats, held or bought; you have {owned}."
        )
        self.owned, self.limit = owned, limit


class LineTurnUsed(BookingError):
    """While a show's on-sale line runs, a turn ends at the account's first purchase."""

    code = "line_turn_used"

    def __init__(self) -> None:
        super().__init__(
            "You have bought tickets for this show. While it sells through its waiting line, "
            "each customer buys once, so that everyone in line gets a turn."
        )


class EmailUnverified(BookingError):
    """The account has not confirmed its email address, which a first hold needs where the
    site asks for it (BOOKMYSEAT_REQUIRE_VERIFIED_EMAIL): each account costs a working inbox."""

    code = "email_unverified"

    def __init__(self) -> None:
        super().__init__(
            "Confirm your email address first: we sent you a link when you signed up. No email? "
            "Open /verify-email to have it sent again."
        )


class NotYourTurn(BookingError):
    """The show sells through an on-sale line and the customer has not been let in (yet)."""

    code = "not_your_turn"

    def __init__(self) -> None:
        super().__init__(
            "This show's tickets are sold through a waiting line, and it is not your turn to "
            "choose: it has not come yet, or it ran out unused. Reload the page to see your place."
        )


class SeatNotFound(BookingError):
    code = "seat_not_found"

    def __init__(self, seat: int | str) -> None:
        super().__init__(f"Seat {seat} does not exist in this screen.")


class SeatBlocked(BookingError):
    code = "seat_blocked"

    def __init__(self, label: str) -> None:
        super().__init__(f"Seat {label} is not available for booking.")


class SeatNotOnSale(BookingError):
    code = "seat_not_on_sale"

    def __init__(self, label: str) -> None:
        super().__init__(f"Seat {label} is not on sale for this show.")


class SeatUnavailable(BookingError):
    """Someone else holds or bought at least one of the chosen seats."""

    code = "seat_unavailable"

    def __init__(
        self,
        labels: list[str],
        seat_ids: list[int] | None = None,
        unavailable: list[int] | None = None,
    ) -> None:
        self.labels = labels
        self.seat_ids = seat_ids or []  # the same seats, for a map to mark them taken
        self.unavailable = unavailable or []  # every seat claimed when it was refused
        if len(labels) == 1:
            text = f"Seat {labels[0]} was just taken. Please choose another seat."
        else:
            text = f"Seats {', '.join(labels)} were just taken. Please choose other seats."
        super().__init__(text)


class LeavesSeatAlone(BookingError):
    """The choice would strand one empty seat between it and a taken seat, an aisle or the
    row's end (the gap rule, services.booking.seat_gaps)."""

    code = "leaves_seat_alone"

    def __init__(self, label: str, seat_id: int) -> None:
        super().__init__(
            f"Please don't leave {label} on its own: choose it too, or move your seats so that "
            "no single empty seat is left beside them."
        )
        self.label = label
        self.seat_id = seat_id


class BookingNotFound(BookingError):
    code = "booking_not_found"

    def __init__(self) -> None:
        super().__init__("We could not find that booking.")


class HoldExpired(BookingError):
    code = "hold_expired"

    def __init__(self) -> None:
        super().__init__("Your seats were held for too long and have been released.")


class AlreadyCheckedIn(BookingError):
    code = "already_checked_in"

    def __init__(self) -> None:
        super().__init__(
            "You were let in at the door with this booking, so it can no longer be cancelled."
        )


class CancelTooLate(BookingError):
    code = "cancel_too_late"

    def __init__(self, cutoff_minutes: int) -> None:
        hours, minutes = divmod(cutoff_minutes, 60)
        span = f"{hours} hours" if not minutes else f"{cutoff_minutes} minutes"
        super().__init__(f"Bookings can be cancelled only up to {span} before the show starts.")
