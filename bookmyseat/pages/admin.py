"""`/admin` pages: dashboard, bookings, email outbox, door scanner, audit log (layout only)."""

from __future__ import annotations

import plotly.graph_objects as go
import reflex as rx

from bookmyseat.components.cancel_confirmation import cancel_confirmation
from bookmyseat.components.layout import page
from bookmyseat.state.admin import (
    RANGES,
    AdminBookingsState,
    AdminState,
    BookingLine,
    DashboardState,
)
from bookmyseat.state.admin_tools import AuditLine, AuditState, OutboxLine, OutboxState, ScanState

SECTIONS = [  # the admin area's own menu
    ("Dashboard", "/admin"),
    ("Catalog", "/admin/catalog"),
    ("Schedule a week", "/admin/schedule"),
    ("Prices", "/admin/prices"),
    ("Promo codes", "/admin/promos"),
    ("Bookings", "/admin/bookings"),
    ("Waiting lists", "/admin/waitlist"),
    ("On-sale lines", "/admin/onsale"),
    ("Email outbox", "/admin/outbox"),
    ("Door scanner", "/admin/scan"),
    ("Audit log", "/admin/audit"),
]


def admin_shell(title: str, *content: rx.Component) -> rx.Component:
    """The admin menu and page; nothing of it shows until the server has let the account in."""
    return page(
        rx.cond(
            AdminState.is_staff,
            rx.vstack(
                rx.hstack(
                    *[rx.link(name, href=href, size="2") for name, href in SECTIONS],
                    rx.cond(
                        ~AdminState.is_admin,
                        rx.badge("Auditor: read only", color_scheme="amber"),
                    ),
                    wrap="wrap",
                    spacing="4",
                ),
                rx.heading(title, size="7", as_="h1"),
                *content,
                spacing="4",
                padding_y="1.5em",
                width="100%",
            ),
            rx.text("Checking your access…", padding_y="2em", role="status"),
        ),
        size="4",
    )


def kpi_card(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.text(item[0], size="2", color_scheme="gray"),
        rx.text(item[1], size="6", weight="bold"),
        data_testid="kpi",
        min_width="10em",
    )


def dashboard_page() -> rx.Component:
    filters = rx.hstack(
        rx.select(
            list(RANGES),
            value=DashboardState.range_name,
            on_change=DashboardState.set_range,
            custom_attrs={"aria-label": "Date range"},
        ),
        rx.cond(
            DashboardState.range_name == "Custom",
            rx.form(
                rx.hstack(
                    rx.input(type="date", name="from", aria_label="From"),
                    rx.input(type="date", name="to", aria_label="To"),
                    rx.button("Show", type="submit"),
                ),
                on_submit=DashboardState.set_custom,
            ),
        ),
        rx.select(
            DashboardState.cinemas,
            value=DashboardState.cinema,
            on_change=DashboardState.set_cinema,
            custom_attrs={"aria-label": "Cinema"},
        ),
        rx.button("Export bookings (CSV)", variant="soft", on_click=DashboardState.export_csv),
        rx.cond(DashboardState.loading, rx.spinner()),
        rx.text(DashboardState.clock, size="2", color_scheme="gray", data_testid="clock"),
        wrap="wrap",
        align="center",
    )
    charts = rx.grid(
        *[
            rx.card(
                rx.plotly(data=figure.to(go.Figure), use_resize_handler=True), data_testid="chart"
            )
            for figure in (
                DashboardState.revenue,
                DashboardState.movies,
                DashboardState.occupancy,
                DashboardState.heatmap,
                DashboardState.mix,
            )
        ],
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )
    activity = rx.card(
        rx.hstack(
            rx.heading("Recent activity", size="4"),
            rx.spacer(),
            rx.button(
                "Newer",
                size="1",
                variant="soft",
                disabled=DashboardState.activity_page == 0,
                on_click=DashboardState.load_activity(-1),
            ),
            rx.button(
                "Older",
                size="1",
                variant="soft",
                disabled=~DashboardState.activity_more,
                on_click=DashboardState.load_activity(1),
            ),
            width="100%",
        ),
        table_of(
            ["When", "What", "Booking", "Amount"],
            rx.foreach(
                DashboardState.activity,
                lambda a: rx.table.row(
                    rx.table.cell(a.at),
                    rx.table.cell(a.what),
                    rx.table.cell(a.reference),
                    rx.table.cell(a.amount),
                    data_testid="activity",
                ),
            ),
        ),
        width="100%",
    )
    return admin_shell(
        "Dashboard",
        filters,
        rx.flex(rx.foreach(DashboardState.kpis, kpi_card), wrap="wrap", gap="3"),
        charts,
        activity,
    )


