"""The business: plain Python, no Reflex import, one module a concern."""
