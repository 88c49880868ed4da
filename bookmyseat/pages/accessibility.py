"""`/accessibility`: what the site does for people who use it differently, and what it does not
do yet (a cinema must be able to say both)."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.layout import page

WORKS = [
    "Every page can be used with a keyboard. On the seat map one seat is in the tab order; "
    "the arrow keys move between seats (along the row, and to the nearest seat in front or "
    "behind), Home and End go to the ends of the row, and Enter or Space chooses a seat.",
    "Each seat says what it is to a screen reader: its row, number, category, price, whether "
    "it is a wheelchair space, and whether it is free, held, sold or chosen. A seat someone "
    "else takes while you choose is announced.",
    "Best available finds seats side by side for you, with a wheelchair space when you ask.",
    "Pages have a banner, a main area and a footer for quick navigation, and a light and a "
    "dark theme.",
    "On a phone the whole seat map shows first; tap a part of it to magnify it to seats large "
    "enough to pick, and the bar with your choice never covers a seat.",
    "If a choice would leave a single seat on its own, the map names that seat (and a screen "
    "reader hears it) before you go on.",
    "Your ticket's QR code is on the booking page with a text alternative, and the ticket "
    "comes as a PDF and a calendar entry too.",
    "Every page, customer and staff, in the light and the dark theme, is checked by automated "
    "tests (axe-core) against WCAG 2.1 A and AA and common best practices, with no failure.",
]
NOT_YET = [
    "Automated checks find only part of the problems people meet; the site has not yet been "
    "tried with screen readers by the people who use them every day.",
    "The charts in the staff dashboard are pictures without a table of their figures beside "
    "them; the same figures are in the CSV export.",
]


def accessibility_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Accessibility", size="7", as_="h1"),
            rx.text(
                "We want everyone to be able to choose and book seats on BookMySeat, whatever "
                "device or assistive technology they use. We aim to meet WCAG 2.1 level AA."
            ),
            rx.heading("What works", size="4", as_="h2"),
            rx.unordered_list(*[rx.list_item(item) for item in WORKS]),
            rx.heading("What does not work well yet", size="4", as_="h2"),
            rx.unordered_list(*[rx.list_item(item) for item in NOT_YET]),
            rx.heading("Tell us", size="4", as_="h2"),
            rx.text(
                "If something on the site gets in your way, tell the cinema's box office or "
                "write to the address on your ticket email: we will help you book and fix it."
            ),
            spacing="3",
            padding_y="2em",
            max_width="44em",
        )
    )
