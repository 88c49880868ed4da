"""The admin dashboard over a year of sales: 1,000,000 bookings, on SQLite and PostgreSQL.

The history is generated inside the database (INSERT … SELECT over a number series): a year of
showtimes on the demo screens, 5,000 customers, bookings of 1–3 seats paid through the year (one
in 20 later cancelled), with their booking lines; then the sales roll-ups are rebuilt from them
(bulk-loaded rows skip the transactions that keep the roll-ups). It times building the whole
dashboard's data (KPIs, every chart, the activity feed's first page) for the last 30 days and for
all time, against the same run's floor: the same aggregate statements compiled once and run bare
on the connection.

Usage: python bench/dashboard.py [--bookings 1000000] [--pg URL] [--skip-pg] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from bookmyseat import db, migrations
from bookmyseat.models import Showtime, User
from bookmyseat.services.demo.data import load_demo_data
from bookmyseat.services.reporting import analytics
from bookmyseat.services.reporting import rollups as sales_rollup
from tests.databases import postgres_database

YEAR = timedelta(days=365)
SLOTS = (4, 7, 10, 13, 15, 17, 19, 21)  # hours (UTC) of the showtimes: room for the sales


def seed(engine: Engine, bookings: int, now: datetime) -> None:
    load_demo_data(engine=engine, days=1, history_days=0)  # the year below is the history
    start = now - YEAR
    dialect = engine.dialect.name
    with engine.begin() as conn:
        screens = [r[0] for r in conn.execute(text("SELECT id FROM screen ORDER BY id"))]
        movies = [r[0] for r in conn.execute(text("SELECT id FROM movie ORDER BY id"))]
        seat0 = conn.execute(text("SELECT min(id) FROM seat")).scalar_one()
        shows = [
            {
                "movie_id": movies[(d + i) % len(movies)],
                "screen_id": screen,
                "starts_at": start + timedelta(days=d, hours=hour),
                "ends_at": start + timedelta(days=d, hours=hour + 2),
                "format": "2D",
                "language": "Hindi",
                "is_cancelled": False,
            }
            for d in range(365)
            for i, screen in enumerate(screens)
            for hour in SLOTS
        ]
        conn.execute(insert(Showtime.__table__), shows)
        first_show = conn.execute(
            text("SELECT min(id) FROM showtime WHERE starts_at < :now"), {"now": now}
        ).scalar_one()
        users = [
            {
                "username": f"fan{i}",
                "email": f"fan{i}@example.com",
                "full_name": "",
                "password_hash": "x",
                "role": "customer",
                "is_active": True,
                "created_at": start,
            }
            for i in range(5000)
        ]
        conn.execute(insert(User.__table__), users)
        first_user = conn.execute(
            text("SELECT min(id) FROM app_user WHERE username = 'fan0'")
        ).scalar_one()
        params = {
            "n": bookings,
            "users": 5000,
            "u0": first_user,
            "shows": len(shows),
            "s0": first_show,
            "start": int(start.timestamp()),
            "step": YEAR.total_seconds() / bookings,
            "seat0": seat0,
        }
        if dialect == "sqlite":
            series = (
                "WITH RECURSIVE g(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM g WHERE x < :n - 1) "
            )
            seconds = ":start + CAST(x * :step AS INTEGER)"
            paid = f"strftime('%Y-%m-%d %H:%M:%S', {seconds}, 'unixepoch') || '.000000'"
            source = "FROM g"
        else:
            series = ""
            paid = "to_timestamp(:start + floor(x * :step))"
            source = "FROM generate_series(0, :n - 1) AS g(x)"
        conn.execute(
            text(
                f"{series}INSERT INTO booking (reference, user_id, showtime_id, status, "
                "hold_expires_at, seat_count, subtotal_paise, fee_paise, total_paise, currency, "
                "created_at, updated_at, paid_at, cancelled_at) "
                f"SELECT 'G' || x, :u0 + x % :users, :s0 + (x * 7) % :shows, "
                "CASE WHEN x % 20 = 0 THEN 'cancelled' ELSE 'paid' END, "
                f"{paid}, 1 + x % 3, (1 + x % 3) * 25000, (1 + x % 3) * 3000, "
                f"(1 + x % 3) * 28000, 'inr', {paid}, {paid}, {paid}, NULL {source}"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO booking_seat (booking_id, showtime_id, seat_id, seat_label, "
                "category, price_paise, checked_in_at) "
                "SELECT b.id, b.showtime_id, :seat0 + k.k, 'A' || (k.k + 1), "
                "CASE (b.id + k.k) % 3 WHEN 0 THEN 'Classic' WHEN 1 THEN 'Prime' "
                "ELSE 'Recliner' END, 25000, NULL FROM booking b JOIN "
                "(SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k ON k.k < b.seat_count "
                "WHERE b.reference LIKE 'G%'"
            ),
            {"seat0": seat0},
        )
    with engine.begin() as conn:
        sales_rollup.rebuild(conn)  # bulk-loaded rows skip the transactions that keep them
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


ZONE = "Asia/Kolkata"  # the site's, as the dashboard for all cinemas reads it


def statements(first: date, after: date, dialect: str) -> list:
    days = analytics.Window(first, after, ZONE)
    charts = analytics.chart_statements(days, dialect=dialect).values()
    flat = [s for chart in charts for s in (chart if isinstance(chart, list) else [chart])]
    return [*analytics.kpi_statements(days), *flat]


def build_dashboard(engine: Engine, first: date, after: date) -> None:
    """Everything the dashboard page shows: figures, charts' data, the activity feed's page."""
    analytics.dashboard(first, after, engine=engine)
    analytics.recent_activity(engine=engine)


def floor_ms(engine: Engine, first: date, after: date) -> float:
    """The same aggregates compiled once to SQL and run bare on one connection."""
    compiled = [
        str(s.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
        for s in statements(first, after, engine.dialect.name)
    ]
    with engine.connect() as conn:
        began = time.perf_counter()
        for sql in compiled:
            conn.exec_driver_sql(sql).fetchall()
        return (time.perf_counter() - began) * 1000


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def run(name: str, engine: Engine, bookings: int, repeat: int) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    began = time.perf_counter()
    seed(engine, bookings, now)
    print(f"[{name}] generated {bookings:,} bookings in {time.perf_counter() - began:.1f} s")
    today = now.date()
    month, ever = today - timedelta(days=30), today - YEAR - timedelta(days=2)
    end = today + timedelta(days=9)
    build_dashboard(engine, ever, end)  # warm the caches once
    ms_30 = timed(lambda: build_dashboard(engine, month, end), repeat)
    ms_all = timed(lambda: build_dashboard(engine, ever, end), repeat)
    floor_30 = timed(lambda: floor_ms(engine, month, end), repeat)
    floor_all = timed(lambda: floor_ms(engine, ever, end), repeat)
    figures = analytics.kpis(analytics.Window(ever, end, ZONE), engine=engine)
    print(
        f"[{name}] all time: {figures.bookings:,} paid bookings, {figures.tickets:,} tickets, "
        f"revenue ₹{figures.revenue_paise // 100:,}, occupancy {figures.occupancy_pct}%"
    )
    print(
        f"[{name}] floor (bare SQL aggregates): 30 days {floor_30:.0f} ms, "
        f"all time {floor_all:.0f} ms"
    )
    print(
        f"db={name} dashboard_ms_30d={ms_30:.0f} dashboard_ms_all={ms_all:.0f} "
        f"ratio_to_floor={ms_all / floor_all:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = db.make_engine(f"sqlite:///{Path(folder) / 'dashboard.db'}")
        migrations.migrate(engine)
        run("sqlite", engine, args.bookings, args.repeat)
        engine.dispose()
    if not args.skip_pg:
        with postgres_database() as engine:
            run("postgresql", engine, args.bookings, args.repeat)


if __name__ == "__main__":
    main()
