"""Tickets: the signed code the door scanner reads, its QR image, the calendar entry, the
one-page PDF, and the ticket details they are all made from."""
