"""Polls answered at once by the connection guard, without the ASGI app, and nothing lost by it.

Why these tests: a static answer from the tree is written by the protocol itself as soon as its
request head is complete (connection_guard.QuickAnswers, Hub.answer_now). They state that such an
answer is byte for byte the ASGI path's one, that answers keep their order when quick and slow
requests are pipelined, that the guard's deadlines still hold for requests split over several
reads or left unfinished after an answer, and that a client not reading its answers cannot make
the hub buffer them without bound. Raw sockets on 127.0.0.1 against real hubs; every wait is
bounded.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.delivery.hub_fixtures import (
    add_screen,
    etag_for,
    manifest_bytes,
    point_current,
    running_hub,
    write_release,
)
from tests.delivery.test_hub_hostile_connections import closed_within, quick_limits
from tests.delivery.test_one_write_answer import HEARTBEAT
from urbanart.delivery.access_log import SHOWN
from urbanart.delivery.connection_guard import failed_at_once
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library

TOKEN = "tok-QUICK-0123456789abcdefghijklmnopqrst"
MANIFEST = f"/screens/{TOKEN}/manifest.json"
#: A page big enough that a few hundred unread answers would fill megabytes.
PAGE = b"<!doctype html><title>Hub</title>" + b"<p>art</p>" * 5000


def publish(home: Path) -> bytes:
    published = home / "published"
    manifest = manifest_bytes(TOKEN, "v1")
    write_release(published, 1, {MANIFEST.lstrip("/"): manifest, "index.html": PAGE})
    point_current(published, 1)
    return manifest


@pytest.fixture
def manifest(home: Path) -> bytes:
    return publish(home)


def connect(hub: HubThread) -> socket.socket:
    return socket.create_connection(("127.0.0.1", hub.port), timeout=5)


def read_answers(
    sock: socket.socket, count: int, seconds: float = 5, *, head: bool = False
) -> list[bytes]:
    """count whole answers (head and Content-Length body, none for a HEAD or a 304) as they
    came, in order."""
    sock.settimeout(0.1)
    deadline = time.monotonic() + seconds
    buffer = b""
    answers: list[bytes] = []
    while len(answers) < count and time.monotonic() < deadline:
        head_end = buffer.find(b"\r\n\r\n")
        if head_end >= 0:
            found = re.search(rb"(?im)^content-length: *(\d+)", buffer[:head_end])
            bodiless = head or b" 304 " in buffer[:13]
            end = head_end + 4 + (int(found[1]) if found and not bodiless else 0)
            if len(buffer) >= end:
                answers.append(buffer[:end])
                buffer = buffer[end:]
                continue
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            break
        buffer += chunk
    return answers


def without_date(answer: bytes) -> bytes:
    return re.sub(rb"(?im)^date: [^\r\n]*\r\n", b"", answer)


def requests_of_every_kind(etag: str) -> list[bytes]:
    """A 304, the gzip and identity 200s, a HEAD, and a folder's page."""
    return [
        f"GET {MANIFEST} HTTP/1.1\r\nHost: hub\r\nAccept-Encoding: gzip\r\n"
        f"If-None-Match: {etag}\r\n\r\n".encode(),
        f"GET {MANIFEST} HTTP/1.1\r\nHost: hub\r\nAccept-Encoding: gzip\r\n\r\n".encode(),
        f"GET {MANIFEST} HTTP/1.1\r\nHost: hub\r\n\r\n".encode(),
        f"HEAD {MANIFEST} HTTP/1.1\r\nHost: hub\r\n\r\n".encode(),
        b"GET / HTTP/1.1\r\nHost: hub\r\n\r\n",
    ]


