"""The admin area's business: who may do what (one role check for every staff action), the
audit log, staff actions on bookings and the outbox, catalog management, and the door scanner."""
