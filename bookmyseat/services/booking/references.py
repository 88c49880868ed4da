"""Short, unguessable booking references a person can read out at the counter."""

from __future__ import annotations

import secrets

# Crockford-like alphabet without 0/O, 1/I/L and U: nothing to misread.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8  # 30**8 ≈ 6.6e11 possibilities


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_LENGTH))
