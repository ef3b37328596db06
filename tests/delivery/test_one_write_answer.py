"""A hub answer goes out in one write (head and body together), never holding a 100 Continue.

Why: uvicorn writes a response's head and body apart; connection_guard.OneWriteAnswer joins
them (a heartbeat's answer was two sends on the socket). The recording transport below stands
in for asyncio's (a third-party interface) to count the writes; the 100 Continue exchange runs
against a real hub on a real socket.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

from tests.delivery.hub_fixtures import (
    add_screen,
    manifest_bytes,
    point_current,
    running_hub,
    write_release,
)
from urbanart.delivery.connection_guard import OneWriteAnswer
from urbanart.library.library import Library

TOKEN = "tok-ONEWRITE-0123456789abcdefghijklmnop"
HEARTBEAT = {
    "playing": None,
    "manifest_version": "v1",
    "player_version": "test",
    "free_disk_bytes": 1000,
    "errors": [],
}


class RecordingTransport(asyncio.Transport):
    """Keeps every write as it was handed over, and whether it was closed."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def test_head_and_body_leave_in_one_write() -> None:
    raw = RecordingTransport()
    answer = OneWriteAnswer(raw)
    answer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    assert raw.writes == []  # held until the body comes
    answer.write(b"{}")
    answer.write(b"")  # a later (empty) body message goes straight through
    assert raw.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", b""]
    assert answer.is_closing() is False  # everything else is the transport's own


def test_a_head_without_body_is_sent_before_the_close() -> None:
    raw = RecordingTransport()
    answer = OneWriteAnswer(raw)
    answer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n")
    answer.close()
    assert raw.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n"]
    assert raw.closed


def test_100_continue_is_not_held_and_the_answer_follows(library: Library, home: Path) -> None:
    add_screen(library, "Continue", "UTC", TOKEN)
    published = home / "published"
    write_release(published, 1, {f"screens/{TOKEN}/manifest.json": manifest_bytes(TOKEN, "v1")})
    point_current(published, 1)
    body = json.dumps(HEARTBEAT).encode()
    with running_hub(library) as hub, socket.create_connection(("127.0.0.1", hub.port), 10) as s:
        s.sendall(
            f"POST /api/v1/screens/{TOKEN}/heartbeat HTTP/1.1\r\nHost: hub\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Expect: 100-continue\r\n\r\n".encode()
        )
        interim = s.recv(1024)  # the hub asks for the body before it has it
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(body)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            chunk = s.recv(65536)
            assert chunk, f"closed early after {answer!r}"
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert json.loads(payload)["ok"] is True
