"""Reflex state classes: UI state and event handlers that call the services."""
