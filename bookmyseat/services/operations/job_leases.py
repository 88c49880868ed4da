"""Which worker of all the app servers does a periodic housekeeping job: the first to ask takes
a lease in Redis and keeps it while it goes on asking each round; the others skip the job. A
lease lasts two rounds from its holder's last ask, so if that worker dies another takes the job
over within three rounds; one whose job fails, or that is stopped, gives the lease up at once.
Without Redis there is one worker, and the job is its own. With Redis away every worker runs
it: each job is safe to run twice at once (claims and row locks keep its effects single), so a
lost lease costs work, never a job.

Without leases every worker of every server swept the same holds and waiting lists every few
seconds: more servers, more of the same queries, at the very moment an on-sale needs the
database for holds."""

from __future__ import annotations

import hashlib
import logging
import os

from bookmyseat.services.redis_clients import client_for

log = logging.getLogger("bookmyseat.tasks")
PREFIX = "bms:lease:"
ROUNDS_KEPT = 2  # a lease outlives its holder's last ask by this many rounds

# Take the lease if it is free, or keep it if it is ours: one step, so two workers asking at
# once cannot both have it.
_TAKE_OR_KEEP = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
# Give it up only if it is still ours (it may have lapsed and been taken meanwhile).
_GIVE_UP = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def this_worker() -> str:
    """Asked at each call: workers forked from one parent differ only by their process id."""
    return f"{os.uname().nodename}:{os.getpid()}"


def lease_key(job: str, database_url: str) -> str:
    """The lease is the database's: apps that share a Redis but not a database each do their
    own housekeeping."""
    database = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return f"{PREFIX}{database}:{job}"


def my_round(
    job: str, every_seconds: float, redis_url: str, database_url: str, worker: str | None = None
) -> bool:
    """Whether this worker runs `job` over the database at `database_url` this round (the job
    runs every `every_seconds`)."""
    if not redis_url:
        return True
    lasts_ms = max(1, round(every_seconds * ROUNDS_KEPT * 1000))
    key = lease_key(job, database_url)
    try:
        taken = client_for(redis_url).eval(_TAKE_OR_KEEP, 1, key, worker or this_worker(), lasts_ms)
    except Exception as exc:  # Redis away (or its address wrong): run it rather than nobody
        log.warning("Could not ask Redis who runs %s (running it here): %s", job, exc)
        return True
    return bool(taken)


def give_up(job: str, redis_url: str, database_url: str, worker: str | None = None) -> None:
    """Let another worker have `job` next round (this one's failed, or the worker stops)."""
    if not redis_url:
        return
    try:
        client_for(redis_url).eval(_GIVE_UP, 1, lease_key(job, database_url),
                                   worker or this_worker())  # fmt: skip
    except Exception as exc:  # it lapses by itself
        log.warning("Could not give up the lease of %s: %s", job, exc)
