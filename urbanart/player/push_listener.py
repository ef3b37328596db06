"""An optional HTTP listener for pushed manifests: HMAC-authenticated, fresh, then Ed25519-checked.

Why two checks: the HMAC (shared push secret, timestamp within 5 minutes, each signature
accepted once) keeps strangers from making the player do work or replaying an old push; the
Ed25519 signature against the pinned key is what makes the content trusted, exactly as for a
polled manifest. A push only hands the envelope to the player; media are fetched off the request
thread and the switch happens, as always, once they are all cached.

Why the transport is guarded: the listener faces the network on a small screen computer, so a
stranger must not be able to make it hold memory or threads. Headers are checked (size, format,
freshness, Content-Length) before one body byte is read; each connection has a deadline for its
whole request; at most `max_connections` are served at once, and when all are busy the oldest
one still sending its headers is dropped for the newcomer (idle sockets cannot lock a push out).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import logging
import socket
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
    push_header_problem,
    verify_push,
)

log = logging.getLogger("urbanart.player")

MAX_BODY = 4 * 1024 * 1024
#: The request line and all header lines together; a push needs well under 1 KB.
MAX_HEAD = 16 * 1024
#: Seconds a connection may take for its whole request, headers and body.
REQUEST_TIMEOUT = 10.0
#: Connections (and so threads) served at once.
MAX_CONNECTIONS = 16
#: After refusing on headers, at most this much of an unwanted body is discarded, for at most
#: LINGER seconds, so the client reads the answer instead of a reset (a lingering close).
LINGER_BYTES = 64 * 1024
LINGER = 1.0


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


class _HeadLimit:
    """The request stream with a byte budget on readline(), which is how the head is read.

    http.server allows 64 KB per line and 100 header lines (6.4 MB per connection); a push needs a
    few hundred bytes. Going over raises LineTooLong, which http.server answers with 431.
    The body is read with read(), outside the budget (Content-Length bounds it)."""

    def __init__(self, stream: io.BufferedIOBase, budget: int) -> None:
        self._stream = stream
        self._left = budget

    def readline(self, limit: int = -1) -> bytes:
        want = self._left + 1 if limit < 0 else min(limit, self._left + 1)
        line = self._stream.readline(want)
        self._left -= len(line)
        if self._left < 0:
            raise http.client.LineTooLong("request head")
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _GuardedServer(ThreadingHTTPServer):
    """A threading HTTP server with a bound on connections and a deadline per connection.

    Why not one thread per connection, unbounded: 200 idle connections cost 200 threads and
    hundreds of MB. Here a connection gets a slot or, when every slot is busy, takes the one of
    the oldest connection still in its head (shut down at once); a connection past its deadline
    is shut down by the serving loop, so a client trickling bytes is cut too."""

    daemon_threads = True
    block_on_close = False
    #: Connections the kernel holds until accepted. socketserver's 5 is too few for a listener
    #: that sheds load by accepting and dropping: past 5, a connecting client's handshake is
    #: dropped and retried after a second or more (SYN retransmits), so a genuine push behind a
    #: burst of connections waited on the kernel, not on the listener (200 idle connections
    #: held it back ~30 s; accepted at once, they are shed in a fraction of a second).
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        max_connections: int,
        request_timeout: float,
    ) -> None:
        super().__init__(address, handler)
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self._slots = threading.BoundedSemaphore(max_connections)
        self._lock = threading.Lock()
        #: Open connections: socket -> (deadline, still reading its head).
        self._open: dict[socket.socket, tuple[float, bool]] = {}

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._drop_oldest_in_head()
            if not self._slots.acquire(timeout=1.0):
                log.warning("push: %d connections busy, refusing one", self.max_connections)
                self.shutdown_request(request)
                return
        with self._lock:
            self._open[request] = (time.monotonic() + self.request_timeout, True)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def _release(self, request: socket.socket) -> None:
        with self._lock:
            known = self._open.pop(request, None)
        if known is not None:
            self._slots.release()

    def head_done(self, request: socket.socket) -> None:
        """The connection's headers passed: it is no longer the first to drop under load."""
        with self._lock:
            if request in self._open:
                self._open[request] = (self._open[request][0], False)

    def _drop_oldest_in_head(self) -> None:
        with self._lock:
            in_head = [(deadline, s) for s, (deadline, head) in self._open.items() if head]
        if in_head:
            _shut(min(in_head, key=lambda pair: pair[0])[1])

    def server_close(self) -> None:
        """Stop listening and end the connections still open, so no handler outlives stop()."""
        super().server_close()
        with self._lock:
            still_open = list(self._open)
        for sock in still_open:
            _shut(sock)

    def service_actions(self) -> None:
        """Called by serve_forever every poll interval: cut connections past their deadline."""
        now = time.monotonic()
        with self._lock:
            late = [s for s, (deadline, _head) in self._open.items() if deadline < now]
        for sock in late:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Ends a connection from another thread: its handler's blocked read returns at once."""
    with contextlib.suppress(OSError):  # already closed by its own handler
        sock.shutdown(socket.SHUT_RDWR)


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
        max_connections: int = MAX_CONNECTIONS,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.player = player
        self.secret = secret
        self.tolerance = tolerance
        self.clock = clock
        self.seen = _Seen(tolerance)
        self.after_apply = after_apply or self._sync_in_background
        self._server = _GuardedServer(
            (host, port),
            self._handler(request_timeout),
            max_connections=max_connections,
            request_timeout=request_timeout,
        )
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

    def header_problem(self, headers: Any) -> tuple[int, dict[str, Any]] | None:
        """The answer for a push refused on its headers alone, before its body is read."""
        length = headers.get("Content-Length")
        if length is None:
            return 411, {"error": "Content-Length required"}
        if not (length.isascii() and length.strip().isdigit()):
            return 400, {"error": "Content-Length must be ASCII digits"}
        if int(length) > MAX_BODY:
            return 413, {"error": f"body too large (at most {MAX_BODY} bytes)"}
        problem = push_header_problem(
            headers.get(TIMESTAMP_HEADER),
            headers.get(SIGNATURE_HEADER),
            now=self.clock(),
            tolerance=self.tolerance,
        )
        if problem is not None:
            return problem[0], {"error": problem[1]}
        return None

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

    def _handler(self, request_timeout: float) -> type[BaseHTTPRequestHandler]:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "urbanart-player"
            sys_version = ""
            timeout = request_timeout  # per read; the server's deadline bounds the whole request
            server: _GuardedServer

            def setup(self) -> None:
                super().setup()
                self.rfile = _HeadLimit(self.rfile, MAX_HEAD)  # type: ignore[assignment]

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("push: " + format, *args)

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except http.client.LineTooLong:  # the request line itself overran the budget
                    self.close_connection = True
                    self.requestline, self.request_version, self.command = "", "", ""
                    self.send_error(414)
                except OSError:  # cut by the deadline or by a newcomer: nothing to answer
                    self.close_connection = True

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
                self.close_connection = True

            def _linger(self) -> None:
                """Sends the answer's end, then discards a little of what the client still
                sends: closing with unread bytes resets the connection, and a reset can reach
                the client before it has read the answer."""
                try:
                    self.wfile.flush()
                    self.request.shutdown(socket.SHUT_WR)
                    self.request.settimeout(LINGER)
                    until, left = time.monotonic() + LINGER, LINGER_BYTES
                    while left > 0 and time.monotonic() < until:
                        chunk = self.request.recv(min(left, 16384))
                        if not chunk:
                            break
                        left -= len(chunk)
                except OSError:
                    pass

            def do_POST(self) -> None:
                refused = listener.header_problem(self.headers)
                if refused is not None:
                    self._answer(*refused)  # the body is never read, nor waited for
                    self._linger()
                    return
                self.server.head_done(self.request)
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length)
                if len(body) != length:
                    self.close_connection = True
                    return  # the client stopped (or was cut) before its body ended
                status, answer = listener.handle(self.headers, body)
                self._answer(status, answer)

            def do_GET(self) -> None:
                self._answer(405, {"error": "POST a signed manifest"})

        return Handler
