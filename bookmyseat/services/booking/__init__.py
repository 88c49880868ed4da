"""The seat engine. It owns the rule that a seat of a showtime is claimed by at most one live
booking, the booking's life (held → pending payment → paid, or expired / cancelled / refunded),
seat availability, fulfilment of payments, and the notices that keep open seat maps live."""
