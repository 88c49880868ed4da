"""Running the process, around the app rather than inside a page or a rule: the caps at the edge
(edge_limits), the client's address behind trusted proxies (client_address), the origins the
app's pages are served from (page_origins), the security headers on every answer (headers), the
log format (log_format), the production gate that refuses an unsafe configuration
(production_gate) and the background tasks every worker starts (tasks). `patches/` holds the
work-arounds for framework internals, each refusing to start on a version it was not written for.

This layer sits between the routes and the business: it may import services, settings, db and
models; services never import it (tests/test_layers.py)."""
