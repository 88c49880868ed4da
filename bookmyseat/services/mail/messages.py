"""The emails the site sends, built from the database: a booking's e-ticket, cancellation and
late-payment refund, and an account's password-reset link, address-confirmation link, and the
notice that someone tried to sign up with its address.

Each is multipart: plain text and HTML with inline styles (no remote images: the QR code travels
inside the message), plus the calendar entry for tickets. The Message-ID depends only on the
booking (or reset) and the message kind, so a retried send is recognisably the same message.
"""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formataddr

from sqlalchemy.orm import Session

from bookmyseat.models import (
    Booking,
    EmailOutbox,
    PasswordReset,
    User,
)
from bookmyseat.services.accounts import email_verification
from bookmyseat.services.accounts.password_reset import EMAIL_KIND, RESET_LIFETIME, reset_link
from bookmyseat.services.catalog.local_time import local_text
from bookmyseat.services.money import format_money
from bookmyseat.services.offers.waitlist import EMAIL_KIND as WAITLIST_OFFER
from bookmyseat.services.offers.waitlist import OFFER_MINUTES
from bookmyseat.services.tickets.calendar import calendar_entry, ics_bytes
from bookmyseat.services.tickets.codes import qr_png, ticket_code
from bookmyseat.services.tickets.details import TicketDetails, ticket_details
from bookmyseat.settings import Settings


def message_id(kind: str, reference: str, settings: Settings) -> str:
    domain = settings.sender_address.rpartition("@")[2] or "bookmyseat.local"
    return f"<{kind}.{reference}@{domain}>"


def _seat_lines(details: TicketDetails) -> list[str]:
    return [
        f"{label} ({category}) {format_money(price, details.currency)}"
        for label, category, price in details.seats
    ]


def _html_page(title: str, body: str) -> str:
    return (
        '<!doctype html><html><body style="margin:0;padding:0;background:#f4f4f5;">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        'style="background:#f4f4f5;padding:24px 0;"><tr><td align="center">'
        '<table role="presentation" width="560" cellpadding="0" cellspacing="0" '
        'style="background:#ffffff;border-radius:8px;font-family:Arial,Helvetica,sans-serif;'
        'color:#18181b;padding:24px;">'
        f'<tr><td><h1 style="font-size:22px;margin:0 0 16px;color:#be123c;">{html.escape(title)}'
        f"</h1>{body}</td></tr></table></td></tr></table></body></html>"
    )


def _details_rows(details: TicketDetails, seats: bool = True) -> str:
    rows = [
        ("Movie", f"{details.movie} ({details.certificate})"),
        ("Cinema", f"{details.cinema}, {details.screen}"),
        ("When", details.local_start),
    ]
    if seats:
        rows.append(("Seats", ", ".join(_seat_lines(details))))
    rows += [
        ("Amount", details.amount_text),
        ("Booking", details.reference),
    ]
    cells = "".join(
        f'<tr><td style="padding:4px 12px 4px 0;color:#71717a;vertical-align:top;">{name}</td>'
        f'<td style="padding:4px 0;font-weight:bold;">{html.escape(value)}</td></tr>'
        for name, value in rows
    )
    return f'<table role="presentation" cellpadding="0" cellspacing="0">{cells}</table>'


def _base(kind: str, subject: str, to: str, reference: str, settings: Settings):
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = formataddr((settings.mail_from_name, settings.sender_address))
    msg["To"] = to
    msg["Message-ID"] = message_id(kind, reference, settings)
    return msg


def ticket_message(kind: str, to: str, details: TicketDetails, settings: Settings) -> EmailMessage:
    """The e-ticket: details, seats, amount, the QR code and its code in words, and a .ics."""
    code = ticket_code(details.reference, settings.secret_key)
    link = f"{settings.public_url}/bookings/{details.reference}"
    msg = _base(
        kind,
        f"Your tickets: {details.movie}, {details.local_start}",
        to,
        details.reference,
        settings,
    )
    text = "\n".join(
        [
            "Your booking is confirmed.",
            "",
            f"Movie:   {details.movie} ({details.certificate})",
            f"Cinema:  {details.cinema}, {details.screen}",
            f"Address: {details.address}",
            f"When:    {details.local_start}",
            "Seats:   " + ", ".join(_seat_lines(details)),
            f"Amount:  {details.amount_text}",
            f"Booking: {details.reference}",
            "",
            f"Ticket code (show it at the door): {code}",
            f"Your booking online: {link}",
        ]
    )
    msg.set_content(text)
    body = (
        '<p style="margin:0 0 16px;">Your booking is confirmed. Show this code at the door.</p>'
        + _details_rows(details)
        + '<p style="margin:20px 0 4px;text-align:center;">'
        '<img src="cid:ticket-qr" alt="Ticket QR code" width="198" height="198" '
        'style="display:inline-block;"></p>'
        f'<p style="margin:0 0 16px;text-align:center;font-family:monospace;">{code}</p>'
        f'<p style="margin:0;"><a href="{html.escape(link)}" style="color:#be123c;">'
        "See your booking online</a></p>"
    )
    msg.add_alternative(_html_page("Your tickets", body), subtype="html")
    msg.get_payload()[1].add_related(
        qr_png(code), maintype="image", subtype="png", cid="<ticket-qr>", filename="ticket-qr.png"
    )
    msg.add_attachment(
        ics_bytes(calendar_entry(details)),
        maintype="text",
        subtype="calendar",
        filename=f"bookmyseat-{details.reference}.ics",
    )
    return msg


