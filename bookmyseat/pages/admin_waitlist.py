"""`/admin/waitlist`: each show's waiting list, with a Remove action (layout only)."""

from __future__ import annotations

import reflex as rx

from bookmyseat.pages.admin import admin_shell, table_of
from bookmyseat.state.admin_waitlist import AdminWaitlistState, WaitlistLine, WaitlistShow


def waitlist_line(line: WaitlistLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(line.position),
        rx.table.cell(line.customer),
        rx.table.cell(line.email),
        rx.table.cell(line.seats),
        rx.table.cell(line.status),
        rx.table.cell(line.joined),
        rx.table.cell(line.offer),
        rx.table.cell(
            rx.cond(
                line.removable,
                rx.button(
                    "Remove",
                    size="1",
                    color_scheme="red",
                    variant="soft",
                    disabled=~AdminWaitlistState.is_admin,
                    on_click=AdminWaitlistState.remove(line.id),
                    aria_label="Remove " + line.customer + " from the waiting list",
                ),
            )
        ),
        data_testid="waitlist-row",
    )


def waitlist_show(show: WaitlistShow) -> rx.Component:
    return rx.vstack(
        rx.heading(show.title, size="4", as_="h2"),
        table_of(
            ["In line", "Customer", "Email", "Seats", "Status", "Joined", "Offer", "Action"],
            rx.foreach(show.lines, waitlist_line),
        ),
        width="100%",
        spacing="2",
    )


def waitlist_page() -> rx.Component:
    return admin_shell(
        "Waiting lists",
        rx.text(
            "Customers waiting for seats of sold-out shows, first in line first. Freed seats are "
            "held for the first in line and emailed to them; then the next.",
            size="2",
        ),
        rx.cond(
            AdminWaitlistState.shows.length() == 0,
            rx.text("Nobody is waiting for a show to come.", size="2", color_scheme="gray"),
        ),
        rx.foreach(AdminWaitlistState.shows, waitlist_show),
    )
