"""Real HTTP receivers on 127.0.0.1 random ports, standing in for screens that accept pushes.

- FlakyReceiver answers 503 a given number of times, then 200.
- SilentReceiver accepts the connection, reads the request and never answers (until stopped).
- CheckingReceiver verifies the HMAC signature and timestamp like a screen would, refusing
  forgeries (401) and replays of a push it has already accepted (409).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.serving import serve_in_background
from urbanart.protocol.push_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_push


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/push"


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        return

    def _read(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length)

    def _answer(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self, body: bytes, status: int) -> None:
        self.receiver.requests.append(Received(dict(self.headers.items()), body, status))


def _flaky(failures: int) -> type[_Handler]:
    state = {"left": failures}
    lock = threading.Lock()

    class Flaky(_Handler):
        def do_POST(self) -> None:
            body = self._read()
            with lock:
                fail = state["left"] > 0
                state["left"] -= 1
            status = 503 if fail else 200
            self._record(body, status)
            self._answer(status)

    return Flaky


class Silent(_Handler):
    def do_POST(self) -> None:
        body = self._read()
        self._record(body, 0)
        self.receiver.stop.wait(30)  # never answers while the test runs


def _checking(secret: str, tolerance: int) -> type[_Handler]:
    seen: set[str] = set()
    lock = threading.Lock()

    class Checking(_Handler):
        def do_POST(self) -> None:
            body = self._read()
            timestamp = self.headers.get(TIMESTAMP_HEADER)
            signature = self.headers.get(SIGNATURE_HEADER)
            if not verify_push(secret, timestamp, signature, body, tolerance=tolerance):
                status = 401
            else:
                with lock:
                    replay = signature in seen
                    seen.add(str(signature))
                status = 409 if replay else 200
            self._record(body, status)
            self._answer(status)

    return Checking


@contextmanager
def _serve(handler: type[_Handler]) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    receiver = Receiver(server)
    handler.receiver = receiver
    thread = serve_in_background(server)
    try:
        yield receiver
    finally:
        receiver.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def flaky_receiver(failures: int = 2) -> Iterator[Receiver]:
    with _serve(_flaky(failures)) as receiver:
        yield receiver


@contextmanager
def silent_receiver() -> Iterator[Receiver]:
    with _serve(type("SilentHandler", (Silent,), {})) as receiver:
        yield receiver


@contextmanager
def checking_receiver(secret: str, tolerance: int = 300) -> Iterator[Receiver]:
    with _serve(_checking(secret, tolerance)) as receiver:
        yield receiver


def wait_for(predicate: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        time.sleep(0.02)
    return False
