"""The business of a cinema, in plain Python (no Reflex import), one package a domain.

- `booking/`: the seat engine: holds, availability, payment fulfilment, cancellation, the live
  seat-change notices and a customer's bookings;
- `payments/`: which gateway takes the money (demo or Stripe Checkout), Stripe's webhook,
  refunds;
- `mail/`: the outbox that never loses a message, the messages themselves, SMTP, ticket codes;
- `catalog/`: what is showing: movies, cinemas, screens and their seat layouts, showtimes, trailers,
  posters;
- `accounts/`: customers' and staff's accounts, passwords and signed-in browsers;
- `staff/`: who may do what in the admin area, the audit log, catalog management, the door;
- `reporting/`: the dashboard's figures and the sales roll-ups that keep them cheap;
- `demo/`: the demo data of `make run`.

Shared by all: `errors` (the base of every refusal a person reads), `money` (the one formatter
of amounts) and `clock` (what "now" is when a caller does not say).
"""
