"""Background work started with the backend in every worker. Housekeeping over the shared
database (lapsed holds, waiting lists, Stripe) is done each round by one worker of all the app
servers, the one holding its lease (services.operations.job_leases); every job is idempotent,
so a round run twice when Redis is away costs work only. Mail is sent by every worker at once
(each message claimed by one): a slow mail server is waited on in parallel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from bookmyseat.server.edge_limits import open_sockets
from bookmyseat.services.booking.holds import expire_lapsed_holds
from bookmyseat.services.booking.seat_events import relay_from_redis
from bookmyseat.services.mail.outbox import deliver_due
from bookmyseat.services.offers.waitlist_offers import offer_freed_seats
from bookmyseat.services.operations.job_leases import give_up, my_round
from bookmyseat.services.operations.metrics import OPEN_SOCKETS
from bookmyseat.services.operations.shared_figures import report
from bookmyseat.services.payments.refunds import send_pending_refunds
from bookmyseat.services.payments.stripe_sessions import expire_lapsed_sessions
from bookmyseat.settings import get_settings

log = logging.getLogger("bookmyseat.tasks")
T = TypeVar("T")
SWEEP_EVERY_SECONDS = 5
# The housekeeping jobs' leases (services.operations.job_leases)
SWEEP, OFFERS = "expire-lapsed-holds", "offer-to-waitlists"
STRIPE_SESSIONS, STRIPE_REFUNDS = "expire-stripe-sessions", "send-pending-refunds"


async def leased_round(job_name: str, every_seconds: float, job: Callable[[], T]) -> T | None:
    """`job` run in a thread when this worker holds the job's lease this round; None if not.
    A job that fails gives the lease up: the next round is another worker's to try."""
    settings = get_settings()
    urls = (settings.redis_url, settings.database_url)
    if not await asyncio.to_thread(my_round, job_name, every_seconds, *urls):
        return None
    try:
        return await asyncio.to_thread(job)
    except Exception:
        await asyncio.to_thread(give_up, job_name, *urls)
        raise


def leases_given_up(*job_names: str) -> None:
    """A worker that stops lets the others have its jobs at once (a quick call to Redis, made
    on the way out of a cancelled loop, where there is no more waiting to do)."""
    settings = get_settings()
    for job_name in job_names:
        give_up(job_name, settings.redis_url, settings.database_url)


async def leased_jobs(every_seconds: float, jobs: dict[str, Callable[[], Any]]) -> None:
    """Run each of `jobs` (by lease name) every `every_seconds` forever, the rounds this
    worker holds their leases: a failed job is logged and tried at the next round; a worker
    that stops gives its leases up on the way out."""
    try:
        while True:
            for name, job in jobs.items():
                try:
                    done = await leased_round(name, every_seconds, job)
                    if done:  # how many holds expired, offers made...
                        log.info("Housekeeping job %s: %s", name, done)
                except Exception:  # the database or Stripe may be away; next round
                    log.exception("Housekeeping job %s failed", name)
            await asyncio.sleep(every_seconds)
    finally:
        leases_given_up(*jobs)


async def sweep_lapsed_holds() -> None:
    """Expire lapsed holds forever; database work runs in a thread so no client stalls.

    Expiring announces the freed seats to open seat maps, so the sweep runs often."""
    await leased_jobs(SWEEP_EVERY_SECONDS, {SWEEP: expire_lapsed_holds})


OFFER_WAITLIST_EVERY_SECONDS = 5


async def offer_to_waitlists() -> None:
    """Offer the freed seats of sold-out shows to their waiting lists forever. Safe when two
    workers run it: a show's offers are made one at a time under a lock of its row, and the
    seats are claimed like any hold's, so no entry gets two offers and no seat two holders."""
    await leased_jobs(OFFER_WAITLIST_EVERY_SECONDS, {OFFERS: offer_freed_seats})


async def relay_seat_changes() -> None:
    """With Redis (several workers), hear every worker's seat changes; alone, nothing to relay."""
    url = get_settings().redis_url
    if url:
        await relay_from_redis(url)


SEND_MAIL_EVERY_SECONDS = 5


async def send_outbox() -> None:
    """Deliver due outbox messages forever; every worker runs it, claims keep sends single."""
    while True:
        try:
            await asyncio.to_thread(deliver_due)
        except Exception:  # a failed round is retried at the next tick
            log.exception("Sending the email outbox failed")
        await asyncio.sleep(SEND_MAIL_EVERY_SECONDS)


STRIPE_HOUSEKEEPING_EVERY_SECONDS = 10


async def stripe_housekeeping() -> None:
    """With Stripe: end the sessions of lapsed holds, and ask for refunds that are due."""
    jobs = {STRIPE_SESSIONS: expire_lapsed_sessions, STRIPE_REFUNDS: send_pending_refunds}
    await leased_jobs(STRIPE_HOUSEKEEPING_EVERY_SECONDS, jobs)


REPORT_SOCKETS_EVERY_SECONDS = 10


async def report_open_sockets() -> None:
    """Tell /metrics how many websockets this worker has open (shared through Redis)."""
    while True:
        try:
            count = open_sockets()
            await asyncio.to_thread(report, OPEN_SOCKETS, count, get_settings().redis_url)
        except Exception:  # Redis away: the next report puts it right
            log.exception("Reporting open websockets failed")
        await asyncio.sleep(REPORT_SOCKETS_EVERY_SECONDS)
