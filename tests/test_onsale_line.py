"""The on-sale line's Redis script (services.onsale.line), driven with a clock of the test's:
early arrivals are shuffled, later ones keep their order, one account holds one place however
often it asks, the head is let in at the capacity rate and nobody starves, a pause lets nobody
in, an unused admission lapses to the back, and two app servers (two clients of one Redis) see
one line even when they join at once."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import fakeredis
import pytest
import redis

from bookmyseat.services.onsale.line import BURST_SECONDS, Line, Rules, minutes_to_wait
from tests.databases import require_redis

OPENS = 1_900_000_000.0  # the sale's opening, epoch seconds


def rules(showtime_id: int = 7, *, per_minute: int = 60, admitting: bool = True) -> Rules:
    return Rules(showtime_id, datetime.fromtimestamp(OPENS, UTC), per_minute, 600, admitting)


@pytest.fixture
def line() -> Line:
    return Line(fakeredis.FakeRedis())


def positions(line: Line, rules: Rules, users, at: float) -> dict[int, int]:
    return {u: line.visit(rules, u, at).position for u in users}


def test_early_arrivals_are_shuffled_and_later_ones_keep_their_order(line: Line) -> None:
    paused = rules(admitting=False)  # nobody is let in: the order is all there is to see
    early, late = range(1, 41), range(100, 110)
    for user in early:
        line.visit(paused, user, OPENS - 60 + user)
    for n, user in enumerate(late):
        line.visit(paused, user, OPENS + n)
    places = positions(line, paused, [*early, *late], OPENS + 30)
    assert sorted(places[u] for u in early) == list(range(1, 41))  # each a place of their own
    assert [places[u] for u in late] == list(range(41, 51))  # behind them all, in order
    assert [u for u, _ in sorted(places.items(), key=lambda kv: kv[1])][:40] != list(early)


def test_the_shuffle_differs_from_one_line_to_the_next(line: Line) -> None:
    orders = set()
    for showtime in range(5):
        r = rules(showtime + 1, admitting=False)
        for user in range(1, 11):
            line.visit(r, user, OPENS - 10)
        places = positions(line, r, range(1, 11), OPENS + 1)
        orders.add(tuple(sorted(places, key=places.get)))
    assert len(orders) > 1


def test_one_account_has_one_place_however_many_tabs_and_reloads(line: Line) -> None:
    r = rules(admitting=False)
    for user in (1, 2, 3):
        line.visit(r, user, OPENS + user)
    assert {line.visit(r, 2, OPENS + 10 + tab).position for tab in range(10)} == {2}
    assert line.figures(7, OPENS + 30) == (3, 0)


def test_the_head_is_let_in_at_the_capacity_rate_and_nobody_starves(line: Line) -> None:
    """A model of the bucket: by second t at most burst + rate·t are in, and (with polls every
    second) at least that many minus one; in line order; all of them in the end."""
    per_minute, crowd = 120, 300
    r = rules(per_minute=per_minute)
    for user in range(1, crowd + 1):
        line.visit(r, user, OPENS - 1)  # all early: shuffled
    order = sorted(range(1, crowd + 1), key=lambda u: line.visit(r, u, OPENS - 1).position)
    burst = per_minute * BURST_SECONDS / 60
    admitted_at: dict[int, int] = {}
    for second in range(0, 200):
        now = OPENS + second
        line.visit(r, None, now)  # someone polls
        waiting, _ = line.figures(7, now)
        let_in = crowd - waiting
        expected = min(crowd, int(burst + per_minute / 60 * second))
        assert expected - 1 <= let_in <= expected
        for user in order[:let_in]:
            admitted_at.setdefault(user, second)
    assert len(admitted_at) == crowd  # nobody starves
    times = [admitted_at[u] for u in order]
    assert times == sorted(times)  # first in line, first in
    assert max(times) <= (crowd - burst) / (per_minute / 60) + 1


def test_an_empty_line_lets_a_newcomer_in_at_once(line: Line) -> None:
    place = line.visit(rules(), 5, OPENS + 100)
    assert place.admitted and place.admitted_until == OPENS + 100 + 600


def test_nobody_is_let_in_before_the_sale_opens_or_while_paused(line: Line) -> None:
    assert line.visit(rules(), 1, OPENS - 5).status == "waiting"
    paused = rules(admitting=False)
    for second in range(100):
        assert line.visit(paused, 1, OPENS + second).status == "waiting"
    assert line.visit(rules(), 1, OPENS + 101).admitted  # opened again: in


def test_an_unused_admission_lapses_and_its_holder_goes_to_the_back(line: Line) -> None:
    r = rules(per_minute=1)  # a burst of one: the first is in, the others wait
    assert line.visit(r, 1, OPENS).admitted
    line.visit(r, 2, OPENS + 1)
    line.visit(r, 3, OPENS + 2)
    assert line.use(7, 1, OPENS + 599, OPENS + 599 + 600, 600) is True  # used: lasts on
    assert line.visit(r, 1, OPENS + 1000).admitted
    assert line.use(7, 1, OPENS + 1200, 0, 600) is False  # lapsed at OPENS + 1199
    # At +1000 the line let 2 in; 3 still waits. 1 comes back after the lapse: behind 3.
    later = OPENS + 1300
    back = line.visit(rules(per_minute=1, admitting=False), 1, later)
    assert (back.status, back.position) == ("waiting", 2)
    assert line.use(7, 1, later, later + 10, 600) is False
    assert line.use(7, 99, later, later + 10, 600) is False  # never let in


def test_holds_stretch_an_admission_once_by_a_holds_time_not_without_end(line: Line) -> None:
    """Probe finding 4: each hold used to stretch the admission to its own end, so a customer
    who kept holding kept the turn for ever. Now the holds may stretch it to the admission's
    first end (OPENS + 600) plus one hold's time (600 s), however many there are."""
    assert line.visit(rules(per_minute=1), 1, OPENS).admitted_until == OPENS + 600
    assert line.use(7, 1, OPENS + 500, OPENS + 1100, 600)  # a hold: to its end
    assert line.visit(rules(per_minute=1), 1, OPENS + 1000).admitted_until == OPENS + 1100
    assert line.use(7, 1, OPENS + 1050, OPENS + 1650, 600)  # another: only to the bound
    assert line.visit(rules(per_minute=1), 1, OPENS + 1100).admitted_until == OPENS + 1200
    assert line.use(7, 1, OPENS + 1199, OPENS + 1799, 600)
    assert not line.admitted(7, 1, OPENS + 1200)  # the turn ended
    assert not line.use(7, 1, OPENS + 1200, OPENS + 1800, 600)
    # Let in again later (at the back, in its turn; here nobody else waits): a new admission,
    # a new bound.
    assert line.visit(rules(per_minute=1), 1, OPENS + 1300).admitted_until == OPENS + 1900
    assert line.use(7, 1, OPENS + 1310, OPENS + 1910, 600)
    assert line.visit(rules(per_minute=1), 1, OPENS + 1320).admitted_until == OPENS + 1910


