"""Short, unguessable booking references a person can read out at the counter."""

from __future__ import annotations

import secrets

# Crockford-like alphabet without 0/O, 1/I/L and U: nothing to misread.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8  # 30**8 ≈ 6.6e11 possibilities


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_LENGTH))


# Longer than any reference: what a client sends past it names no booking, and is cut (or
# refused) before it reaches a query, an audit line or a message.
LONGEST_CLIENT_REFERENCE = 32


def client_reference(text: object) -> str:
    """A booking reference as a client sent it (an event's argument), as text no longer than
    any reference can be; whether it names a booking is the lookup's to say."""
    return str(text)[:LONGEST_CLIENT_REFERENCE]
