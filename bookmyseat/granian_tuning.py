"""Granian, which serves the backend in production, handles at most `backpressure` requests at
once in each worker, and an open websocket counts as one for as long as its page stays open.
Its default is 1024 / workers. In an on-sale (`bench/onsale.py --arrivals 2000`), waiting pages
filled that: every hold, poll and page load then queued inside Granian for seconds, while the
workers sat mostly idle (py-spy: the event loops 70 % in select, holds 25 ms of work each).

Reflex builds Granian's server without these settings, so the server class it imports is given
ours (rxconfig.py installs this, in the process that starts the backend):
- room for `sockets_per_worker` websockets (the edge refuses more, bookmyseat.edge_limits) and
  `HTTP_HEADROOM` requests besides, so pages can never crowd out the holds and polls;
- workers that will not stop after `STOP_SECONDS` are killed: Granian would otherwise wait for
  open websockets without end, and those pages reconnect to the other servers anyway.
"""

from __future__ import annotations

HTTP_HEADROOM = 1024  # requests other than websockets, per worker
STOP_SECONDS = 10


def install(sockets_per_worker: int) -> None:
    try:
        import granian.server
    except ImportError:  # uvicorn instead: nothing to tune
        return
    base = granian.server.Server
    if getattr(base, "bookmyseat_tuned", False):
        return

    class TunedServer(base):
        bookmyseat_tuned = True

        def __init__(self, *args, **kwargs) -> None:
            kwargs.setdefault("backpressure", sockets_per_worker + HTTP_HEADROOM)
            kwargs.setdefault("workers_kill_timeout", STOP_SECONDS)
            super().__init__(*args, **kwargs)

    granian.server.Server = TunedServer
