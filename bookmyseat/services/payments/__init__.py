"""Taking the money: which gateway a booking goes to (demo while Stripe is not configured,
Stripe Checkout once it is), Stripe's sessions, webhook and refunds. Every payment decision lives
here; fulfilling the booking is the booking engine's idempotent `confirm_payment`."""
