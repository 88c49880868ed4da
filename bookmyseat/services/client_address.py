"""What the per-address limits count by (holds, promo code tries): one key a client network.

An IPv4 address is one key as it is. An IPv6 client is keyed by its /64, one subscriber's
network: a single client has billions of addresses in it and could take a new one for each
request. Anything else the server names a peer by ("unknown", a test client) is kept as given.
"""

from __future__ import annotations

import ipaddress

MAX_KEY_LENGTH = 64  # booking.client_address


def address_key(address: str | None) -> str | None:
    """The key of a client address (as the edge resolved it), or None for no address."""
    text = (address or "").strip()
    if not text:
        return None
    try:
        parsed = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return text[:MAX_KEY_LENGTH]
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)
