"""The Reflex app: pages registered, background tasks started.

Our tables are plain SQLModel (services must not import Reflex); they live in SQLModel's shared
MetaData, which rx.Model is registered with, so importing `models` is what `reflex db` needs.
"""

from __future__ import annotations

import reflex as rx

from bookmyseat import models  # noqa: F401 - registers every table for `reflex db`
from bookmyseat.pages.auth import login_page, signup_page
from bookmyseat.pages.checkout import checkout_page
from bookmyseat.pages.home import home
from bookmyseat.pages.movie import movie_page
from bookmyseat.pages.payment import confirmation_page, demo_pay_page, my_bookings_page
from bookmyseat.pages.showtime import showtime_page
from bookmyseat.state.auth import AuthState
from bookmyseat.state.checkout import CheckoutState
from bookmyseat.state.home import HomeState
from bookmyseat.state.movie import MovieState
from bookmyseat.state.payment import ConfirmationState, DemoPayState, MyBookingsState
from bookmyseat.state.seat_map import SeatMapState
from bookmyseat.tasks import sweep_lapsed_holds

app = rx.App(stylesheets=["/seatmap.css"])
who = AuthState.refresh_identity
app.add_page(
    movie_page,
    route="/movies/[slug]",
    title="BookMySeat — movie",
    on_load=[who, MovieState.load],
)
app.add_page(home, route="/", title="BookMySeat — now showing", on_load=[who, HomeState.load])
app.add_page(
    showtime_page,
    route="/showtimes/[id]",
    title="BookMySeat — choose seats",
    on_load=[who, SeatMapState.load],
)
app.add_page(
    checkout_page,
    route="/checkout/[reference]",
    title="BookMySeat — checkout",
    on_load=[who, CheckoutState.load],
)
app.add_page(
    demo_pay_page,
    route="/pay/demo/[reference]",
    title="BookMySeat — demo payment",
    on_load=[who, DemoPayState.load],
)
app.add_page(
    confirmation_page,
    route="/bookings/[reference]",
    title="BookMySeat — your booking",
    on_load=[who, ConfirmationState.load],
)
app.add_page(
    my_bookings_page,
    route="/bookings",
    title="BookMySeat — my bookings",
    on_load=[who, MyBookingsState.load],
)
app.add_page(login_page, route="/login", title="BookMySeat — sign in", on_load=who)
app.add_page(signup_page, route="/signup", title="BookMySeat — create an account", on_load=who)
app.register_lifespan_task(sweep_lapsed_holds)
