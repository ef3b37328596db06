"""The hub under hostile connections: endless or slow heads, idle sockets by the thousand, and
one address hogging the hub, while every other client keeps being served fast.

Raw sockets play the attackers; attackers connect from 127.0.0.2 (the whole 127/8 is loopback on
Linux) so that the per-address limit applies to them and not to the well-behaved client on
127.0.0.1. Every wait is bounded.
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.delivery.hub_fixtures import (
    manifest_bytes,
    point_current,
    running_hub,
    write_media,
    write_release,
)
from urbanart.delivery.access_log import mask_tokens
from urbanart.delivery.connection_guard import ConnectionLimits
from urbanart.delivery.server import HubThread
from urbanart.library.library import Library

TOKEN = "tok-HOSTILE-0123456789abcdefghijklmnopq"
ATTACKER = "127.0.0.2"


@dataclass
class Target:
    hub: HubThread
    host: str
    port: int


@contextmanager
def started_site(library: Library, home: Path, **options: object) -> Iterator[Target]:
    published = home / "published"
    write_release(
        published,
        1,
        {
            f"screens/{TOKEN}/manifest.json": manifest_bytes(TOKEN, "v1"),
            "index.html": b"<!doctype html><title>Hub</title>",
        },
    )
    point_current(published, 1)
    with running_hub(library, **options) as hub:
        yield Target(hub, "127.0.0.1", hub.port)


@pytest.fixture
def site(library: Library, home: Path) -> Iterator[Target]:
    with started_site(library, home) as target:
        yield target


def quick_limits(**changes: object) -> ConnectionLimits:
    base: dict[str, object] = {
        "header_timeout": 1.0, "idle_timeout": 1.0, "body_idle_timeout": 1.0,
        "body_rate_window": 1.0,
    }  # fmt: skip
    base.update(changes)
    return ConnectionLimits(**base)  # type: ignore[arg-type]


@pytest.fixture
def quick_site(library: Library, home: Path) -> Iterator[Target]:
    with started_site(library, home, limits=quick_limits()) as target:
        yield target


def attacker_socket(target: Target, source: str = ATTACKER) -> socket.socket:
    return socket.create_connection(
        (target.host, target.port), timeout=5, source_address=(source, 0)
    )


def poll_time(target: Target) -> float:
    """Seconds for a well-behaved client's manifest poll (new connection, 127.0.0.1)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(target.host, target.port, timeout=5)
    try:
        conn.request("GET", f"/screens/{TOKEN}/manifest.json")
        response = conn.getresponse()
        response.read()
        assert response.status == 200
    finally:
        conn.close()
    return time.perf_counter() - started


def closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Read until the peer closes (True) or seconds pass (False); returns what was read."""
    sock.settimeout(0.1)
    deadline = time.monotonic() + seconds
    received = b""
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return True, received
        if not chunk:
            return True, received
        received += chunk
    return False, received


# Request heads ----------------------------------------------------------------------------------


def test_endless_header_is_cut_off_with_431_while_others_are_served(site: Target) -> None:
    alone = min(poll_time(site) for _ in range(5))
    attacker = attacker_socket(site)
    attacker.sendall(b"GET / HTTP/1.1\r\nHost: hub\r\nX-Endless: ")
    sent = 0
    answer = b""
    slowest = 0.0
    try:
        while sent < 64 * 1024 * 1024:
            try:
                attacker.sendall(b"a" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 65536
            if sent % (1024 * 1024) == 0:
                slowest = max(slowest, poll_time(site))
        closed, answer = closed_within(attacker, 5)
    finally:
        attacker.close()
    assert sent < 4 * 1024 * 1024, "the hub kept reading a header of several megabytes"
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]
    assert closed
    assert poll_time(site) < max(0.5, 20 * alone)
    assert slowest < 1.0


def test_complete_head_over_the_limit_is_431_and_under_it_is_served(site: Target) -> None:
    limit = ConnectionLimits().max_header_bytes
    filler = "x" * 1000
    for count, expected in (
        (limit // 1040 - 2, b"HTTP/1.1 200 "),
        (limit // 1000 + 2, b"HTTP/1.1 431 "),
    ):
        sock = attacker_socket(site, "127.0.0.1")
        head = f"GET /screens/{TOKEN}/manifest.json HTTP/1.1\r\nHost: hub\r\n"
        head += "".join(f"X-Pad-{i}: {filler}\r\n" for i in range(count))
        sock.sendall(head.encode() + b"Connection: close\r\n\r\n")  # one write: one read
        closed, answer = closed_within(sock, 5)
        sock.close()
        assert closed and answer.startswith(expected), (count, answer[:80])
    assert b"request header fields too large" in answer


def test_a_head_trickling_in_is_closed_after_the_header_timeout(quick_site: Target) -> None:
    sock = attacker_socket(quick_site)
    started = time.monotonic()
    closed = False
    try:
        for byte in b"GET / HTTP/1.1\r\nHost: hub\r\nX-Slow: " + b"z" * 100:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            closed, _ = closed_within(sock, 0.2)  # a byte every 0.2 s: never idle
            if closed:
                break
    finally:
        sock.close()
    took = time.monotonic() - started
    assert closed, "a slowloris kept its connection for 20 s"
    assert 0.9 <= took < 3.0


def test_a_body_trickling_in_below_the_minimum_rate_is_closed(quick_site: Target) -> None:
    sock = attacker_socket(quick_site)
    sock.sendall(
        f"POST /api/v1/screens/{TOKEN}/heartbeat HTTP/1.1\r\nHost: hub\r\n"
        "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{".encode()
    )
    started = time.monotonic()
    closed = False
    try:
        for _ in range(30):
            try:
                sock.sendall(b" ")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            closed, _ = closed_within(sock, 0.2)
            if closed:
                break
    finally:
        sock.close()
    assert closed and time.monotonic() - started < 3.0


# Idle connections -------------------------------------------------------------------------------


def test_a_connection_that_never_asks_is_closed_after_the_idle_timeout(
    quick_site: Target,
) -> None:
    sock = attacker_socket(quick_site)
    try:
        closed, received = closed_within(sock, 4)
    finally:
        sock.close()
    assert closed and received == b""


def test_keep_alive_connection_is_closed_when_idle_after_its_answer(quick_site: Target) -> None:
    sock = attacker_socket(quick_site, "127.0.0.1")
    try:
        sock.sendall(f"GET /screens/{TOKEN}/manifest.json HTTP/1.1\r\nHost: hub\r\n\r\n".encode())
        closed, received = closed_within(sock, 4)
    finally:
        sock.close()
    assert received.startswith(b"HTTP/1.1 200 ") and closed


def test_two_thousand_idle_sockets_from_one_client_slow_nobody_else(site: Target) -> None:
    alone = sorted(poll_time(site) for _ in range(20))
    held: list[socket.socket] = []
    try:
        for _ in range(2000):
            held.append(attacker_socket(site))
        under_attack = sorted(poll_time(site) for _ in range(40))
        limit = ConnectionLimits().per_address
        book = site.hub.connections
        assert book is not None
        assert book.per_address.get(ATTACKER, 0) <= limit
        assert book.per_address.get(ATTACKER, 0) >= limit // 2  # it did hold some
    finally:
        for sock in held:
            sock.close()
    assert under_attack[-1] < max(0.5, 10 * alone[-1])  # every poll answered, none slow


def test_one_address_gets_at_most_its_share_of_connections(library: Library, home: Path) -> None:
    with started_site(library, home, limits=quick_limits(per_address=5, idle_timeout=30)) as target:
        held = [attacker_socket(target) for _ in range(5)]
        extra = attacker_socket(target)
        try:
            closed, _ = closed_within(extra, 2)
            assert closed, "a sixth connection from the same address was kept"
            for sock in held:
                sock.settimeout(0.2)
                with pytest.raises(TimeoutError):
                    sock.recv(1)  # the first five are still open
            assert poll_time(target) < 1.0  # another address is served
        finally:
            for sock in [*held, extra]:
                sock.close()


def test_the_longest_idle_connection_makes_room_when_the_hub_is_full(
    library: Library, home: Path
) -> None:
    limits = quick_limits(per_address=100, max_connections=10, idle_timeout=30)
    with started_site(library, home, limits=limits) as target:
        held = []
        for _ in range(10):
            held.append(attacker_socket(target))
            time.sleep(0.01)  # a clear order of arrival
        try:
            assert poll_time(target) < 1.0
            closed, _ = closed_within(held[0], 2)
            assert closed, "the oldest idle connection was not the one closed"
            for sock in held[2:]:
                sock.settimeout(0.05)
                with pytest.raises(TimeoutError):
                    sock.recv(1)
        finally:
            for sock in held:
                sock.close()


# Headers and the access log ---------------------------------------------------------------------


SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "content-security-policy": "frame-ancestors 'self'",
    "referrer-policy": "no-referrer",
}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/index.html", 200),
        ("GET", f"/screens/{TOKEN}/manifest.json", 200),
        ("GET", "/missing.html", 404),
        ("DELETE", "/index.html", 405),
        ("POST", f"/api/v1/screens/{TOKEN}/heartbeat", 415),
        ("GET", f"/api/v1/screens/{TOKEN}/heartbeat", 405),
    ],
)
def test_every_answer_carries_the_security_headers_once(
    site: Target, method: str, path: str, status: int
) -> None:
    conn = http.client.HTTPConnection(site.host, site.port, timeout=5)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        response.read()
        headers = response.getheaders()
    finally:
        conn.close()
    assert response.status == status
    for name, value in SECURITY.items():
        assert [v for k, v in headers if k.lower() == name] == [value], name


def test_431_and_parser_400_carry_the_security_headers(site: Target) -> None:
    for request in (
        b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n",
        b"NOT HTTP AT ALL\r\n\r\n",
    ):
        sock = attacker_socket(site, "127.0.0.1")
        sock.sendall(request)
        _closed, answer = closed_within(sock, 5)
        sock.close()
        head = answer.partition(b"\r\n\r\n")[0].decode("latin-1").lower()
        assert head.split()[1] in ("431", "400")
        for name, value in SECURITY.items():
            assert f"{name}: {value.lower()}" in head


@pytest.mark.no_database
def test_tokens_are_masked_in_the_access_log() -> None:
    assert mask_tokens("/screens/abcdef123/manifest.json") == "/screens/abcd…/manifest.json"
    assert mask_tokens("/api/v1/screens/abcdef123/heartbeat") == "/api/v1/screens/abcd…/heartbeat"
    assert mask_tokens("/api/v1/live/srcTOKEN99/frames") == "/api/v1/live/srcT…/frames"
    assert (
        mask_tokens("/player/index.html?x=1&token=abcdef123")
        == "/player/index.html?x=1&token=abcd…"
    )
    assert mask_tokens("/a/7/") == "/a/7/"


def test_access_log_has_a_line_per_request_without_tokens(
    library: Library, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="urbanart.hub.access")
    with started_site(library, home, access_log=True) as target:
        poll_time(target)
        conn = http.client.HTTPConnection(target.host, target.port, timeout=5)
        conn.request("GET", "/missing.html")
        conn.getresponse().read()
        conn.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "urbanart.hub.access"]
    assert len(lines) == 2
    manifest = manifest_bytes(TOKEN, "v1")
    assert f'"GET /screens/{TOKEN[:4]}…/manifest.json" 200 {len(manifest)} ' in lines[0]
    assert '"GET /missing.html" 404 ' in lines[1]
    assert all(line.startswith("127.0.0.1 ") and line.endswith("ms") for line in lines)
    assert TOKEN not in caplog.text


def test_serve_access_log_prints_a_masked_line_per_request(library: Library, home: Path) -> None:
    published = home / "published"
    write_release(published, 1, {f"screens/{TOKEN}/manifest.json": manifest_bytes(TOKEN, "v1")})
    point_current(published, 1)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    argv = [sys.executable, "-m", "urbanart.cli.main", "--home", str(home), "serve"]
    proc = subprocess.Popen(
        [*argv, "--port", "0", "--access-log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"at http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        target = Target(None, "127.0.0.1", int(match[1]))  # type: ignore[arg-type]
        deadline = time.monotonic() + 10
        while True:
            try:
                poll_time(target)
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    logged = [x for x in err.splitlines() if f"/screens/{TOKEN[:4]}…/manifest.json" in x]
    assert len(logged) == 1 and '"GET ' in logged[0] and '" 200 ' in logged[0], err
    assert TOKEN not in err


def test_a_client_that_stops_reading_is_dropped_after_the_stall_timeout(
    library: Library, home: Path
) -> None:
    published = home / "published"
    big = os.urandom(24 * 1024 * 1024)
    url = write_media(published, big, "mp4")
    write_release(published, 1, {"index.html": b"<!doctype html>"})
    point_current(published, 1)
    with running_hub(library, limits=quick_limits(send_stall_timeout=1.0)) as hub:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(5)
        sock.connect(("127.0.0.1", hub.port))
        try:
            sock.sendall(f"GET {url} HTTP/1.1\r\nHost: hub\r\n\r\n".encode())
            time.sleep(4)  # read nothing while the hub's send buffer fills and stays full
            received = 0
            ended = False
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    chunk = sock.recv(1 << 20)
                except ConnectionResetError:
                    ended = True
                    break
                if not chunk:
                    ended = True
                    break
                received += len(chunk)
        finally:
            sock.close()
    assert ended and received < len(big), (received, len(big))
