"""Who is where in a showtime's on-sale line, kept in Redis so every worker of every app server
sees one line. One Lua script does a visit whole (no two workers interleave inside it):

- an admission that lapsed unused is dropped (its holder lines up again, at the back);
- a newcomer joins once per account (reloads and ten tabs find the same place): before the sale
  opens with a random place among everyone early (a score drawn in [0, 1)), later at the back
  in order of arrival (scores 2, 3, …), so early arrivals stand in a fair shuffle ahead of all
  who came after the opening;
- the head of the line is let in at the capacity rate: a token bucket that fills at
  `per_minute / 60` a second from the opening and holds three seconds' worth. Anyone's visit
  moves the whole line, so a crowd asking every few seconds keeps it at the full rate, and the
  opening lets in a small wave rather than a stampede (bench/onsale.py --arrivals);
- the visitor's answer: let in (until when), or their number in line.

An admission lasts `admission_seconds` unused; a hold made with it may stretch it to the
hold's end, but never past the admission's first end plus one hold's time (`USE`), so a
customer who keeps holding cannot keep the turn without end.

Without Redis (one worker), the same script runs in this process on fakeredis.
"""

from __future__ import annotations

import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

import redis

from bookmyseat.services.redis_clients import client_for

KEY = "bms:queue:{{{showtime_id}}}:"  # "bms:queue:{7}:": one hash slot, should Redis be a cluster
BURST_SECONDS = 3  # the bucket holds this many seconds of admissions
KEEP_SECONDS = 2 * 24 * 3600  # a line's keys outlive a visit by this long

VISIT = """
local line, admitted, bucket, granted = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local user, now, opens_at = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local per_minute, admit_seconds = tonumber(ARGV[4]), tonumber(ARGV[5])
local admitting, join, early_score = ARGV[6] == '1', ARGV[7] == '1', ARGV[8]
local burst, keep = tonumber(ARGV[9]), tonumber(ARGV[10])

redis.call('ZREMRANGEBYSCORE', admitted, '-inf', now)
if user ~= '' and join and not redis.call('ZSCORE', admitted, user)
    and not redis.call('ZSCORE', line, user) then
  local score = early_score
  if now >= opens_at then score = 1 + redis.call('HINCRBY', bucket, 'arrivals', 1) end
  redis.call('ZADD', line, score, user)
end
if admitting and now >= opens_at then
  local tokens = tonumber(redis.call('HGET', bucket, 'tokens') or burst)
  local stamp = math.max(tonumber(redis.call('HGET', bucket, 'stamp') or now), opens_at)
  tokens = math.min(burst, tokens + math.max(0, now - stamp) * per_minute / 60)
  local room = math.floor(tokens)
  if room > 0 then
    local head = redis.call('ZPOPMIN', line, room)
    for i = 1, #head, 2 do
      redis.call('ZADD', admitted, now + admit_seconds, head[i])
      redis.call('ZADD', granted, now + admit_seconds, head[i])
    end
    tokens = tokens - math.floor(#head / 2)
    redis.call('HINCRBY', bucket, 'admitted', math.floor(#head / 2))
  end
  redis.call('HSET', bucket, 'tokens', tostring(tokens), 'stamp', tostring(now))
end
for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, keep) end
if user == '' then return {'none', 0, '0'} end
local until_ = redis.call('ZSCORE', admitted, user)
if until_ then return {'admitted', 0, until_} end
local rank = redis.call('ZRANK', line, user)
if not rank then return {'out', 0, '0'} end
return {'waiting', rank + 1, '0'}
"""

# A hold made with an admission: it lasts to the hold's end, but not past the admission's first
# end (`granted`, written when it was let in; an admission from before that record is taken
# to have been granted until now) plus `extra` seconds.
USE = """
local admitted, granted = KEYS[1], KEYS[2]
local user, now, wanted, extra = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local until_ = redis.call('ZSCORE', admitted, user)
if not until_ or tonumber(until_) <= now then return 0 end
local first = redis.call('ZSCORE', granted, user)
if not first then
  first = until_
  redis.call('ZADD', granted, first, user)
end
local longest = math.min(wanted, tonumber(first) + extra)
if longest > tonumber(until_) then
  redis.call('ZADD', admitted, string.format('%.17g', longest), user)
end
return 1
"""


