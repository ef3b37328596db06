"""Heartbeats answered at once by the connection guard from their body, without the ASGI app,
and every heartbeat rule kept on that path.

Why these tests: an ordinary heartbeat with a small body is answered by the protocol itself once
its body is in (QuickAnswers.body_answer_now, ScreenApi.heartbeat_now). They state that the
answer is byte for byte the ASGI path's one (but for the time it names), that the heartbeat is
stored, that the rate per token still refuses a flood, and that what the quick path does not
answer (a malformed body, one for the checker thread, an unknown token) gets exactly the ASGI
path's answer, the body handed over whole. Raw sockets on 127.0.0.1 against real hubs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select

from tests.delivery.hub_fixtures import add_screen, heartbeats_written, running_hub
from tests.delivery.test_hub_quick_answers import (
    HEARTBEAT,
    TOKEN,
    answered_both_ways,
    connect,
    publish,
    read_answers,
    without_date,
)
from urbanart.delivery.api import HEARTBEAT_RATE
from urbanart.library.library import Library
from urbanart.library.models import ScreenState


def post(token: str, body: bytes) -> bytes:
    return (
        f"POST /api/v1/screens/{token}/heartbeat HTTP/1.1\r\nHost: hub\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def without_time(answer: bytes) -> bytes:
    return re.sub(rb'"received_at":"[^"]*"', b'"received_at":"T"', without_date(answer))


#: An ordinary heartbeat; one with a malformed body; one the quick check leaves to the checker
#: thread (errors not a list: 400 from the full check); and a token nobody holds.
KINDS = [
    post(TOKEN, json.dumps(HEARTBEAT).encode()),
    post(TOKEN, b'{"playing": nul'),
    post(TOKEN, json.dumps({**HEARTBEAT, "errors": "none"}).encode()),
    post("tok-nobody-0123456789abcdefghijklmnopqrs", json.dumps(HEARTBEAT).encode()),
]


def test_heartbeats_answered_at_once_are_the_asgi_answers_and_are_stored(
    library: Library, home: Path
) -> None:
    publish(home)
    screen_id = add_screen(library, "Quick", "Asia/Tokyo", TOKEN)
    quick, asgi = answered_both_ways(library, KINDS, at_once=1, settle=heartbeats_written)
    quick, asgi = [without_time(a) for a in quick], [without_time(a) for a in asgi]
    assert [a.split(b"\r\n", 1)[0] for a in quick] == [
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 400 Bad Request",
        b"HTTP/1.1 400 Bad Request",
        b"HTTP/1.1 404 Not Found",
    ]
    assert quick == asgi
    assert quick[0].endswith(b'\r\n\r\n{"ok":true,"received_at":"T"}')
    assert b"x-content-type-options: nosniff\r\n" in quick[0]
    with library.session() as session:
        state = session.scalars(select(ScreenState).where(ScreenState.screen_id == screen_id)).one()
    assert state.manifest_version == HEARTBEAT["manifest_version"]


def test_the_rate_per_token_refuses_a_flood_of_quick_heartbeats(
    library: Library, home: Path
) -> None:
    publish(home)
    add_screen(library, "Flood", "Asia/Tokyo", TOKEN)
    beat = post(TOKEN, json.dumps(HEARTBEAT).encode())
    count = HEARTBEAT_RATE.burst + 1
    with running_hub(library) as hub:
        sock = connect(hub)
        try:
            sock.sendall(beat * count)  # pipelined: answered in order
            answers = read_answers(sock, count)
        finally:
            sock.close()
        book = hub.connections
        assert book is not None
        assert book.answered_now == HEARTBEAT_RATE.burst
    assert [a[:12] for a in answers] == [b"HTTP/1.1 200"] * HEARTBEAT_RATE.burst + [b"HTTP/1.1 429"]
    assert re.search(rb"(?im)^retry-after: \d+\r\n", answers[-1])