def booking_row(row: BookingLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(row.reference, on_click=AdminBookingsState.view(row.reference), href="#")
        ),
        rx.table.cell(row.status),
        rx.table.cell(row.customer),
        rx.table.cell(row.movie),
        rx.table.cell(row.when),
        rx.table.cell(row.seats),
        rx.table.cell(row.total),
        rx.table.cell(
            rx.cond(
                AdminState.is_admin & (row.status == "paid"),
                rx.hstack(
                    rx.button(
                        "Cancel and refund",
                        size="1",
                        color_scheme="red",
                        variant="soft",
                        loading=AdminBookingsState.working == row.reference,
                        on_click=AdminBookingsState.ask_cancel(row.reference),
                    ),
                    rx.button(
                        "Resend ticket",
                        size="1",
                        variant="soft",
                        on_click=AdminBookingsState.resend(row.reference),
                    ),
                ),
            )
        ),
        data_testid="admin-booking",
    )


def table_of(headers: list[str], body: rx.Component) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(body),
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


def booking_dialog() -> rx.Component:
    detail = AdminBookingsState.detail

    def part(title: str, key: str) -> rx.Component:
        return rx.vstack(
            rx.text(title, weight="bold", size="2"),
            rx.foreach(detail[key], lambda line: rx.text(line, size="2")),
            spacing="1",
        )

    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Booking " + AdminBookingsState.viewing),
            rx.vstack(
                part("Status", "summary"),
                part("Seats", "seats"),
                part("Payments", "payments"),
                part("Emails", "emails"),
                rx.dialog.close(rx.button("Close", variant="soft")),
                data_testid="booking-detail",
            ),
        ),
        open=AdminBookingsState.viewing != "",
        on_open_change=AdminBookingsState.close_view,
    )


def bookings_page() -> rx.Component:
    return admin_shell(
        "Bookings",
        rx.form(
            rx.hstack(
                rx.input(
                    name="query",
                    placeholder="Reference, email or username",
                    aria_label="Find bookings",
                    width="20em",
                ),
                rx.button("Find", type="submit"),
            ),
            on_submit=AdminBookingsState.search,
        ),
        table_of(
            ["Reference", "Status", "Customer", "Movie", "When", "Seats", "Total", "Actions"],
            rx.foreach(AdminBookingsState.rows, booking_row),
        ),
        booking_dialog(),
        cancel_confirmation(AdminBookingsState, "Keep it", "Yes, cancel and refund"),
    )


def outbox_row(row: OutboxLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.reference),
        rx.table.cell(row.kind),
        rx.table.cell(row.to_address),
        rx.table.cell(row.status),
        rx.table.cell(row.attempts),
        rx.table.cell(row.last_error),
        rx.table.cell(
            rx.cond(
                AdminState.is_admin & (row.status == "failed"),
                rx.button("Retry", size="1", on_click=OutboxState.retry(row.id)),
            )
        ),
    )


