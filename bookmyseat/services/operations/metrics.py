"""/metrics in Prometheus's text format (prometheus-client). The business figures are read from
the database when Prometheus asks, so every app server reports the same, exact numbers; the
figures no table keeps (hold requests and their refusals, open websockets) are shared through
Redis (`shared_figures`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session
from bookmyseat.models import (
    Booking,
    EmailOutbox,
    OutboxStatus,
    Payment,
    PaymentStatus,
    SaleQueue,
    SaleQueueStatus,
    Showtime,
    WaitlistEntry,
    WaitlistStatus,
    utcnow,
)
from bookmyseat.services.booking.rules import UNPAID_LIVE
from bookmyseat.services.onsale.line import line_for
from bookmyseat.services.operations import shared_figures

HOLD_REQUESTS = "hold_requests"  # label: held, or the refusal's code
OPEN_SOCKETS = "open_websockets"
UNSENT = (OutboxStatus.PENDING, OutboxStatus.RETRY, OutboxStatus.SENDING)


class _Figures:
    """A prometheus-client collector: each scrape reads the figures afresh."""

    def __init__(self, redis_url: str, engine: Engine | None, now: datetime | None) -> None:
        self.redis_url, self.engine, self.now = redis_url, engine, now

    def collect(self) -> Iterator[Metric]:
        now = self.now or utcnow()
        with read_session(self.engine) as session:
            bookings = session.execute(
                select(Booking.status, func.count()).group_by(Booking.status)
            ).all()
            open_holds = session.execute(
                select(func.count()).where(
                    Booking.status.in_(UNPAID_LIVE), Booking.hold_expires_at > now
                )
            ).scalar_one()
            amount = func.sum(Payment.amount_paise)
            payments = session.execute(
                select(Payment.provider, Payment.status, func.count(), amount).group_by(
                    Payment.provider, Payment.status
                )
            ).all()
            outbox = session.execute(
                select(EmailOutbox.status, func.count()).group_by(EmailOutbox.status)
            ).all()
            oldest = session.execute(
                select(func.min(EmailOutbox.created_at)).where(EmailOutbox.status.in_(UNSENT))
            ).scalar_one()
            waiting = session.execute(
                select(func.count()).where(WaitlistEntry.status == WaitlistStatus.WAITING)
            ).scalar_one()
            lines = session.execute(
                select(SaleQueue.showtime_id)
                .join(Showtime, Showtime.id == SaleQueue.showtime_id)
                .where(SaleQueue.status != SaleQueueStatus.ENDED, Showtime.starts_at > now)
            ).scalars()
            line_figures = _line_figures(list(lines), self.redis_url, now)
        yield _by_label(GaugeMetricFamily, "bookmyseat_bookings", "Bookings by status.",
                        "status", bookings)  # fmt: skip
        yield GaugeMetricFamily(
            "bookmyseat_holds_open", "Unpaid holds still holding seats.", value=open_holds
        )
        paid = GaugeMetricFamily("bookmyseat_payments", "Payments by provider and status.",
                                 labels=["provider", "status"])  # fmt: skip
        money = GaugeMetricFamily("bookmyseat_payments_paise", "Their amounts, in paise.",
                                  labels=["provider", "status"])  # fmt: skip
        for provider, status, number, amount in payments:
            paid.add_metric([provider, status], number)
            money.add_metric([provider, status], amount or 0)
        yield paid
        yield money
        refunded = sum(n for _, s, n, _ in payments if s == PaymentStatus.REFUNDED)
        yield GaugeMetricFamily("bookmyseat_refunds", "Payments refunded.", value=refunded)
        yield _by_label(GaugeMetricFamily, "bookmyseat_outbox_messages",
                        "Emails in the outbox by status.", "status", outbox)  # fmt: skip
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "bookmyseat_outbox_oldest_unsent_seconds",
            "How long the oldest email not yet sent has waited (0 when none waits).",
            value=max(0.0, age),
        )
        yield GaugeMetricFamily(
            "bookmyseat_waitlist_waiting",
            "Customers waiting for seats of sold-out shows.",
            value=waiting,
        )
        in_line = GaugeMetricFamily("bookmyseat_onsale_waiting",
                                    "Customers waiting in a show's on-sale line.",
                                    labels=["showtime"])  # fmt: skip
        let_in = GaugeMetricFamily("bookmyseat_onsale_admitted",
                                   "Customers let in from a show's on-sale line, not lapsed.",
                                   labels=["showtime"])  # fmt: skip
        for showtime_id, line_waiting, inside in line_figures:
            in_line.add_metric([str(showtime_id)], line_waiting)
            let_in.add_metric([str(showtime_id)], inside)
        yield in_line
        yield let_in
        requests = shared_figures.counts(HOLD_REQUESTS, self.redis_url)
        yield _by_label(CounterMetricFamily, "bookmyseat_hold_requests",
                        "Hold requests by outcome: held, or the refusal's code.", "outcome",
                        sorted(requests.items()))  # fmt: skip
        yield GaugeMetricFamily(
            "bookmyseat_open_websockets",
            "Open websockets over every worker that reported.",
            value=shared_figures.gauge_total(OPEN_SOCKETS, self.redis_url),
        )


def _line_figures(showtime_ids: list[int], redis_url: str, now: datetime) -> list[tuple]:
    """(showtime, waiting, let in) of each line, in one round trip; with Redis away the lines
    are left out (the scrape still gives every other figure)."""
    try:
        figures = line_for(redis_url).figures_of(showtime_ids, now.timestamp())
    except redis.RedisError:
        return []
    return [(showtime_id, *counts) for showtime_id, counts in figures.items()]


def _by_label(kind, name: str, documentation: str, label: str, rows) -> Metric:  # noqa: ANN001
    family = kind(name, documentation, labels=[label])
    for value, number in rows:
        family.add_metric([str(value)], number)
    return family


def metrics_text(
    redis_url: str, *, engine: Engine | None = None, now: datetime | None = None
) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(redis_url, engine, now))
    return generate_latest(registry)
