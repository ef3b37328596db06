"""The baseline for bench/fleet_bench.py: a bare ASGI app that answers every request 204.

Served by the same uvicorn (httptools, uvloop) with the same worker count as the hub, so the
ratio of the two throughputs is what the hub's own work costs, not the server's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]

_START = {"type": "http.response.start", "status": 204, "headers": []}
_BODY = {"type": "http.response.body", "body": b""}


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    while True:  # read the request body (a heartbeat's) as the hub does
        message = await receive()
        if not message.get("more_body"):
            break
    await send(_START)
    await send(_BODY)