def outbox_page() -> rx.Component:
    return admin_shell(
        "Email outbox",
        rx.select(
            ["all", "pending", "sending", "retry", "sent", "failed"],
            value=OutboxState.status_filter,
            on_change=OutboxState.load,
            custom_attrs={"aria-label": "Show emails that are"},
        ),
        table_of(
            ["Booking", "Kind", "To", "Status", "Attempts", "Last error", "Actions"],
            rx.foreach(OutboxState.rows, outbox_row),
        ),
    )


def scan_page() -> rx.Component:
    colour = rx.match(
        ScanState.verdict,
        ("valid", "green"),
        ("already_used", "amber"),
        ("undone", "blue"),
        "red",
    )
    return admin_shell(
        "Door scanner",
        rx.hstack(
            rx.text("Scanning at", as_="label", html_for="scanner-door", weight="medium"),
            rx.select(
                ScanState.door_names,
                value=ScanState.door,
                on_change=ScanState.choose_door,
                placeholder="Choose this door",
                id="scanner-door",
                custom_attrs={"aria-label": "Door"},
            ),
            align="center",
            wrap="wrap",
        ),
        rx.form(
            rx.vstack(
                rx.input(
                    name="code",
                    id="ticket-code",
                    placeholder="BMS1-… (type it, or use a barcode scanner)",
                    aria_label="Ticket code",
                    auto_focus=True,
                    width="100%",
                ),
                rx.button(
                    "Check ticket",
                    type="submit",
                    loading=ScanState.scanning,
                    disabled=ScanState.door == "",
                ),
                width="100%",
                max_width="32em",
            ),
            on_submit=ScanState.scan,
            reset_on_submit=True,
        ),
        rx.hstack(
            rx.button(
                "Scan with the camera",
                variant="soft",
                type="button",
                on_click=rx.call_script("window.bmsScanWithCamera()"),
            ),
            rx.text(id="camera-status", size="2", role="status", data_testid="camera-status"),
            align="center",
            wrap="wrap",
        ),
        rx.el.video(id="scan-video", hidden=True, muted=True, plays_inline=True, width="320"),
        rx.cond(
            ScanState.verdict != "",
            rx.callout(
                rx.vstack(
                    rx.text(ScanState.message, weight="bold", size="6"),
                    rx.text(ScanState.show, weight="medium", data_testid="scan-show"),
                    rx.text(ScanState.detail),
                    rx.cond(
                        (ScanState.verdict == "valid") | (ScanState.verdict == "already_used"),
                        rx.button(
                            "Undo check-in",
                            variant="outline",
                            size="1",
                            type="button",
                            on_click=ScanState.undo,
                        ),
                    ),
                    spacing="1",
                ),
                color_scheme=colour,
                size="3",
                data_testid="scan-verdict",
                role="status",
            ),
        ),
    )


def audit_row(row: AuditLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.at),
        rx.table.cell(row.actor),
        rx.table.cell(row.action),
        rx.table.cell(row.entity),
        rx.table.cell(row.before),
        rx.table.cell(row.after),
        rx.table.cell(row.detail),
    )


def audit_page() -> rx.Component:
    return admin_shell(
        "Audit log",
        rx.hstack(
            rx.select(
                [
                    "all",
                    "access_refused",
                    "booking_cancelled",
                    "ticket_resent",
                    "email_retried",
                    "ticket_checked_in",
                ],
                default_value="all",
                on_change=AuditState.filter,
                custom_attrs={"aria-label": "Action"},
            ),
            rx.text(AuditState.total.to_string() + " entries", size="2"),
            rx.button("Newer", size="1", variant="soft", on_click=AuditState.turn(-1)),
            rx.text(
                "Page ",
                (AuditState.page + 1).to_string(),
                " of ",
                AuditState.pages.to_string(),
                size="2",
            ),
            rx.button("Older", size="1", variant="soft", on_click=AuditState.turn(1)),
            align="center",
            wrap="wrap",
        ),
        table_of(
            ["When", "Who", "What", "On", "Before", "After", "Detail"],
            rx.foreach(AuditState.rows, audit_row),
        ),
    )
