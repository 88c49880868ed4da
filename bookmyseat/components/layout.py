"""The frame every customer and staff page shares: the top bar (the banner landmark), the page in
a container (the main landmark, so a screen reader can jump to it), and the footer."""

from __future__ import annotations

import reflex as rx

from bookmyseat.components.navbar import navbar


def page(*content: rx.Component, size: str = "4", **props: object) -> rx.Component:
    """A page: the top bar and `content` in a container of `size`; `props` (on_mount, ...) go to
    the page's outer box."""
    return rx.box(
        rx.el.header(navbar()),
        rx.el.main(rx.container(*content, size=size)),
        footer(),
        **props,
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.link("Accessibility", href="/accessibility", size="2"),
        padding="1.5em 1em",
        text_align="center",
    )


def not_found(title: str, link_text: str = "Back home", href: str = "/") -> rx.Component:
    """What a page shows when what its address names does not exist (or is not yours)."""
    return rx.vstack(
        rx.heading(title, size="6", as_="h1"), rx.link(link_text, href=href), padding_y="2em"
    )


def found_or_not(found: rx.Var, body: rx.Component, title: str, **link: str) -> rx.Component:
    """`body` when `found`, else the not-found message `title`."""
    return rx.cond(found, body, not_found(title, **link))
