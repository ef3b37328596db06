"""Signed pushes against real receivers on 127.0.0.1: retries, timeouts, forgeries, replays."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
import requests
from sqlalchemy import select

from tests.delivery.conftest import World
from tests.delivery.receivers import checking_receiver, flaky_receiver, silent_receiver
from urbanart.curation import screens
from urbanart.delivery.history import delivery_log
from urbanart.delivery.publisher import publish
from urbanart.delivery.push import push
from urbanart.library.library import Library, current_tree
from urbanart.library.models import PushDelivery
from urbanart.protocol.push_signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    VERSION_HEADER,
    push_headers,
    sign_push,
    verify_push,
)

SECRET = "s3cret-push-key-DO-NOT-LEAK-7f2c"


def point(library: Library, world: World, url: str, secret: str = SECRET) -> None:
    screens.edit_screen(library, world.screens["Quito"], push_url=url, push_secret=secret)


def deliveries(library: Library) -> list[PushDelivery]:
    with library.session() as session:
        return list(session.scalars(select(PushDelivery).order_by(PushDelivery.id)))


@pytest.mark.no_database
def test_verify_push_accepts_only_genuine_fresh_pushes() -> None:
    body = b'{"x":1}'
    now = 1_800_000_000
    good = sign_push(SECRET, now, body)
    assert good.startswith("sha256=") and len(good) == 7 + 64
    assert verify_push(SECRET, str(now), good, body, now=now + 10)
    assert not verify_push(SECRET, str(now), good, body + b" ", now=now)  # forged body
    assert not verify_push("other", str(now), good, body, now=now)  # wrong secret
    assert not verify_push(SECRET, str(now), good, body, now=now + 301)  # stale: a replay
    assert not verify_push(SECRET, str(now), good, body, now=now - 301)  # from the future
    assert not verify_push(SECRET, "12.5", good, body, now=now)
    assert not verify_push(SECRET, None, good, body, now=now)
    assert not verify_push(SECRET, str(now), "sha256=ü", body, now=now)


def test_retries_with_backoff_then_success(world: World, library: Library) -> None:
    publish(library)
    with flaky_receiver(failures=2) as receiver:
        point(library, world, receiver.url)
        started = time.monotonic()
        (outcome,) = push(library, timeout=2.0, retries=3)
        elapsed = time.monotonic() - started
    assert outcome.ok and outcome.http_status == 200 and outcome.attempts == 3
    assert [r.status for r in receiver.requests] == [503, 503, 200]
    assert 0.3 < elapsed < 3  # backoff 0 then 0.4 s between the attempts
    sent = receiver.requests[-1]
    folder = current_tree(library) / "screens"
    (path,) = [p for p in folder.glob("*/manifest.json") if p.read_bytes() == sent.body]
    version = json.loads(json.loads(path.read_bytes())["payload"])["manifest_version"]
    assert sent.headers[VERSION_HEADER] == version
    assert sent.headers["Content-Type"] == "application/json"
    assert verify_push(SECRET, sent.headers[TIMESTAMP_HEADER], sent.headers[SIGNATURE_HEADER],
                       sent.body)  # fmt: skip
    (row,) = deliveries(library)
    assert (row.ok, row.attempts, row.http_status, row.error) == (True, 3, 200, None)
    assert row.manifest_version == version


def test_a_silent_screen_times_out_within_the_timeout(world: World, library: Library) -> None:
    publish(library)
    with silent_receiver() as receiver:
        point(library, world, receiver.url)
        started = time.monotonic()
        (outcome,) = push(library, timeout=0.5, retries=3)
        elapsed = time.monotonic() - started
    # The receiver stays silent for 30 s: an ignored timeout would wait that long, and a retried
    # read timeout would send the push twice. The bound leaves room for a loaded CI machine.
    assert elapsed < 5.0
    assert len(receiver.requests) == 1
    assert not outcome.ok and outcome.attempts == 1 and outcome.http_status is None
    assert outcome.error == "no answer within 0.5 s"
    (row,) = deliveries(library)
    assert not row.ok and row.error == "no answer within 0.5 s" and row.finished_at is not None


def test_a_checking_screen_accepts_genuine_and_refuses_forged_and_replayed(
    world: World, library: Library
) -> None:
    publish(library)
    with checking_receiver(SECRET) as receiver:
        point(library, world, receiver.url)
        (outcome,) = push(library, timeout=2.0)
        assert outcome.ok and outcome.http_status == 200
        genuine = receiver.requests[-1]
        headers = {k: v for k, v in genuine.headers.items() if k.startswith(("X-", "Content-T"))}
        forged = requests.post(receiver.url, data=genuine.body + b" ", headers=headers, timeout=5)
        assert forged.status_code == 401
        replayed = requests.post(receiver.url, data=genuine.body, headers=headers, timeout=5)
        assert replayed.status_code == 409
        old = int(time.time()) - 600
        stale = push_headers(SECRET, genuine.body, "v", timestamp=old)
        assert (
            requests.post(receiver.url, data=genuine.body, headers=stale, timeout=5).status_code
            == 401
        )
    # A screen given the wrong secret refuses our push; the log says so without the secret.
    with checking_receiver("a-different-secret") as receiver:
        point(library, world, receiver.url)
        (outcome,) = push(library, timeout=2.0, retries=0)
    assert not outcome.ok and outcome.http_status == 401
    assert outcome.error == "the screen answered HTTP 401"


def test_unreachable_and_unpublished_screens_are_reported(world: World, library: Library) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    point(library, world, f"http://127.0.0.1:{port}/push")
    (unpublished,) = push(library)
    assert not unpublished.ok and unpublished.attempts == 0
    assert "run `urbanart publish`" in (unpublished.error or "")
    publish(library)
    (refused,) = push(library, timeout=1.0, retries=1)
    assert not refused.ok and refused.attempts == 2
    assert refused.error == "could not connect (refused or unreachable) (2 attempts)"


def test_delivery_log_and_secrets_never_show(
    world: World, library: Library, run_cli, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    publish(library)
    with flaky_receiver(failures=1) as receiver:
        point(library, world, receiver.url + "?k=1")
        ok = run_cli("push", "--json")
    assert ok.exit_code == 0, ok.stderr
    (pushed,) = ok.json()
    assert pushed["ok"] and pushed["attempts"] == 2
    with silent_receiver() as receiver:
        point(library, world, receiver.url)
        failed = run_cli("push", "--screen", "Quito Wall", "--timeout", "0.3", "--json")
    assert failed.exit_code == 1
    status = run_cli("push", "--status", "--json")
    assert status.exit_code == 0
    (entry,) = status.json()
    assert entry["screen"] == "Quito Wall" and entry["push_host"] == "127.0.0.1"
    assert [d["ok"] for d in entry["deliveries"]] == [False, True]  # newest first
    assert [d["attempts"] for d in entry["deliveries"]] == [1, 2]
    table = run_cli("push", "--status")
    assert table.exit_code == 0 and "Quito" in table.stdout and "no answer" in table.stdout
    no_push = run_cli("push", "--screen", "Berlin Kiosk")
    assert no_push.exit_code == 2 and "has no push URL" in no_push.stderr
    everything = "".join(
        [caplog.text, ok.stdout, ok.stderr, failed.stdout, status.stdout, table.stdout]
    )
    assert SECRET not in everything
    assert "pushed Quito Wall" in caplog.text


def test_the_delivery_log_is_typed_newest_first_with_real_times(
    world: World, library: Library
) -> None:
    publish(library)
    with flaky_receiver(failures=1) as receiver:
        point(library, world, receiver.url + "?k=secret-in-query")
        push(library)
        push(library)
    (log,) = delivery_log(library)
    assert log.screen == "Quito Wall" and log.push_host == "127.0.0.1"
    assert len(log.deliveries) == 2 and all(d.ok for d in log.deliveries)
    newest, older = log.deliveries
    assert older.attempts == 2 and newest.attempts == 1  # the flaky receiver failed once
    assert newest.started_at >= older.started_at and newest.seconds is not None
    assert "secret-in-query" not in json.dumps(log.to_json())
