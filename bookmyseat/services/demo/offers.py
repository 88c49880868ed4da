"""The demo's promo codes and screen price templates, so a fresh `make run` shows both: made
once, left alone afterwards (staff may change them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bookmyseat.models import PromoCode, Screen, ScreenPriceRule

DEMO_CODES = [
    {"code": "WELCOME10", "description": "10% off for new customers", "percent_off": 10,
     "max_uses": 500, "first_booking_only": True},
    {"code": "RECLINER100", "description": "₹100 off Recliner seats", "amount_off_paise": 10000,
     "category": "Recliner", "max_uses": 50},
]  # fmt: skip


def _template(prices: dict[str, int]) -> list[tuple[str, str, dict[str, int]]]:
    """Weekday mornings at the base prices, weekends a fifth more, evenings a tenth more."""

    def scaled(factor: float) -> dict[str, int]:
        return {c: int(p * factor) // 1000 * 1000 for c, p in prices.items()}

    return [
        ("every", "09:00", prices),
        ("weekends", "09:00", scaled(1.2)),
        ("every", "18:00", scaled(1.1)),
        ("weekends", "18:00", scaled(1.3)),
    ]


def load_demo_offers(session: Session, prices: dict[str, int]) -> None:
    for terms in DEMO_CODES:
        exists = session.execute(select(PromoCode.id).where(PromoCode.code == terms["code"]))
        if exists.first() is None:
            session.add(PromoCode(**terms))
    priced = set(session.execute(select(ScreenPriceRule.screen_id).distinct()).scalars())
    for screen_id in session.execute(select(Screen.id)).scalars():
        if screen_id in priced:
            continue
        for days, start, by_category in _template(prices):
            session.add_all(
                ScreenPriceRule(screen_id=screen_id, days=days, from_time=start, category=c,
                                price_paise=p)
                for c, p in by_category.items()
            )  # fmt: skip