def answered_both_ways(
    library: Library,
    requests: list[bytes],
    *,
    at_once: int,
    settle: Callable[[HubThread], object] | None = None,
) -> tuple[list[bytes], list[bytes]]:
    """Each request's answer (one connection, one request at a time) from a hub that answers
    at once, and from one with the access log on, which must see every request and so sends
    them all the ASGI way; checks that the first answered `at_once` of them itself and the
    second none. settle(hub) runs before each hub stops."""
    answers: dict[bool, list[bytes]] = {}
    for access_log in (False, True):
        with running_hub(library, access_log=access_log) as hub:
            sock = connect(hub)
            try:
                got = []
                for request in requests:
                    sock.sendall(request)
                    got += read_answers(sock, 1, head=request.startswith(b"HEAD "))
            finally:
                sock.close()
            book = hub.connections
            assert book is not None
            assert book.answered_now == (0 if access_log else at_once)
            if settle is not None:
                settle(hub)
        answers[access_log] = got
    return answers[False], answers[True]


def test_quick_answers_are_byte_for_byte_the_asgi_answers(
    library: Library, home: Path, manifest: bytes
) -> None:
    requests = requests_of_every_kind(etag_for(manifest))
    quick, asgi = answered_both_ways(library, requests, at_once=len(requests))
    quick, asgi = [without_date(a) for a in quick], [without_date(a) for a in asgi]
    assert [a.split(b"\r\n", 1)[0] for a in quick] == [
        b"HTTP/1.1 304 Not Modified",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 200 OK",
    ]
    assert quick == asgi
    assert quick[2].endswith(b"\r\n\r\n" + manifest)
    assert quick[4].endswith(b"\r\n\r\n" + PAGE)
    assert b"x-content-type-options: nosniff\r\n" in quick[0]


def test_pipelined_quick_and_slow_requests_are_answered_in_order(
    library: Library, home: Path, manifest: bytes
) -> None:
    add_screen(library, "Pipelined", "Asia/Tokyo", TOKEN)
    heartbeat = json.dumps(HEARTBEAT).encode()
    etag = etag_for(manifest)
    burst = (
        f"GET {MANIFEST} HTTP/1.1\r\nHost: hub\r\n\r\n"
        f"POST /api/v1/screens/{TOKEN}/heartbeat HTTP/1.1\r\nHost: hub\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(heartbeat)}\r\n\r\n"
    ).encode() + heartbeat
    burst += (
        f"GET {MANIFEST} HTTP/1.1\r\nHost: hub\r\nIf-None-Match: {etag}\r\n\r\n"
        "GET /missing.json HTTP/1.1\r\nHost: hub\r\n\r\n"
        f"GET {MANIFEST} HTTP/1.1\r\nHost: hub\r\nIf-None-Match: {etag}\r\n\r\n"
    ).encode()
    with running_hub(library) as hub:
        sock = connect(hub)
        try:
            sock.sendall(burst)  # one write: the hub reads it all at once
            answers = read_answers(sock, 5)
        finally:
            sock.close()
    assert [a[:12] for a in answers] == [
        b"HTTP/1.1 200",
        b"HTTP/1.1 200",
        b"HTTP/1.1 304",
        b"HTTP/1.1 404",
        b"HTTP/1.1 304",
    ]
    assert answers[0].endswith(manifest)


@pytest.fixture
def quick_hub(library: Library, home: Path) -> Iterator[HubThread]:
    publish(home)
    with running_hub(library, limits=quick_limits()) as hub:
        yield hub


def test_a_request_left_unfinished_after_a_quick_answer_gets_the_header_timeout(
    quick_hub: HubThread,
) -> None:
    sock = connect(quick_hub)
    try:
        sock.sendall(f"GET {MANIFEST} HTTP/1.1\r\nHost: hub\r\n\r\nGET / HTT".encode())
        started = time.monotonic()
        closed, received = closed_within(sock, 6)
    finally:
        sock.close()
    assert received.startswith(b"HTTP/1.1 200 ")
    assert closed, "an unfinished request after an answer held its connection"
    assert time.monotonic() - started < 3.0


