"""The push listener's transport: headers judged before the body, bounded time, bounded size.

These speak raw HTTP over a socket, because what they check is what a well-behaved client never
does: a body that never comes, bytes that trickle, headers that are not ASCII.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from urbanart.player import pairing
from urbanart.player.core import Player
from urbanart.player.push_listener import MAX_BODY, MAX_HEAD, PushListener
from urbanart.protocol.envelope import public_pem
from urbanart.protocol.push_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_push

SECRET = "transport-test-push-secret-0123456789abcdef"
DEADLINE = 1.0


@pytest.fixture(scope="module")
def listener(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PushListener]:
    """A listener in front of a player paired offline: no push here ever reaches the manifest.

    One per module: every test's connections are its own and end before it returns, and no
    push here gets past the headers, so nothing one test does is seen by the next (a stop
    costs the listener's poll interval, half a second, per test otherwise)."""
    folder = tmp_path_factory.mktemp("push-transport")
    key = public_pem(Ed25519PrivateKey.generate().public_key())
    pairing.pair(folder / "player", "http://127.0.0.1:9/", "token-1", public_key_pem=key)
    player = Player(folder / "player")
    push = PushListener(player, SECRET, host="127.0.0.1", request_timeout=DEADLINE)
    push.start()
    yield push
    push.stop()
    player.close()


def head(length: int | str, stamp: bytes | str, signature: str) -> bytes:
    stamp_bytes = stamp if isinstance(stamp, bytes) else stamp.encode()
    return (
        b"POST /push HTTP/1.1\r\nHost: screen\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {length}\r\n{SIGNATURE_HEADER}: {signature}\r\n".encode()
        + f"{TIMESTAMP_HEADER}: ".encode()
        + stamp_bytes
        + b"\r\n\r\n"
    )


def exchange(port: int, data: bytes, *, wait: float = 5.0) -> tuple[bytes, float]:
    """Sends data (and nothing after it), reads until the server closes; returns the answer and
    the seconds until that close."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        started = time.monotonic()
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer, time.monotonic() - started


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/"), answer[:80]
    return int(answer.split(b" ", 2)[1])


def test_a_non_ascii_timestamp_is_answered_400_and_the_listener_keeps_serving(
    listener: PushListener,
) -> None:
    stamp = "²³".encode("latin-1")  # str.isdigit() says yes to both
    answer, _ = exchange(listener.port, head(2, stamp, sign_push(SECRET, 1, b"{}")) + b"{}")
    assert status_of(answer) == 400 and TIMESTAMP_HEADER.encode() in answer
    after, _ = exchange(listener.port, b"GET /push HTTP/1.0\r\n\r\n")
    assert status_of(after) == 405


def test_a_malformed_signature_is_answered_400_naming_the_header(listener: PushListener) -> None:
    now = str(int(time.time()))
    answer, _ = exchange(listener.port, head(2, now, "md5=abc") + b"{}")
    assert status_of(answer) == 400 and SIGNATURE_HEADER.encode() in answer


def test_an_oversized_content_length_is_refused_before_the_body_is_sent(
    listener: PushListener,
) -> None:
    now = str(int(time.time()))
    # The client sends headers only and waits: the answer must not need the body.
    answer, seconds = exchange(listener.port, head(MAX_BODY + 1, now, sign_push(SECRET, now, b"")))
    assert status_of(answer) == 413
    assert seconds < DEADLINE  # answered and closed at once, not cut by the deadline


@pytest.mark.parametrize(
    ("stamp_offset", "signature"),
    [(-3600, "sign"), (+3600, "sign"), (0, None)],
    ids=["stale", "future", "unsigned"],
)
def test_a_push_with_a_bad_signature_header_is_refused_before_its_body_is_sent(
    listener: PushListener, stamp_offset: int, signature: str | None
) -> None:
    stamp = str(int(time.time()) + stamp_offset)
    request = head(1000, stamp, sign_push(SECRET, stamp, b"x" * 1000))
    if signature is None:
        request = request.replace(SIGNATURE_HEADER.encode(), b"X-Other")
    answer, seconds = exchange(listener.port, request)
    assert status_of(answer) == 401
    assert seconds < DEADLINE


def test_a_client_trickling_its_headers_is_cut_at_the_deadline(listener: PushListener) -> None:
    with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(b"POST /push HTTP/1.1\r\n")
        cut_after = None
        for _ in range(60):  # up to 12 s of one byte every 0.2 s, each well inside any timeout
            try:
                sock.sendall(b"X")
                time.sleep(0.2)
                sock.setblocking(False)
                try:
                    if sock.recv(1) == b"":
                        cut_after = time.monotonic() - started
                        break
                except BlockingIOError:
                    pass
                finally:
                    sock.setblocking(True)
            except OSError:  # reset by the server
                cut_after = time.monotonic() - started
                break
    assert cut_after is not None, "the slow client was never cut"
    assert DEADLINE - 0.1 <= cut_after <= DEADLINE + 2.0


def test_an_oversized_head_is_refused_431(listener: PushListener) -> None:
    padding = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 1000) for i in range(MAX_HEAD // 1000 + 1))
    answer, _ = exchange(listener.port, b"POST /push HTTP/1.1\r\n" + padding + b"\r\n")
    assert status_of(answer) == 431