def notice_message(kind: str, to: str, details: TicketDetails, settings: Settings) -> EmailMessage:
    """Cancellation or late-payment refund: what happened and what the customer gets back."""
    amount = format_money(details.total_paise, details.currency)
    if kind == "cancellation":
        subject = f"Booking {details.reference} cancelled"
        lead = (
            "Your booking has been cancelled and its seats released. If you paid by card, "
            f"{amount} is refunded to it; banks usually show it within 5–7 working days."
        )
    else:
        subject = f"Your payment for {details.movie} will be refunded"
        gone = (
            "the seats, or your promo code's last use, had gone to someone else"
            if details.promo_code
            else "the seats had been booked by someone else"
        )
        lead = (
            f"Your payment arrived after your seat hold had ended and {gone}, so no tickets "
            f"were issued. The full {amount} is refunded to your card; banks usually show it "
            "within 5–7 working days."
        )
    msg = _base(kind, subject, to, details.reference, settings)
    msg.set_content(
        f"{lead}\n\nMovie:   {details.movie}\nCinema:  {details.cinema}, {details.screen}\n"
        f"When:    {details.local_start}\nAmount:  {amount}\nBooking: {details.reference}\n"
    )
    body = f'<p style="margin:0 0 16px;">{html.escape(lead)}</p>' + _details_rows(
        details, seats=kind == "cancellation"
    )
    msg.add_alternative(_html_page(subject, body), subtype="html")
    if kind == "cancellation":
        msg.add_attachment(
            ics_bytes(calendar_entry(details), cancelled=True),
            maintype="text",
            subtype="calendar",
            filename=f"bookmyseat-{details.reference}.ics",
        )
    return msg