def test_a_head_split_over_reads_is_answered_and_the_connection_then_idles_out(
    quick_hub: HubThread,
) -> None:
    sock = connect(quick_hub)
    try:
        for part in (f"GET {MANIFEST} HTTP/1.1\r\n".encode(), b"Host: hub\r\n", b"\r\n"):
            sock.sendall(part)
            time.sleep(0.1)  # separate reads, all within the header timeout
        answers = read_answers(sock, 1)
        closed, _ = closed_within(sock, 4)
    finally:
        sock.close()
    assert len(answers) == 1 and answers[0].startswith(b"HTTP/1.1 200 ")
    assert closed, "an idle keep-alive connection stayed open"


def test_the_keep_alive_deadline_counts_from_the_last_answer(library: Library, home: Path) -> None:
    publish(home)
    poll = f"GET {MANIFEST} HTTP/1.1\r\nHost: hub\r\n\r\n".encode()
    with running_hub(library, limits=quick_limits(idle_timeout=2.0)) as hub:
        sock = connect(hub)
        try:
            sock.sendall(poll)
            first = read_answers(sock, 1)
            time.sleep(1.2)
            sock.sendall(poll)
            second = read_answers(sock, 1)
            # Idle for 2 s after the first answer would close it 0.8 s from now.
            closed_early, _ = closed_within(sock, 1.0)
            closed, _ = closed_within(sock, 4)
        finally:
            sock.close()
    assert [a[:12] for a in first + second] == [b"HTTP/1.1 200"] * 2
    assert not closed_early, "closed 2 s after the first answer, not after the last"
    assert closed, "an idle keep-alive connection stayed open"


def test_a_request_arriving_slowly_after_an_answer_is_not_cut_by_the_keep_alive_deadline(
    library: Library, home: Path
) -> None:
    publish(home)
    poll = f"GET {MANIFEST} HTTP/1.1\r\nHost: hub\r\n\r\n".encode()
    limits = quick_limits(idle_timeout=1.0, header_timeout=6.0)
    with running_hub(library, limits=limits) as hub:
        sock = connect(hub)
        try:
            sock.sendall(poll)
            first = read_answers(sock, 1)
            for part in (poll[:10], poll[10:20], poll[20:30], poll[30:]):
                time.sleep(0.5)  # 2 s in all: twice the keep-alive timeout, within the head's
                sock.sendall(part)
            second = read_answers(sock, 1)
        finally:
            sock.close()
    assert [a[:12] for a in first + second] == [b"HTTP/1.1 200"] * 2


def test_a_client_not_reading_its_answers_does_not_fill_the_hub_with_them(
    library: Library, home: Path
) -> None:
    publish(home)
    one = b"GET /index.html HTTP/1.1\r\nHost: hub\r\n\r\n"
    with running_hub(library) as hub:
        sock = connect(hub)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            sock.setblocking(False)
            sent = 0
            deadline = time.monotonic() + 5
            while sent < 2000 * len(one) and time.monotonic() < deadline:
                try:
                    sent += sock.send(one * 50)
                except BlockingIOError:
                    time.sleep(0.01)
            time.sleep(0.5)  # let the hub parse what reached it
            server = hub._server
            assert server is not None
            buffered = [
                connection.transport.get_write_buffer_size()
                for connection in server.server_state.connections
            ]
        finally:
            sock.close()
    answers_sent = sent // len(one)
    assert answers_sent >= 200, "the test did not hand the hub enough requests"
    # Unbounded, this would be every answer: hundreds of them, about 50 KB each.
    assert max(buffered) < 2 * 1024 * 1024, (max(buffered), answers_sent)


def test_a_failed_answer_at_once_is_logged_with_its_poll_token_masked(caplog) -> None:
    caplog.set_level(logging.ERROR, logger="urbanart.hub")
    try:
        raise ValueError("the snapshot broke")
    except ValueError:
        failed_at_once(MANIFEST.encode())
    assert "the snapshot broke" in caplog.text  # the exception is in the log
    assert f"/screens/{TOKEN[:SHOWN]}…/manifest.json" in caplog.text
    assert TOKEN not in caplog.text