def test_an_admission_from_before_the_bound_was_recorded_is_bounded_from_now(line: Line) -> None:
    """A turn given by the previous version of the script has no first end recorded: its
    current end stands for it, so it too stretches by one hold's time at most."""
    line.client.zadd(line.keys(7)[1], {"5": OPENS + 600})  # admitted, nothing else recorded
    assert line.use(7, 5, OPENS + 100, OPENS + 5000, 600)
    assert line.use(7, 5, OPENS + 200, OPENS + 5000, 600)
    assert line.client.zscore(line.keys(7)[1], "5") == OPENS + 1200


def test_the_words_for_the_wait() -> None:
    assert [minutes_to_wait(p, 120) for p in (1, 120, 121, 143)] == [1, 1, 2, 2]


def test_two_servers_see_one_line_and_join_at_once_without_sharing_a_place() -> None:
    url = require_redis()
    showtime = 10**9 + uuid.uuid4().int % 10**8  # keys no other test touches
    servers = [Line(redis.Redis.from_url(url)) for _ in range(2)]
    r = rules(showtime, admitting=False)
    gate, places = threading.Barrier(40), {}

    def arrive(user: int) -> None:
        gate.wait()
        places[user] = servers[user % 2].visit(r, user, OPENS + 1).position

    threads = [threading.Thread(target=arrive, args=(u,)) for u in range(1, 41)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(places.values()) == list(range(1, 41))
        assert servers[0].visit(r, 7, OPENS + 2).position == places[7]  # the other server's
        assert servers[1].figures(showtime, OPENS + 2) == (40, 0)
        opened = rules(showtime, per_minute=6)  # a burst of one
        assert servers[0].visit(opened, None, OPENS + 3).status == "none"
        head = min(places, key=places.get)
        assert servers[1].visit(opened, head, OPENS + 3).admitted
    finally:
        servers[0].forget(showtime)
    assert servers[1].figures(showtime, OPENS) == (0, 0)
