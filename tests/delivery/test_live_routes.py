"""The hub's live routes with a real hub on 127.0.0.1: generators post signed frames, screens
read the signed feed and the frames; every kind of bad frame is refused with its own status."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests

from tests.delivery.hub_fixtures import NOT_FOUND, running_hub
from tests.library.live_world import SMALL, frame_jpeg, pixel_bomb, truncated
from tests.own_loop import run_in_own_loop
from urbanart.delivery import live_routes
from urbanart.delivery.live_routes import MAX_AGE, LiveRoutes
from urbanart.delivery.server import HubThread
from urbanart.delivery.signing import signing_key
from urbanart.library.catalog import get_artwork
from urbanart.library.library import Library
from urbanart.live.client import FrameNotSent, LiveSource, keep_remote, send_frame
from urbanart.live.layout import folder
from urbanart.live.source_secrets import LiveSecretStore
from urbanart.live.works import (
    NewLiveWork,
    add_live_work,
    live_state,
    rotate_secret,
    set_live_profiles,
)
from urbanart.protocol.live_feed import verify_feed
from urbanart.protocol.push_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_push

LIMIT = 300_000


@dataclass
class World:
    library: Library
    hub: HubThread
    work: NewLiveWork
    other: NewLiveWork

    @property
    def url(self) -> str:
        return self.hub.url.rstrip("/")

    @property
    def source(self) -> LiveSource:
        return LiveSource(self.url, self.work.token, self.work.secret)

    def post(
        self, body: bytes, headers: dict[str, str], token: str | None = None
    ) -> requests.Response:
        url = f"{self.url}/api/v1/live/{token or self.work.token}/frames"
        return requests.post(url, data=body, headers=headers, timeout=30)

    def feed(self, work: NewLiveWork | None = None) -> dict:
        work = work or self.work
        response = requests.get(f"{self.url}/live/{work.feed_id}/feed.json", timeout=10)
        assert response.status_code == 200
        return verify_feed(
            response.content, signing_key(self.library.home).public_key, feed_id=work.feed_id
        )

    def files(self, work: NewLiveWork | None = None) -> set[str]:
        return set(self.library.store.keys(folder((work or self.work).live_work_id)))

    def frame_files(self) -> set[str]:
        """Every file of the work but its feed document (served even before a frame)."""
        return {f for f in self.files() if not f.endswith("/feed.json")}


def signed(secret: str, body: bytes, stamp: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if stamp is None else stamp
    return {TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: sign_push(secret, stamp, body)}


@pytest.fixture
def world(library: Library) -> Iterator[World]:
    work = add_live_work(library, "Collage", "Ada", interval_s=0.2, retention="none")
    other = add_live_work(library, "Other", "Bo", interval_s=0.2, retention="none")
    set_live_profiles(library, {work.live_work_id: {SMALL.key()}})
    with running_hub(library, max_frame_bytes=LIMIT) as hub:
        yield World(library, hub, work, other)


def test_a_signed_frame_is_rendered_and_served_with_a_signed_feed(world: World) -> None:
    answer = send_frame(world.source, frame_jpeg(1))
    assert answer["sequence"] == 1
    assert answer["sha256"] == hashlib.sha256(frame_jpeg(1)).hexdigest()
    url = answer["frames"][SMALL.key()]
    payload = world.feed()
    assert payload["sequence"] == 1 and payload["frames"][SMALL.key()]["url"] == url
    feed_url = f"{world.url}/live/{world.work.feed_id}/feed.json"
    first = requests.get(feed_url, timeout=10)
    assert first.headers["cache-control"] == "no-cache"
    again = requests.get(feed_url, headers={"If-None-Match": first.headers["etag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    image = requests.get(world.url + url, timeout=10)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert "immutable" in image.headers["cache-control"]
    assert hashlib.sha256(image.content).hexdigest() == payload["frames"][SMALL.key()]["sha256"]
    send_frame(world.source, frame_jpeg(2))
    newer = requests.get(feed_url, headers={"If-None-Match": first.headers["etag"]}, timeout=10)
    assert newer.status_code == 200 and world.feed()["sequence"] == 2


def test_a_feed_before_its_first_frame_is_signed_and_empty(world: World) -> None:
    payload = world.feed(world.other)
    assert payload["sequence"] == 0 and payload["frames"] == {}


def _unsigned(world: World, body: bytes) -> dict[str, str]:
    return {}


def _malformed(world: World, body: bytes) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(int(time.time())), SIGNATURE_HEADER: "md5=abc"}


def _stale(world: World, body: bytes) -> dict[str, str]:
    return signed(world.work.secret, body, int(time.time()) - 3600)


def _forged(world: World, body: bytes) -> dict[str, str]:
    return signed("not-the-secret", body)


def _other_source(world: World, body: bytes) -> dict[str, str]:
    return signed(world.other.secret, body)  # the other work's own, genuine secret


@pytest.mark.parametrize(
    ("make_headers", "status", "words"),
    [
        (_unsigned, 401, "signature missing"),
        (_malformed, 400, "sha256="),
        (_stale, 401, "freshness window"),
        (_forged, 401, "does not match"),
        (_other_source, 401, "does not match"),
    ],
)
def test_unsigned_malformed_stale_and_forged_frames_are_refused(
    world: World, make_headers, status: int, words: str
) -> None:
    body = frame_jpeg(3)
    response = world.post(body, make_headers(world, body))
    assert response.status_code == status
    assert words in response.json()["detail"]
    assert world.feed()["sequence"] == 0
    assert world.frame_files() == set()
    state = live_state(world.library, world.work.live_work_id)
    assert state.frames_refused == 1 and words in state.last_refusal


def test_one_source_cannot_write_another_sources_feed(world: World) -> None:
    body = frame_jpeg(4)
    # the other source signs genuinely with its own secret, but names this work's token …
    refused = world.post(body, signed(world.other.secret, body), token=world.work.token)
    assert refused.status_code == 401
    # … and with this work's secret on its own token: neither feed moves
    refused = world.post(body, signed(world.work.secret, body), token=world.other.token)
    assert refused.status_code == 401
    assert world.feed()["sequence"] == 0 and world.feed(world.other)["sequence"] == 0


def test_a_replayed_frame_is_refused(world: World) -> None:
    body = frame_jpeg(5)
    headers = signed(world.work.secret, body)
    assert world.post(body, headers).status_code == 201
    replay = world.post(body, headers)
    assert replay.status_code == 409 and "already received" in replay.json()["detail"]
    assert world.feed()["sequence"] == 1


def test_an_oversize_frame_is_refused_before_and_while_reading(world: World) -> None:
    body = frame_jpeg(6, (2400, 2400), quality=98) + b"\0" * LIMIT
    declared = world.post(body, signed(world.work.secret, body))
    assert declared.status_code == 413
    chunked = requests.post(
        f"{world.url}/api/v1/live/{world.work.token}/frames",
        data=iter([body[i : i + 65536] for i in range(0, len(body), 65536)]),
        headers=signed(world.work.secret, body),
        timeout=30,
    )
    assert chunked.status_code == 413
    assert world.frame_files() == set()


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (pixel_bomb(), 422, "too many pixels"),
        (truncated(frame_jpeg(7)), 422, "truncated"),
        (b"<html><body>not a frame</body></html>", 415, "not an image"),
    ],
)
def test_bombs_truncated_frames_and_non_images_are_refused(
    world: World, body: bytes, status: int, words: str
) -> None:
    response = world.post(body, signed(world.work.secret, body))
    assert response.status_code == status, response.text
    assert response.json()["error"] == "frame refused" and words in response.json()["detail"]
    assert world.frame_files() == set()
    assert live_state(world.library, world.work.live_work_id).frames_refused == 1


def test_an_unknown_token_gets_the_same_404_as_everything_else(world: World) -> None:
    body = frame_jpeg(8)
    response = world.post(body, signed(world.work.secret, body), token="x" * 32)
    assert response.status_code == 404 and response.json() == NOT_FOUND
    gone = requests.get(f"{world.url}/live/{'y' * 22}/feed.json", timeout=10)
    assert gone.status_code == 404 and gone.json() == NOT_FOUND


def test_originals_and_unknown_frames_are_not_served(world: World) -> None:
    answer = send_frame(world.source, frame_jpeg(9))
    base = f"{world.url}/live/{world.work.feed_id}"
    for path in (f"/{answer['sha256']}.jpg", f"/originals/{answer['sha256']}", f"/{'0' * 64}.jpg"):
        response = requests.get(base + path, timeout=10)
        assert response.status_code == 404 and response.json() == NOT_FOUND


def test_a_source_sending_faster_than_its_interval_is_told_to_wait(library: Library) -> None:
    slow = add_live_work(library, "Slow", "Ada", interval_s=60)
    source_body = [frame_jpeg(n, (64, 48)) for n in range(12)]
    with running_hub(library) as hub:
        source = LiveSource(hub.url.rstrip("/"), slow.token, slow.secret)
        for body in source_body[:10]:
            send_frame(source, body)
        with pytest.raises(FrameNotSent) as caught:
            send_frame(source, source_body[10])
        assert caught.value.status == 429
        response = requests.post(
            source.url("frames"),
            data=source_body[11],
            headers=signed(slow.secret, source_body[11]),
            timeout=10,
        )
        assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1


def test_retention_none_leaves_one_frame_on_disk_after_a_hundred(world: World) -> None:
    session = requests.Session()
    for number in range(100):
        # Within the source's rate (a burst of 10, then one every interval / 2 = 0.1 s): a
        # fast machine would otherwise be told to wait. Paced from the previous answer, which
        # comes after the hub took that frame from the bucket: a schedule fixed in advance let
        # a slow first answer (a loaded machine) bunch the later frames into a 429.
        if number >= 10:
            time.sleep(0.105)
        answer = send_frame(world.source, frame_jpeg(number, (160, 90)), session=session)
    assert answer["sequence"] == 100
    frame = world.feed()["frames"][SMALL.key()]
    files = world.files()
    live = f"live/{world.work.live_work_id}/"
    original = hashlib.sha256(frame_jpeg(99, (160, 90))).hexdigest()
    thumbnails = {f for f in files if f.endswith(".webp")}
    assert len(thumbnails) == 1
    assert files == {
        live + "feed.json",
        live + f"{frame['sha256']}.jpg",
        live + f"originals/{original}",
        *thumbnails,
    }
    state = live_state(world.library, world.work.live_work_id)
    assert state.frames_received == 100 and state.frames_refused == 0


def test_the_artist_keeps_a_frame_with_a_signed_call(world: World) -> None:
    send_frame(world.source, frame_jpeg(10))
    second = send_frame(world.source, frame_jpeg(11))
    artwork_id = keep_remote(world.source, second["sequence"])
    artwork = get_artwork(world.library, artwork_id)
    assert artwork.artist_name == "Ada" and artwork.title == "Collage #2"
    assert artwork.asset.sha256 == hashlib.sha256(frame_jpeg(11)).hexdigest()
    with pytest.raises(FrameNotSent) as caught:  # retention none: frame 1 is gone
        keep_remote(world.source, 1)
    assert caught.value.status == 409 and "no longer kept" in str(caught.value)
    body = json.dumps({"sequence": 2}).encode()
    forged = requests.post(
        world.source.url("keep"), data=body, headers=signed("wrong", body), timeout=10
    )
    assert forged.status_code == 401


def test_a_rotated_secret_takes_over_at_once_and_the_old_one_stops(world: World) -> None:
    send_frame(world.source, frame_jpeg(12))
    rotated = rotate_secret(world.library, world.work.live_work_id)
    assert rotated.token != world.work.token and rotated.secret != world.work.secret
    time.sleep(MAX_AGE + 0.2)  # the hub reads tokens and secrets again this often
    with pytest.raises(FrameNotSent) as caught:
        send_frame(world.source, frame_jpeg(13))
    assert caught.value.status == 404
    answer = send_frame(LiveSource(world.url, rotated.token, rotated.secret), frame_jpeg(14))
    assert answer["sequence"] == 2 and world.feed()["sequence"] == 2


class SlowSecrets(LiveSecretStore):
    """The secrets file read on a loaded disk: the read of the sources takes a while."""

    def all(self) -> dict[int, str]:
        time.sleep(0.4)
        return super().all()


def test_a_request_during_a_read_of_the_sources_waits_for_it(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A screen's feed read starts the first read of the sources; a generator's frame arriving
    while it runs must find its work (it once got a 404: the read marks the tables fresh as it
    starts, and the frame looked up the old, empty ones)."""
    work = add_live_work(library, "Collage", "Ada", interval_s=1)
    monkeypatch.setattr(live_routes, "LiveSecretStore", SlowSecrets)
    db = ThreadPoolExecutor(1)
    routes = LiveRoutes(library, db)

    async def both() -> tuple[object, object]:
        feed = asyncio.create_task(routes.source("by_feed", work.feed_id))
        await asyncio.sleep(0.15)  # the read is under way
        token = await routes.source("by_token", work.token)
        return await feed, token

    try:
        by_feed, by_token = run_in_own_loop(both())
    finally:
        routes.close()
        db.shutdown()
    assert by_feed is not None and by_token is not None
    assert by_token == by_feed and by_token.secret == work.secret  # type: ignore[attr-defined]
