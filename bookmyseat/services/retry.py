"""How long to wait before trying again: the one backoff rule the outbox and refunds share.

Exponential (first, 2 × first, 4 × first …, at most `longest`) with ±20% jitter, so workers that
failed together do not all come back at the same second.
"""

from __future__ import annotations

import random
from datetime import timedelta


def backoff(
    attempts: int, *, first: timedelta, longest: timedelta, rng: random.Random | None = None
) -> timedelta:
    """The wait after the `attempts`-th failed try (1 for the first)."""
    base = min(first * 2 ** max(0, attempts - 1), longest)
    return base * (rng or random).uniform(0.8, 1.2)
