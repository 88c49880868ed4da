"""Demo data: movies, cinemas, screens, a week of showtimes, the demo accounts, and 60 days of
past sales (services.demo.history).

Loading twice changes nothing. Refused when BOOKMYSEAT_ENV=production: the demo accounts have
published passwords and must never exist on a real site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bookmyseat.db import write_session
from bookmyseat.models import Movie, Role, User, utcnow
from bookmyseat.services.accounts.users import hash_password
from bookmyseat.services.catalog.layouts import layout_json
from bookmyseat.services.catalog.posters import write_poster
from bookmyseat.services.catalog.venues import (
    get_or_create_cinema,
    get_or_create_screen,
    get_or_create_showtime,
)
from bookmyseat.services.demo.history import customer_usernames, load_demo_history
from bookmyseat.services.demo.offers import load_demo_offers
from bookmyseat.settings import PROJECT_ROOT, Settings, get_settings

POSTER_DIR = PROJECT_ROOT / "assets" / "posters"

DEMO_ACCOUNTS = [
    ("mzsp_", "mzsp@example.com", "pass@123", Role.CUSTOMER, "Demo Customer"),
    ("admin1", "admin1@example.com", "admin@123", Role.ADMIN, "Demo Admin"),
    ("auditor1", "auditor1@example.com", "audit@123", Role.AUDITOR, "Demo Auditor"),
]


def demo_usernames() -> list[str]:
    """Every account the demo data makes, each with a password published in the README: the
    list production looks for (bookmyseat.server.production_gate), so an account the demo adds
    is refused there without anyone listing it twice."""
    return [username for username, *_ in DEMO_ACCOUNTS] + customer_usernames()


@dataclass(frozen=True)
class DemoMovie:
    title: str
    tagline: str
    genres: str
    language: str
    certificate: str
    runtime: int
    released: date
    cast: str
    trailer: str | None
    synopsis: str


# Trailer URLs come in the forms people paste: watch?v=, youtu.be, embed, shorts, mobile, a bare id,
# extra parameters, and some that are not YouTube at all (the button must then stay hidden).
DEMO_MOVIES = [
    DemoMovie(
        "The Monsoon Express",
        "Every station hides a secret",
        "Thriller,Drama",
        "Hindi",
        "UA",
        142,
        date(2026, 11, 6),
        "Aarav Mehta, Kavya Rao, Imran Sheikh",
        "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
        "A night train from Mumbai to "
        "Kolkata, a stolen ledger, and a ticket collector who notices everything.",
    ),
    DemoMovie(
        "Chai & Chaos",
        "Love, brewed badly",
        "Comedy,Romance",
        "Hindi",
        "U",
        128,
        date(2026, 10, 30),
        "Neha Joshi, Rohan Kapoor",
        "https://youtu.be/ScMzIvxBSi4?t=12",
        "Two rival tea stalls on one Pune street corner, and the wedding that forces them "
        "to cater together.",
    ),
    DemoMovie(
        "Orbit of Silence",
        "No one hears the last signal",
        "Sci-Fi,Thriller",
        "English",
        "UA",
        151,
        date(2026, 11, 13),
        "Maya Fernandes, Dev Patel-Iyer",
        "https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0",
        "The crew of a lunar relay "
        "station receives a message from a probe that was lost twenty years ago.",
    ),
    DemoMovie(
        "Kabaddi Kings",
        "One breath. One raid.",
        "Sports,Drama",
        "Tamil",
        "U",
        137,
        date(2026, 10, 16),
        "Karthik Subramanian, Lakshmi Nair",
        "https://www.youtube.com/shorts/jNQXAC9IVRw",
        "A village kabaddi team with no sponsor and no coach takes on the state champions.",
    ),
    DemoMovie(
        "Ghosts of Hampi",
        "The ruins remember",
        "Horror,Mystery",
        "Kannada",
        "A",
        119,
        date(2026, 11, 20),
        "Shreya Gowda, Vikram Hegde",
        "https://m.youtube.com/watch?v=M7lc1UVf-VE&feature=share",
        "A heritage photographer finds that her long exposures show people who are not there.",
    ),
    DemoMovie(
        "Masala Mission",
        "Spice is a weapon",
        "Action,Comedy",
        "Hindi",
        "UA",
        146,
        date(2026, 11, 1),
        "Arjun Malhotra, Zoya Khan, Paresh Desai",
        "9bZkp7q19f0",
        "A retired spy opens a restaurant, and her old agency needs her recipes.",
    ),
    DemoMovie(
        "Paper Boats",
        "Some journeys start small",
        "Animation,Family",
        "English",
        "U",
        98,
        date(2026, 9, 25),
        "Voices of Ira Menon, Sam Thomas",
        None,
        "Two children fold a fleet of paper boats and sail them across a flooded city.",
    ),
    DemoMovie(
        "The Last Raga",
        "Music outlives us",
        "Drama,Musical",
        "Malayalam",
        "U",
        133,
        date(2026, 8, 28),
        "Fahad Rahman, Anjali Menon",
        "https://vimeo.com/76979871",
        "An ageing Carnatic singer teaches one final student before his voice fails.",
    ),
    DemoMovie(
        "Highway 48",
        "Don't stop after dark",
        "Action,Thriller",
        "Telugu",
        "A",
        140,
        date(2026, 11, 18),
        "Ram Charan Varma, Sita Reddy",
        "",
        "A truck driver carrying an unknown cargo is chased across three states.",
    ),
]

# Prices in paise per category.
PRICES = {"Classic": 18000, "Prime": 25000, "Recliner": 45000}


def _rows(spec: list[tuple[str, str, str]]) -> list[dict]:
    rows: list[dict] = []
    for label, category, cells in spec:
        rows.append(
            {"gap": True}
            if label == "-"
            else {"label": label, "category": category, "cells": cells}
        )
    return rows


def _big_layout() -> str:
    """20 rows of 22 seats (440) with two aisles; Classic front, Prime middle, Recliner back."""
    spec = []
    for i, label in enumerate("ABCDEFGHJKLMNPQRSTUV"):
        category = "Classic" if i < 10 else "Prime" if i < 17 else "Recliner"
        cells = "SSSS_SSSSSSSSSSSSSS_SSSS"
        if label == "A":
            cells = "WWSS_SSSSSSSSSSSSSS_SSWW"
        if label == "K":
            cells = "SSSS_SSSSSSSXXSSSSS_SSSS"
        spec.append((label, category, cells))
        if label in ("J", "S"):
            spec.append(("-", "", ""))
    return layout_json(_rows(spec))


SCREENS = {
    "Galaxy Cinemas Andheri": (
        "Mumbai",
        "Link Road, Andheri West, Mumbai 400053",
        [
            ("Audi 1 IMAX", _big_layout(), "IMAX"),
            (
                "Audi 2",
                layout_json(
                    _rows(
                        [
                            ("A", "Classic", "WSSSSS_SSSSSSSS_SSSSSW"),
                            ("B", "Classic", "SSSSSS_SSSSSSSS_SSSSSS"),
                            ("C", "Classic", "SSSSSS_SSSSSSSS_SSSSSS"),
                            ("-", "", ""),
                            ("D", "Prime", "SSSSSS_SSSSSSSS_SSSSSS"),
                            ("E", "Prime", "SSSSSS_SSSXSSSS_SSSSSS"),
                            ("F", "Prime", "SSSSSS_SSSSSSSS_SSSSSS"),
                            ("-", "", ""),
                            ("G", "Recliner", "SS_SSSS_SS"),
                            ("H", "Recliner", "SS_SSSS_SS"),
                        ]
                    )
                ),
                "2D",
            ),
        ],
    ),
    "Marine Lines Talkies": (
        "Mumbai",
        "Marine Lines, Mumbai 400002",
        [
            (
                "Screen 1",
                layout_json(
                    _rows(
                        [(r, "Classic", "SSSSSSSS_SSSSSSSS") for r in "ABCDEF"]
                        + [("-", "", "")]
                        + [(r, "Prime", "SSSSSSSS_SSSSSSSS") for r in "GHJ"]
                    )
                ),
                "2D",
            ),
            (
                "Screen 2 Gold",
                layout_json(
                    _rows(
                        [
                            ("A", "Recliner", "WS_SSSS_SW"),
                            ("B", "Recliner", "SS_SSSS_SS"),
                            ("C", "Recliner", "SS_SSSS_SS"),
                        ]
                    )
                ),
                "2D",
            ),
        ],
    ),
    "Lakeside Multiplex": (
        "Bengaluru",
        "Outer Ring Road, Bellandur, Bengaluru 560103",
        [
            (
                "Screen A",
                layout_json(
                    _rows(
                        [
                            ("A", "Classic", "SSSS__SSSSSSSSSS__SSSS"),
                            ("B", "Classic", "SSSS__SSSSSSSSSS__SSSS"),
                            ("C", "Classic", "SSSS__SSSSSSSSSS__SSSS"),
                            ("D", "Classic", "XXSS__SSSSSSSSSS__SSXX"),
                            ("-", "", ""),
                            ("E", "Prime", "SSSS__SSSSSSSSSS__SSSS"),
                            ("F", "Prime", "SSSS__SSSSSSSSSS__SSSS"),
                            ("G", "Prime", "WSSS__SSSSSSSSSS__SSSW"),
                        ]
                    )
                ),
                "3D",
            ),
            (
                "Screen B",
                layout_json(
                    _rows(
                        [(r, "Prime", "_SSSSSSSSSSSS_") for r in "ABCDE"]
                        + [("F", "Recliner", "__SS_SS_SS_SS__")]
                    )
                ),
                "2D",
            ),
        ],
    ),
}

SHOW_TIMES = [time(10, 0), time(13, 30), time(17, 0), time(21, 0)]


def load_demo_data(
    *,
    days: int = 7,
    history_days: int = 60,
    today: date | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> dict[str, int]:
    """Create whatever of the demo set is missing; returns counts of what exists afterwards.
    With `history_days`, that many days of past sales too (made once; services.demo.history)."""
    settings = settings or get_settings()
    if settings.environment == "production":
        raise RuntimeError("Refusing to load demo data (and demo accounts) in production.")
    tz = ZoneInfo(settings.default_timezone)
    today = today or datetime.now(tz).date()
    counts = {"accounts": 0, "movies": 0, "screens": 0, "showtimes": 0}
    with write_session(engine) as session:
        for username, email, password, role, name in DEMO_ACCOUNTS:
            if session.execute(select(User).where(User.username == username)).first() is None:
                session.add(
                    User(
                        username=username,
                        email=email,
                        full_name=name,
                        role=role,
                        password_hash=hash_password(password),
                        email_verified_at=utcnow(),  # the loader's own: nothing to confirm
                    )
                )
            counts["accounts"] += 1
        movies = []
        for m in DEMO_MOVIES:
            slug = m.title.lower().replace("&", "and").replace(" ", "-")
            movie = session.execute(select(Movie).where(Movie.slug == slug)).scalar_one_or_none()
            if movie is None:
                movie = Movie(
                    slug=slug,
                    title=m.title,
                    synopsis=m.synopsis,
                    genres=m.genres,
                    language=m.language,
                    certificate=m.certificate,
                    runtime_minutes=m.runtime,
                    release_date=m.released,
                    cast_members=m.cast,
                    trailer_url=m.trailer,
                    poster_path=write_poster(POSTER_DIR, slug, m.title, m.tagline, m.certificate),
                )
                session.add(movie)
                session.flush()
            else:  # the poster folder is not in git: draw it again on a fresh checkout
                write_poster(POSTER_DIR, slug, m.title, m.tagline, m.certificate)
            movies.append(movie)
        counts["movies"] = len(movies)
        screen_index = 0
        for cinema_name, (city, address, screens) in SCREENS.items():
            cinema = get_or_create_cinema(session, cinema_name, city, address)
            for screen_name, layout, fmt in screens:
                screen = get_or_create_screen(session, cinema, screen_name, layout)
                counts["screens"] += 1
                for day in range(days):
                    for slot, show_time in enumerate(SHOW_TIMES):
                        movie = movies[(screen_index * 3 + day + slot) % len(movies)]
                        local = datetime.combine(today + timedelta(days=day), show_time, tz)
                        starts = local.astimezone(UTC)
                        if starts <= utcnow():
                            continue
                        get_or_create_showtime(session, movie, screen, starts, PRICES, format=fmt)
                        counts["showtimes"] += 1
                screen_index += 1
        load_demo_offers(session, PRICES)
    counts["past bookings made"] = load_demo_history(
        PRICES, days=history_days, today=today, settings=settings, engine=engine
    ) if history_days else 0  # fmt: skip
    return counts
