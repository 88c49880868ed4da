"""The dashboard's figures, read from sales roll-ups that the payment and cancellation
transactions keep equal to the bookings; date ranges as the dashboard offers them."""
