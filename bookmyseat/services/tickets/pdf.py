"""The ticket as a PDF: one A4 page per booking with the QR code the door scanner reads, large
enough to print and to read on a phone. Made with fpdf2 (pure Python, kept up to date, embeds
PNG images and TrueType fonts), not by hand.

The text is set in DejaVu Sans where the system has it (every script a film title may use, and
the rupee sign); otherwise in the PDF's built-in Helvetica, which knows only Latin-1, so any
other character is replaced rather than refused.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from bookmyseat.services.money import format_money
from bookmyseat.services.tickets.codes import qr_png
from bookmyseat.services.tickets.details import TicketDetails

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
QR_MM = 70  # a phone camera reads it from an arm's length; on paper, from across the counter


class _Ticket(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(False)
        regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold))
            self.body_font, self.has_unicode = "Body", True
        else:
            self.body_font, self.has_unicode = "Helvetica", False

    def text_of(self, value: str) -> str:
        if self.has_unicode:
            return value
        return value.replace("₹", "Rs. ").encode("latin-1", "replace").decode("latin-1")

    def say(self, text: str, size: float, *, bold: bool = False, height: float = 0) -> None:
        self.set_font(self.body_font, "B" if bold else "", size)
        self.multi_cell(
            0, height or size * 0.5, self.text_of(text), align="L", new_x="LMARGIN", new_y="NEXT"
        )


def ticket_pdf(details: TicketDetails, code: str) -> bytes:
    """One page: what, where, when (in the cinema's zone), the seats, the QR and its code."""
    pdf = _Ticket()
    pdf.set_title(f"Ticket {details.reference}: {details.movie}")
    pdf.set_author("BookMySeat")
    pdf.set_subject(f"{details.movie}, {details.local_start}")
    pdf.add_page()
    pdf.say("BookMySeat · e-ticket", 11)
    pdf.ln(4)
    pdf.say(f"{details.movie} ({details.certificate})", 24, bold=True, height=11)
    pdf.ln(2)
    pdf.say(details.local_start, 15, bold=True, height=8)
    pdf.say(f"{details.cinema}, {details.screen}", 13, height=7)
    pdf.say(details.address, 11, height=6)
    pdf.ln(6)
    for label, category, price in details.seats:
        pdf.say(f"Seat {label} · {category} · {format_money(price, details.currency)}", 13)
    pdf.ln(2)
    pdf.say(f"Amount paid: {details.amount_text}", 12)
    pdf.say(f"Booking reference: {details.reference}", 14, bold=True, height=8)
    pdf.ln(8)
    left = (pdf.w - QR_MM) / 2
    pdf.image(io.BytesIO(qr_png(code)), x=left, y=pdf.get_y(), w=QR_MM, h=QR_MM)
    pdf.set_y(pdf.get_y() + QR_MM + 3)
    pdf.set_font("Courier", "", 11)
    pdf.cell(0, 6, code, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.say(
        "Show this code at the door, on paper or on your phone. It admits the seats above "
        "once. Please arrive a few minutes before the show.",
        10,
    )
    return bytes(pdf.output())
