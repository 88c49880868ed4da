"""On-sale lines: a fair, visible line in front of a big on-sale (services.onsale.line)."""
