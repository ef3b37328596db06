"""Screens playing from a bucket (moto's real S3 HTTP API on 127.0.0.1), as behind a CDN: the
player core pairs with the prefix's URL and plays verified media; the web player too, in Chromium,
its own files served from the same bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path

import pytest

from tests.browsers import shared_playwright
from tests.player import build_demo_screen
from tests.player.test_web_player_in_chromium import ARGS, CHROMIUM
from tests.s3_server import S3Server, serve_s3  # noqa: F401 - the s3_server fixture
from urbanart.curation import playlists
from urbanart.delivery.bucket import upload_tree
from urbanart.delivery.publisher import publish
from urbanart.delivery.signing import signing_key
from urbanart.delivery.tree import Tree
from urbanart.library.library import Library, published_root
from urbanart.library.s3 import parse_bucket_url
from urbanart.player import pairing
from urbanart.player.clock import ManualClock
from urbanart.player.core import Player
from urbanart.player.timeline import what_plays

T0 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


def upload(library: Library, server: S3Server, bucket: str, now: datetime) -> str:
    """Upload the served release to s3://bucket/live; the URL screens pair with."""
    location = parse_bucket_url(f"s3://{bucket}/live", endpoint_url=server.endpoint)
    upload_tree(Tree(published_root(library)), location, now=now, grace=timedelta(days=7))
    return f"{server.endpoint}/{bucket}/live/"


def test_the_player_core_pairs_with_and_plays_from_the_bucket(
    library: Library, s3_server: S3Server, tmp_path: Path
) -> None:
    world = build_demo_screen(library, now=T0)
    bucket = s3_server.public_bucket()
    url = upload(library, s3_server, bucket, T0)
    state = tmp_path / "player"
    paired = pairing.pair(state, url, world.token)
    assert paired.public_key_pem == signing_key(library.home).public_pem
    player = Player(state, clock=ManualClock(T0))
    s3_server.forget()
    first = player.poll_once()
    assert first.fetched.status == "new" and first.switched
    fetched_media = {p for p in s3_server.calls("GET", bucket) if p.startswith("live/media/")}
    assert len(fetched_media) == 5  # Day's 3 and Night's 2 works, from the bucket
    for t in (T0 + timedelta(seconds=5), T0 + timedelta(hours=1, seconds=15)):
        frame = player.tick(t)
        assert frame.item is not None and frame.path is not None
        assert frame.item["media"]["sha256"] == sha256(frame.path.read_bytes()).hexdigest()
        assert frame.item["item_id"] == what_plays(world.payload(), t).item["item_id"]

    # Nothing new: the bucket answers the ETag with 304; a new publish reaches the screen.
    assert player.poll_once().fetched.status == "not-modified"
    playlists.remove_item(library, world.day, 1)
    publish(library, now=T0)
    upload(library, s3_server, bucket, T0)
    newer = player.poll_once()
    assert newer.fetched.status == "new" and newer.switched
    assert player.current is not None
    day = player.current.payload["playlists"][str(world.day)]["items"]
    assert len(day) == 2
    player.close()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")
def test_the_web_player_served_from_the_bucket_plays_verified_media(
    library: Library, s3_server: S3Server
) -> None:
    pytest.importorskip("playwright.sync_api", reason="playwright is missing")
    now = datetime.now(UTC)
    world = build_demo_screen(library, now=now, day_seconds=3)
    bucket = s3_server.public_bucket()
    url = upload(library, s3_server, bucket, now)
    with shared_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 320, "height": 180})
        page.goto(f"{url}player/index.html?token={world.token}")
        page.wait_for_function(
            "() => { const s = window.urbanartPlayer.state(); const img = document.querySelector"
            "('.layer.shown'); return s.itemId !== null && img && img.complete && "
            "img.naturalWidth > 0; }",
            timeout=20000,
        )
        state = page.evaluate("window.urbanartPlayer.state()")
        src = page.evaluate("document.querySelector('.layer.shown').src")
        browser.close()
    payload = world.payload()
    assert state["manifestVersion"] == payload["manifest_version"]
    assert src.startswith("blob:")  # bytes fetched from the bucket and checked against sha256
    shown = {i["item_id"]: i for p in payload["playlists"].values() for i in p["items"]}
    assert state["sha256"] == shown[state["itemId"]]["media"]["sha256"]
    media_gets = [p for p in s3_server.calls("GET", bucket) if p.startswith("live/media/")]
    assert media_gets  # the media came from the bucket
