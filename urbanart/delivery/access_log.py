"""The hub's access log: one line per request, with every poll token masked.

Why our own and not uvicorn's: uvicorn's access logger sits below the hub's log level (so
``--access-log`` printed nothing), knows neither the bytes sent nor the time taken, and would
write each screen's poll token (its only credential) in clear into log files that get copied
around. This ASGI wrapper is only installed when the access log is asked for, so the hot path
pays nothing otherwise.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger("urbanart.hub.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
App = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]

#: Characters of a token kept in the log: enough to tell screens apart, useless to an intruder.
SHOWN = 4

_SCREEN_TOKEN = re.compile(r"(/screens/|/api/v1/live/)([^/?#]+)")
_QUERY_TOKEN = re.compile(r"((?:^|[?&])token=)([^&#]*)", re.IGNORECASE)


def _mask(match: re.Match[str]) -> str:
    secret = match[2]
    return match[1] + (secret[:SHOWN] + "…" if len(secret) > SHOWN else secret)


def mask_tokens(target: str) -> str:
    """The request target with each poll token cut to its first SHOWN characters and "…".

    Tokens appear as the segment after ``/screens/`` (manifests, the API) or ``/api/v1/live/``
    (a generator's source token) and as ``token=`` in
    a query (the web player's address).
    """
    path, sep, query = target.partition("?")
    path = _SCREEN_TOKEN.sub(_mask, path)
    if sep:
        query = _QUERY_TOKEN.sub(_mask, query)
    return path + sep + query


def _printable(text: str) -> str:
    """Control characters escaped, so a request cannot forge extra log lines."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class AccessLog:
    """ASGI wrapper logging ``client "METHOD target" status bytes ms`` after each answer."""

    def __init__(self, app: App, logger: logging.Logger = log) -> None:
        self.app = app
        self.log = logger

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        sent = 0

        async def counting(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            raw = scope.get("raw_path") or scope["path"].encode("utf-8")
            target = raw.decode("latin-1")
            query = scope.get("query_string") or b""
            if query:
                target += "?" + query.decode("latin-1")
            client = scope.get("client")
            self.log.info(
                '%s "%s %s" %s %d %.1fms',
                client[0] if client else "-",
                scope["method"],
                _printable(mask_tokens(target)),
                status or "-",
                sent,
                (time.perf_counter() - started) * 1000,
            )
