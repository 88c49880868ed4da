"""What a seat-map page does, without a browser, for the benches' crowds: `LightTab` is a tab
(its websocket speaking Reflex's protocol), `hold` its Proceed (the holds route)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import aiohttp

from bookmyseat.state.seat_map import SeatMapState
from tests.reflex_client import HYDRATE, NAMESPACE, SESSION_VAR, route_of

REFUSAL_FRESH_S = 5.0  # as the picker's REFUSAL_FRESH_MS
SEAT_MAP = SeatMapState.get_full_name()
INTERNAL = "reflex___state____state.reflex___state____"  # Reflex's own page-load states


class LightTab:
    """A browser tab in ~100 lines: engine.io over one aiohttp websocket, Reflex's event frames,
    the deltas merged into `state`; far lighter than python-socketio for a thousand tabs."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str = "") -> None:
        self.http, self.base_url, self.session_token = session, base_url, token
        self.tab = str(uuid.uuid4())
        self.state: dict[str, dict] = {}
        self.events: list[dict] = []
        self.frames = 0
        self.changed = asyncio.Event()
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task | None = None
        self.path = "/"
        self.taken: set[int] = set()  # seats a refused hold found claimed, for a few seconds
        self.taken_until = 0.0
        self.plan_ids: list[int] = []

    def router_data(self) -> dict:
        pathname, params = route_of(self.path)
        return {"pathname": pathname, "asPath": self.path, "query": params}

    async def open(self, path: str) -> LightTab:
        await self.close()
        self.path, self.state, self.events = path, {}, []
        url = self.base_url.replace("http", "ws", 1)
        self.ws = await self.http.ws_connect(
            f"{url}/_event/?EIO=4&transport=websocket&token={self.tab}",
            headers={"Origin": self.base_url},
            timeout=aiohttp.ClientWSTimeout(ws_close=5),
            max_msg_size=0,
        )
        await self.ws.receive(timeout=30)  # engine.io OPEN
        payload = {"vars": {SESSION_VAR: self.session_token}} if self.session_token else {}
        boot = {"name": HYDRATE, "payload": payload, "router_data": self.router_data()}
        await self.ws.send_str(f"40{NAMESPACE}," + json.dumps({"event": boot}))
        self.reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = message.data
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith(f"42{NAMESPACE},"):
                name, body = json.loads(data[len(NAMESPACE) + 3 :])[:2]
                if name == "event":
                    self.frames += 1
                    for state, values in body.get("delta", {}).items():
                        self.state.setdefault(state, {}).update(values)

                    self.events.extend(body.get("events", []))
                    self.changed.set()

    async def navigate(self, path: str) -> None:
        """Follow a redirect as the page does: no new connection, the new route's load events
        (with the cookies) over the same socket."""
        self.path = path
        if self.session_token:
            await self.send(f"{INTERNAL}update_vars_internal_state.update_vars_internal",
                            vars={SESSION_VAR: self.session_token})  # fmt: skip
        await self.send(f"{INTERNAL}on_load_internal_state.on_load_internal")

    def refused(self, claimed: list[int]) -> None:
        self.taken, self.taken_until = set(claimed), time.monotonic() + REFUSAL_FRESH_S

    def codes_seen(self) -> str:
        """The map's codes as the picker shows them: for a few seconds after a refusal, the
        seats it found claimed are taken (assets/seat_picker.jsx)."""
        codes = self.var(SEAT_MAP, "codes") or ""
        if not self.taken or not self.plan_ids or time.monotonic() > self.taken_until:
            return codes
        return "".join(
            "h" if c == "a" and seat in self.taken else c
            for c, seat in zip(codes, self.plan_ids, strict=False)
        )

    def var(self, state: str, name: str):
        return self.state.get(state, {}).get(name + "_rx_state_")

    async def until(self, condition, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(self.path)
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), min(left, 1.0))
            except TimeoutError:
                continue

    async def send(self, handler: str, **payload) -> None:
        event = {"name": handler, "payload": payload, "router_data": self.router_data()}
        await self.ws.send_str(f"42{NAMESPACE}," + json.dumps(["event", event]))

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        self.ws = self.reader = None


async def hold(http, url: str, token: str, showtime: int, seats: list[int]) -> tuple[int, dict]:
    """Proceed as the page's picker does: the choice posted with the session cookie."""
    async with http.post(
        f"{url}/api/showtimes/{showtime}/holds",
        json={"seat_ids": seats},
        headers={"Origin": url, "Cookie": f"bms_session={token}"},
        timeout=aiohttp.ClientTimeout(60),
    ) as answer:
        return answer.status, await answer.json()
