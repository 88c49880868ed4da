"""The demo data `make run` loads: movies, cinemas, screens, showtimes and the demo accounts
(never in production)."""