def password_reset_message(to: str, reset: PasswordReset, settings: Settings) -> EmailMessage:
    """The reset link, and what to do if the person did not ask for it. It names no account
    details beyond the address it goes to."""
    subject = "Reset your BookMySeat password"
    link = reset_link(reset, settings)
    minutes = int(RESET_LIFETIME.total_seconds() // 60)
    lead = "Someone, hopefully you, asked to reset the password of your BookMySeat account."
    works = f"The link works once, within {minutes} minutes."
    ignore = "If you did not ask, ignore this email: your password stays as it is."
    msg = _base("password-reset", subject, to, str(reset.id), settings)
    msg.set_content(f"{lead}\n\nChoose a new password here:\n{link}\n\n{works}\n{ignore}\n")
    body = (
        f'<p style="margin:0 0 16px;">{html.escape(lead)}</p>'
        f'<p style="margin:0 0 16px;"><a href="{html.escape(link)}" style="display:inline-block;'
        "background:#be123c;color:#ffffff;padding:10px 18px;border-radius:6px;"
        'text-decoration:none;font-weight:bold;">Choose a new password</a></p>'
        f'<p style="margin:0 0 8px;">{html.escape(works)}</p>'
        f'<p style="margin:0 0 16px;color:#71717a;">{html.escape(ignore)}</p>'
        '<p style="margin:0;font-size:12px;color:#71717a;word-break:break-all;">'
        f"If the button does not work, open this address: {html.escape(link)}</p>"
    )
    msg.add_alternative(_html_page(subject, body), subtype="html")
    return msg


def _button(link: str, label: str) -> str:
    return (
        f'<p style="margin:0 0 16px;"><a href="{html.escape(link)}" style="display:inline-block;'
        "background:#be123c;color:#ffffff;padding:10px 18px;border-radius:6px;"
        f'text-decoration:none;font-weight:bold;">{html.escape(label)}</a></p>'
    )


def verification_message(row: EmailOutbox, user: User, settings: Settings) -> EmailMessage:
    """The link that confirms the account's address (asked for before a first seat hold)."""
    subject = "Confirm your email address for BookMySeat"
    link = email_verification.link_for(row, user.email, settings)
    hours = int(email_verification.LINK_LIFETIME.total_seconds() // 3600)
    lead = f"Welcome to BookMySeat, {user.username}. Please confirm that this address is yours."
    works = f"The link works for {hours} hours. Then sign in with your password to book seats."
    ignore = "If you did not create this account, ignore this email: nothing more happens."
    msg = _base("verify-email", subject, row.to_address, str(row.id), settings)
    msg.set_content(f"{lead}\n\nConfirm it here:\n{link}\n\n{works}\n{ignore}\n")
    body = (
        f'<p style="margin:0 0 16px;">{html.escape(lead)}</p>'
        + _button(link, "Confirm my address")
        + f'<p style="margin:0 0 8px;">{html.escape(works)}</p>'
        f'<p style="margin:0 0 16px;color:#71717a;">{html.escape(ignore)}</p>'
        '<p style="margin:0;font-size:12px;color:#71717a;word-break:break-all;">'
        f"If the button does not work, open this address: {html.escape(link)}</p>"
    )
    msg.add_alternative(_html_page(subject, body), subtype="html")
    return msg


def sign_up_notice_message(row: EmailOutbox, settings: Settings) -> EmailMessage:
    """Someone tried to create an account with an address that has one: the owner, not the
    form, is told, with the ways in. It names no account details beyond the address."""
    subject = "Someone tried to create a BookMySeat account with your address"
    sign_in = f"{settings.public_url}/login"
    reset = f"{settings.public_url}/forgot-password"
    lead = (
        "Someone, perhaps you, tried to create a new BookMySeat account with this email address. "
        "It already has an account, so no new one was made."
    )
    ways = f"Sign in here: {sign_in}\nForgot your password? Choose a new one here: {reset}"
    ignore = "If it was not you, you need not do anything: your account is unchanged."
    msg = _base("sign-up-attempt", subject, row.to_address, str(row.id), settings)
    msg.set_content(f"{lead}\n\n{ways}\n\n{ignore}\n")
    body = (
        f'<p style="margin:0 0 16px;">{html.escape(lead)}</p>'
        + _button(sign_in, "Sign in")
        + f'<p style="margin:0 0 16px;">Forgot your password? <a href="{html.escape(reset)}" '
        f'style="color:#be123c;">Choose a new one</a>.</p>'
        f'<p style="margin:0;color:#71717a;">{html.escape(ignore)}</p>'
    )
    msg.add_alternative(_html_page("Someone tried to sign up", body), subtype="html")
    return msg


def waitlist_offer_message(
    to: str, details: TicketDetails, held_until: str, settings: Settings
) -> EmailMessage:
    """Seats came back for a sold-out show: they are held for the customer, who pays through
    the link before the hold ends (or the next in line gets them)."""
    link = f"{settings.public_url}/checkout/{details.reference}"
    subject = f"Seats for {details.movie} are held for you for {OFFER_MINUTES} minutes"
    lead = (
        f"Seats came back for {details.movie}, and you were first on the waiting list: we hold "
        f"them for you for {OFFER_MINUTES} minutes, until {held_until}."
    )
    after = "If you do not pay by then, the seats go to the next person waiting."
    msg = _base(WAITLIST_OFFER, subject, to, details.reference, settings)
    msg.set_content(
        f"{lead}\n\nPay for them here:\n{link}\n\n"
        f"Movie:   {details.movie}\nCinema:  {details.cinema}, {details.screen}\n"
        f"When:    {details.local_start}\nSeats:   {', '.join(_seat_lines(details))}\n"
        f"Amount:  {format_money(details.total_paise, details.currency)}\n"
        f"Booking: {details.reference}\n\n{after}\n"
    )
    body = (
        f'<p style="margin:0 0 16px;">{html.escape(lead)}</p>'
        f'<p style="margin:0 0 16px;"><a href="{html.escape(link)}" style="display:inline-block;'
        "background:#be123c;color:#ffffff;padding:10px 18px;border-radius:6px;"
        'text-decoration:none;font-weight:bold;">Pay for your seats</a></p>'
        + _details_rows(details)
        + f'<p style="margin:16px 0 0;color:#71717a;">{html.escape(after)}</p>'
    )
    msg.add_alternative(_html_page("Your seats are waiting", body), subtype="html")
    return msg


def build_message(session: Session, row: EmailOutbox, settings: Settings) -> EmailMessage:
    if row.kind == EMAIL_KIND:
        reset = session.get(PasswordReset, row.password_reset_id)
        if reset is None:
            raise ValueError(f"outbox row {row.id} names no password reset")
        return password_reset_message(row.to_address, reset, settings)
    if row.kind in (email_verification.EMAIL_KIND, email_verification.NOTICE_KIND):
        user = session.get(User, row.user_id) if row.user_id is not None else None
        if user is None:
            raise ValueError(f"outbox row {row.id} names no account")
        if row.kind == email_verification.NOTICE_KIND:
            return sign_up_notice_message(row, settings)
        return verification_message(row, user, settings)
    details = ticket_details(session, row.booking_id)
    if row.kind == "confirmation" or row.kind.startswith("resend"):
        return ticket_message(row.kind, row.to_address, details, settings)
    if row.kind == WAITLIST_OFFER:
        expires = session.get(Booking, row.booking_id).hold_expires_at
        held_until = local_text(expires, details.timezone, "%H:%M")
        return waitlist_offer_message(row.to_address, details, held_until, settings)
    return notice_message(row.kind, row.to_address, details, settings)
