"""The no-JavaScript form over a slow link: the hub's body rule is a minimum rate, not a
deadline. A phone sending steadily but slowly hands in its work, however long it takes; a
slowloris trickling bytes is cut once a window passes below the rate, and its half-sent file is
removed. Real sockets against a real hub on 127.0.0.1, with the rule's window shortened."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from urllib3 import encode_multipart_formdata

from tests.intake.conftest import ROOMY, Served, artist_fields, make_call, noise_png, work_fields
from urbanart.delivery.connection_guard import ConnectionLimits
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library

WINDOW = 2.0
MIN_RATE = 16 * 1024
#: The rule of the tests: 16 KB/s averaged over 2 s, and never 2 s without a byte.
LIMITS = ConnectionLimits(body_min_rate=MIN_RATE, body_rate_window=WINDOW, body_idle_timeout=WINDOW)


@pytest.fixture
def slow_served(library: Library) -> Iterator[Served]:
    call = make_call(library)
    with HubThread(library, intake_rates=ROOMY, limits=LIMITS) as hub:
        yield Served(library, hub.url.rstrip("/"), call, hub)


def form_request(served: Served, file_bytes: bytes) -> tuple[bytes, bytes]:
    """(head, body) of a hand-in as a browser without JavaScript sends it, with the session
    cookie and CSRF token of a page load."""
    import requests

    from tests.intake.conftest import open_form

    session = requests.Session()
    csrf = open_form(session, served.page)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    fields: list[tuple[str, object]] = [("csrf", csrf)]
    fields += list(artist_fields().items()) + list(work_fields().items())
    fields.append(("work-0-file", ("slow.png", file_bytes, "image/png")))
    body, ctype = encode_multipart_formdata(fields)
    head = (
        f"POST {served.call.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    return head, body


def connect(served: Served) -> socket.socket:
    host, port = served.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def answer_of(sock: socket.socket, seconds: float) -> bytes:
    """What the hub answered before closing (b"" if it closed without a word)."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return received


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the hub closed the connection (with or without an answer) within seconds."""
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def test_a_slow_but_steady_phone_hands_in_however_long_it_takes(slow_served: Served) -> None:
    head, body = form_request(slow_served, noise_png((300, 300), seed=3))
    rate = 4 * MIN_RATE  # a phone on a weak 3G signal: slow, steady
    piece = 8 * 1024
    sock = connect(slow_served)
    started = time.monotonic()
    try:
        sock.sendall(head)
        for at in range(0, len(body), piece):
            sock.sendall(body[at : at + piece])
            time.sleep(piece / rate)
        took = time.monotonic() - started
        answer = answer_of(sock, 30)
    finally:
        sock.close()
    assert took > 2 * WINDOW  # longer than any one window: a body deadline would have cut it
    assert answer.startswith(b"HTTP/1.1 303 "), answer[:300]
    assert b"location: /calls/status/" in answer.lower()
    [stored] = [p for p in slow_served.intake_files() if p.parent.parent.name == "works"]
    assert stored.read_bytes() == noise_png((300, 300), seed=3)


def test_a_slowloris_on_the_form_is_cut_and_its_half_file_removed(slow_served: Served) -> None:
    head, body = form_request(slow_served, noise_png((300, 300), seed=4))
    start_of_file = body.index(b"\x89PNG") + 4096  # the file part has begun on disk
    sock = connect(slow_served)
    started = time.monotonic()
    cut = False
    try:
        sock.sendall(head + body[:start_of_file])
        for at in range(start_of_file, len(body), 200):  # 200 bytes every 0.25 s: 800 B/s
            try:
                sock.sendall(body[at : at + 200])
            except (BrokenPipeError, ConnectionResetError):
                cut = True
                break
            if closed_within(sock, 0.25) or time.monotonic() - started > 20:
                cut = time.monotonic() - started <= 20
                break
    finally:
        sock.close()
    took = time.monotonic() - started
    assert cut, "a slowloris kept its form upload for 20 s"
    assert took < 3 * WINDOW + 2
    deadline = time.monotonic() + 10
    while slow_served.intake_files() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert slow_served.intake_files() == []  # nothing of the refused upload stays on disk
