"""A browser tab imitated over Reflex's websocket, for tests and benches that speak to the built
app the way a browser does (socket.io on `/_event`, Reflex 0.10's event frames).

What a browser sends is copied from Reflex's own client (state.js): the page-load event rides in
the socket.io CONNECT packet, the tab's token is a query parameter, cookies travel as the payload
of that event (so a signed-in tab sends its session cookie there), and every event carries the
page's router data with the route's parameters in `query`. What comes back is merged: `state`
holds the latest value of every var the tab was sent, `events` the browser-side actions
(redirects, toasts), and `frames` every frame as received, for tests that look for private data.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import socketio
from reflex_base.event import EventHandler
from reflex_base.utils.format import format_event_handler

from bookmyseat.state.auth import AuthState

NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
SESSION_VAR = f"{AuthState.get_full_name()}.session_token_rx_state_"
VAR_SUFFIX = "_rx_state_"


def run_async(coroutine):
    """Run the clients' coroutine on a thread of its own: Playwright's sync API keeps an event
    loop running on this one."""
    context = contextvars.copy_context()  # Reflex keeps its registry of states in a context var
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, asyncio.run, coroutine).result()


def route_of(path: str) -> tuple[str, dict[str, str]]:
    """The router data's pathname and the dynamic parameters Reflex expects in `query`."""
    patterns = {
        r"/showtimes/(?P<id>[^/?]+)": "id",
        r"/movies/(?P<slug>[^/?]+)": "slug",
        r"/checkout/(?P<reference>[^/?]+)": "reference",
        r"/bookings/(?P<reference>[^/?]+)": "reference",
        r"/pay/demo/(?P<reference>[^/?]+)": "reference",
    }
    bare = path.split("?", 1)[0]
    for pattern in patterns:
        if match := re.fullmatch(pattern, bare):
            return bare, dict(match.groupdict())
    return bare, {}


@dataclass
class Tab:
    """One tab of one browser: `session_token` is its sign-in cookie ("" for anonymous)."""

    base_url: str
    session_token: str = ""
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)
    path: str = "/"
    query: dict[str, str] = field(default_factory=dict)
    origin: str = ""  # the page's origin, when it is not `base_url` (a site behind a proxy)
    _client: socketio.AsyncClient | None = None
    _last_frame: float = 0.0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    # --- connecting -----------------------------------------------------------------------
    def _router_data(self) -> dict:
        pathname, params = route_of(self.path)
        return {"pathname": pathname, "asPath": self.path, "query": {**self.query, **params}}

    async def open(self, path: str = "/", query: dict[str, str] | None = None) -> Tab:
        """Load `path` as a browser tab does: connect, hydrate, run the page's on_load."""
        await self.close()
        self.path, self.query = path, dict(query or {})
        client = socketio.AsyncClient(reconnection=False)
        client.on("event", self._on_update, namespace=NAMESPACE)
        client.on("new_token", self._on_new_token, namespace=NAMESPACE)
        boot = {"name": HYDRATE, "payload": self._storage(), "router_data": self._router_data()}
        self._client = client
        await client.connect(
            f"{self.base_url}?token={self.token}",
            socketio_path="/_event",
            namespaces=[NAMESPACE],
            transports=["websocket"],
            auth={"event": boot},
            headers={"Origin": self.origin or self.base_url},
            wait_timeout=10,
        )
        await self.until(lambda: self.root.get("is_hydrated" + VAR_SUFFIX) is True, timeout=15)
        return self

    def _storage(self) -> dict:
        return {"vars": {SESSION_VAR: self.session_token}} if self.session_token else {}

    async def close(self) -> None:
        if self._client is not None:
            await self._client.disconnect()
            self._client = None

    async def _on_new_token(self, token: str) -> None:
        self.token = token

    async def _on_update(self, update: dict) -> None:
        self.frames.append(json.dumps(update))
        for state_name, values in update.get("delta", {}).items():
            self.state.setdefault(state_name, {}).update(values)
            if SESSION_VAR.rsplit(".", 1)[0] == state_name and ("session_token" + VAR_SUFFIX) in (
                values
            ):
                self.session_token = values["session_token" + VAR_SUFFIX]
        self.events.extend(update.get("events", []))
        self._last_frame = asyncio.get_running_loop().time()
        self._changed.set()

    # --- sending and waiting -----------------------------------------------------------------
    async def send(self, handler: EventHandler | str, **payload: Any) -> None:
        """Send an event as the page would (any handler, any arguments: a hostile client can)."""
        name = handler if isinstance(handler, str) else format_event_handler(handler)
        event = {"name": name, "payload": payload, "router_data": self._router_data()}
        await self._client.emit("event", event, namespace=NAMESPACE)

    async def until(self, condition, timeout: float = 10.0) -> None:
        """Wait until `condition()` holds (checked after every frame)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"waited {timeout} s on {self.path}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def settle(self, quiet: float = 0.4, timeout: float = 10.0) -> None:
        """Wait until the server has sent nothing for `quiet` seconds (it sends no "done")."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        self._last_frame = max(self._last_frame, start)
        while loop.time() - self._last_frame < quiet and loop.time() - start < timeout:
            await asyncio.sleep(quiet / 4)

    # --- reading -----------------------------------------------------------------------------
    @property
    def root(self) -> dict[str, Any]:
        return self.state.get(ROOT_STATE, {})

    def var(self, state_class: type, name: str) -> Any:
        return self.state.get(state_class.get_full_name(), {}).get(name + VAR_SUFFIX)

    def toasts(self) -> list[str]:
        """The text of every toast the page was told to show (Reflex sends a toast as a call of
        the page's toaster: refs['__toast']?.["error"]("the text", {options}))."""
        found = []
        for event in self.events:
            if event.get("name") == "_call_function":
                function = str(event.get("payload", {}).get("function", ""))
                for text in re.findall(r'__toast\'\]\?\.\["\w+"\]\(("(?:[^"\\]|\\.)*")', function):
                    found.append(json.loads(text))
        return found

    def redirects(self) -> list[str]:
        return [e["payload"]["path"] for e in self.events if e.get("name") == "_redirect"]


def seat_plan(base_url: str, showtime_id: int) -> list[dict]:
    """The showtime's seats as the page's picker gets them (`/api/showtimes/<id>/seat-plan`),
    in the order of the `codes` string: id, label, row, number, index, and its place (grid
    row and column), category, price (0: not for sale) and whether it is a wheelchair space."""
    import urllib.request

    with urllib.request.urlopen(f"{base_url}/api/showtimes/{showtime_id}/seat-plan") as answer:
        plan = json.loads(answer.read())
    return [  # fmt: skip
        {
            "id": s[0],
            "label": s[1],
            "row": s[2],
            "number": s[3],
            "index": i,
            "grid_row": s[4],
            "grid_col": s[5],
            "category": s[6],
            "price": s[7],
            "wheelchair": s[8],
        }
        for i, s in enumerate(plan["seats"])
    ]


def hold_over_http(base_url: str, token: str, showtime_id: int, seat_ids: list[int]) -> dict:
    """Proceed as the page's picker does it: the choice posted to `/api/showtimes/<id>/holds`
    with the session cookie. The answer's body, with its status as `status`."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{base_url}/api/showtimes/{showtime_id}/holds",
        data=json.dumps({"seat_ids": seat_ids}).encode(),
        headers={
            "Content-Type": "application/json",
            "Origin": base_url,
            "Cookie": f"bms_session={token}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return {**json.loads(answer.read()), "status": answer.status}
    except urllib.error.HTTPError as refused:
        return {**json.loads(refused.read()), "status": refused.code}
