"""Granian, which serves the backend in production, serves at most `backpressure` connections
at once in each worker, idle keep-alive connections included; its default is 1024 / workers.
A browser (or any HTTP client) keeps its connection open between requests, so a crowd of open
pages can fill that, and every new request (a hold, a poll, a page load) then waits inside
Granian for a connection to close while the workers sit idle. `bench/onsale.py --arrivals
2000` showed it: 2,000 waiting customers, each with a kept-alive connection to the server,
made holds take 3–11 s while py-spy found the event loops 70 % idle and a hold's own work
~25 ms. (An upgraded websocket does not hold a place; it is capped in
bookmyseat.server.edge_limits.) Behind nginx, which closes its connections to the app servers
after each request, this matters less; serving customers directly (`make run`, one machine),
it decides the on-sale.

Reflex builds Granian's server without these settings, so the server class it imports is given
ours (rxconfig.py installs this, in the process that starts the backend, before it does):
- `CONNECTIONS_PER_WORKER` connections at once;
- workers that have not stopped `STOP_SECONDS` after being asked are killed, so a stop (a
  deploy) is bounded; their pages reconnect to the other servers.

Written against Granian `WRITTEN_FOR` (the keyword arguments of `granian.server.Server`);
`install` refuses any other version (bookmyseat.server.patches).
"""

from __future__ import annotations

from bookmyseat.server.patches import refuse_unless_written_for

WRITTEN_FOR = "2.8.7"  # granian
UPSTREAM_ISSUE = (
    "no upstream issue filed; Reflex builds granian.server.Server without backpressure or "
    "workers_kill_timeout"
)
CONNECTIONS_PER_WORKER = 10_000  # an idle kept-alive connection costs Granian a few kB
STOP_SECONDS = 10


def install() -> None:
    try:
        import granian.server
    except ImportError:  # uvicorn instead: nothing to tune
        return
    refuse_unless_written_for(__name__, "granian", WRITTEN_FOR, UPSTREAM_ISSUE)
    base = granian.server.Server
    if getattr(base, "bookmyseat_tuned", False):
        return

    class TunedServer(base):
        bookmyseat_tuned = True

        def __init__(self, *args, **kwargs) -> None:
            kwargs.setdefault("backpressure", CONNECTIONS_PER_WORKER)
            kwargs.setdefault("workers_kill_timeout", STOP_SECONDS)
            super().__init__(*args, **kwargs)

    granian.server.Server = TunedServer