@dataclass(frozen=True)
class Rules:
    """A line's settings as the script needs them (from services.onsale.queues)."""

    showtime_id: int
    opens_at: datetime
    per_minute: int
    admission_seconds: int
    admitting: bool  # False while staff have paused it
    zone: str = "UTC"  # the cinema's, for the times the page names
    # While the line runs: the seats of the show one account may have (held and paid), and
    # whether a turn ends at the account's first paid booking (services.booking.holds).
    seats_per_account: int = 10
    one_purchase: bool = True


@dataclass(frozen=True)
class Place:
    """Where a customer stands: `admitted` (until `admitted_until`, epoch seconds), `waiting`
    at `position` (1 is next), or `out` (not in line: not joined, or signed out)."""

    status: str
    position: int = 0
    admitted_until: float = 0.0

    @property
    def admitted(self) -> bool:
        return self.status == "admitted"


class Line:
    """The on-sale lines in one Redis (or, with no URL, in this process)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._visit = client.register_script(VISIT)
        self._use = client.register_script(USE)

    def keys(self, showtime_id: int) -> list[str]:
        prefix = KEY.format(showtime_id=showtime_id)
        return [prefix + "line", prefix + "admitted", prefix + "bucket", prefix + "granted"]

    def visit(self, rules: Rules, user_id: int | None, now: float, *, join: bool = True) -> Place:
        """Join (once) and move the line along; where `user_id` stands now. `now` is epoch
        seconds (every server's clock is the same clock: NTP)."""
        burst = max(1.0, rules.per_minute * BURST_SECONDS / 60)
        status, position, until = self._visit(
            keys=self.keys(rules.showtime_id),
            args=[
                str(user_id or ""), repr(now), repr(rules.opens_at.timestamp()),
                rules.per_minute, rules.admission_seconds, int(rules.admitting), int(join),
                repr(secrets.SystemRandom().random()), repr(burst), KEEP_SECONDS,
            ],
        )  # fmt: skip
        return Place(_text(status), int(position), float(until))

    def admitted(self, showtime_id: int, user_id: int, now: float) -> bool:
        """Whether `user_id` is let in now (reads only)."""
        until = self.client.zscore(self.keys(showtime_id)[1], str(user_id))
        return until is not None and float(until) > now

    def use(self, showtime_id: int, user_id: int, now: float, until: float, extra: float) -> bool:
        """Whether `user_id` is let in now; if so, their admission lasts to `until` (a hold
        made with it outlives the admission's own time), but never past its first end plus
        `extra` seconds (one hold's time)."""
        _, admitted, _, granted = self.keys(showtime_id)
        args = [str(user_id), repr(now), repr(until), repr(float(extra))]
        return bool(self._use(keys=[admitted, granted], args=args))

    def figures(self, showtime_id: int, now: float) -> tuple[int, int]:
        """(waiting, let in and not lapsed) of a line."""
        return self.figures_of([showtime_id], now)[showtime_id]

    def figures_of(self, showtime_ids: list[int], now: float) -> dict[int, tuple[int, int]]:
        """`figures` of several lines in one round trip (the admin page, /metrics)."""
        with self.client.pipeline(transaction=False) as pipe:
            for showtime_id in showtime_ids:
                line, admitted, *_ = self.keys(showtime_id)
                pipe.zcard(line)
                pipe.zcount(admitted, f"({now!r}", "+inf")
            counts = [int(n) for n in pipe.execute()] if showtime_ids else []
        return {s: (counts[2 * i], counts[2 * i + 1]) for i, s in enumerate(showtime_ids)}

    def forget(self, showtime_id: int) -> None:
        """A line ended: nobody waits in it any longer."""
        self.client.delete(*self.keys(showtime_id))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def minutes_to_wait(position: int, per_minute: int) -> int:
    """About how long number `position` waits at the capacity rate, in whole minutes (≥ 1)."""
    return max(1, math.ceil(position / max(1, per_minute)))


_lines: dict[str, Line] = {}
_lines_lock = threading.Lock()


def line_for(redis_url: str) -> Line:
    """The shared line store of `redis_url` (one client a process), or this process's own."""
    with _lines_lock:
        found = _lines.get(redis_url)
        if found is None:
            if redis_url:
                client = client_for(redis_url, timeout_seconds=2.0)
            else:
                import fakeredis

                client = fakeredis.FakeRedis()
            found = _lines[redis_url] = Line(client)
        return found
