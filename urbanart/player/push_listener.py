"""An optional HTTP listener for pushed manifests: HMAC-authenticated, fresh, then Ed25519-checked.

Why two checks: the HMAC (shared push secret, timestamp within 5 minutes, each signature
accepted once) keeps strangers from making the player do work or replaying an old push; the
Ed25519 signature against the pinned key is what makes the content trusted, exactly as for a
polled manifest. A push only hands the envelope to the player; media are fetched off the request
thread and the switch happens, as always, once they are all cached.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from urbanart.player.core import Player
from urbanart.protocol.envelope import SignatureInvalid
from urbanart.protocol.push_signature import (
    DEFAULT_TOLERANCE,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_push,
)

log = logging.getLogger("urbanart.player")

MAX_BODY = 4 * 1024 * 1024


class _Seen:
    """Signatures accepted within the tolerance window: a replay inside it is refused too."""

    def __init__(self, tolerance: int) -> None:
        self.tolerance = tolerance
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, signature: str, now: float) -> bool:
        with self._lock:
            horizon = now - 2 * self.tolerance
            for old in [s for s, at in self._seen.items() if at < horizon]:
                del self._seen[old]
            if signature in self._seen:
                return False
            self._seen[signature] = now
            return True


class PushListener:
    """Listens on host:port in a background thread; start() returns the bound port."""

    def __init__(
        self,
        player: Player,
        secret: str | bytes,
        *,
        host: str = "0.0.0.0",  # noqa: S104 - a push receiver must be reachable by the hub
        port: int = 0,
        tolerance: int = DEFAULT_TOLERANCE,
        clock: Callable[[], float] = time.time,
        after_apply: Callable[[], Any] | None = None,
    ) -> None:
        self.player = player
        self.secret = secret
        self.tolerance = tolerance
        self.clock = clock
        self.seen = _Seen(tolerance)
        self.after_apply = after_apply or self._sync_in_background
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def _sync_in_background(self) -> None:
        threading.Thread(target=self.player.sync_media, name="push-sync", daemon=True).start()

    def start(self) -> int:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="push-listener", daemon=True
        )
        self._thread.start()
        return self.port

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def handle(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        """The decision for one push, separate from HTTP plumbing."""
        stamp, signature = headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER)
        now = self.clock()
        if not verify_push(self.secret, stamp, signature, body, now=now, tolerance=self.tolerance):
            return 401, {"error": "push signature missing, invalid or stale"}
        if not self.seen.first_time(str(signature), now):
            return 403, {"error": "push already received (replay)"}
        try:
            manifest = self.player.apply_envelope(body)
        except SignatureInvalid as exc:  # noted for the heartbeat by apply_envelope
            return 403, {"error": "manifest refused", "detail": str(exc)[:300]}
        self.after_apply()
        return 200, {"ok": True, "manifest_version": manifest.version}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "urbanart-player"
            sys_version = ""

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("push: " + format, *args)

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = self.headers.get("Content-Length", "")
                if not length.isdigit():
                    self._answer(411, {"error": "Content-Length required"})
                    return
                if int(length) > MAX_BODY:
                    self._answer(413, {"error": "body too large"})
                    return
                body = self.rfile.read(int(length))
                status, answer = listener.handle(self.headers, body)
                self._answer(status, answer)

            def do_GET(self) -> None:
                self._answer(405, {"error": "POST a signed manifest"})

        return Handler
