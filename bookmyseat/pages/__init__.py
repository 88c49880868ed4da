"""One module a route: layout only."""
