"""Publishing a video work: manifest v3 with the MP4 and its still fallback, v2 kept for
still-only screens, the fallback when no video fits a screen, progress and cancel."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from pathlib import Path

import av
import pytest
from PIL import Image

from tests.delivery.conftest import World
from tests.delivery.test_publish import manifests, releases
from tests.delivery.video_world import CLIP, VideoWorld, add_video
from tests.imaging.video_clips import top_level_boxes
from tests.s3_server import S3Server, serve_s3  # noqa: F401 - the s3_server fixture
from urbanart.delivery.publisher import PublishCancelled, publish, screen_video_profile
from urbanart.delivery.tree_cache import content_type
from urbanart.delivery.workflow import publish_and_deliver
from urbanart.library.library import Library, current_tree
from urbanart.protocol.manifest_format import media_urls, validate_payload

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def videos(library: Library, world: World, tmp_path: Path) -> VideoWorld:
    return add_video(library, world, tmp_path / "clips")


def reel_items(payload: dict, videos: VideoWorld) -> list[dict]:
    return payload["playlists"][str(videos.reel_id)]["items"]


def test_a_video_screen_gets_manifest_v3_with_the_mp4_and_a_still_of_the_same_size(
    library: Library, videos: VideoWorld
) -> None:
    publish(library, now=NOW)
    payload = manifests(library)[videos.lisbon_id][1]
    validate_payload(payload)
    assert payload["version"] == 3
    still_item, video_item = reel_items(payload, videos)
    assert still_item["media_type"] == "image" and "video" not in still_item
    assert video_item["media_type"] == "video"
    video, media = video_item["video"], video_item["media"]
    root = current_tree(library)
    data = (root / video["url"].lstrip("/")).read_bytes()
    assert hashlib.sha256(data).hexdigest() == video["sha256"] and len(data) == video["size"]
    assert video["url"] == f"/media/{video['sha256'][:2]}/{video['sha256']}.mp4"
    assert (video["width"], video["height"]) == (320, 180)
    assert (video["format"], video["codec"], video["has_audio"]) == ("MP4", "h264", False)
    assert video["duration_s"] == pytest.approx(CLIP.frames / CLIP.fps, abs=0.1)
    assert video["fps"] == pytest.approx(CLIP.fps)
    boxes = top_level_boxes(data)
    assert boxes.index("moov") < boxes.index("mdat")  # faststart: playable while it downloads
    with av.open(str(root / video["url"].lstrip("/"))) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.format.name == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 180)
        assert len(container.streams.audio) == 0
    assert video["size"] <= screen_video_profile(320, 180).max_bytes
    # media stays a still: the poster frame at the screen's size, as JPEG
    assert media["format"] == "JPEG" and media["url"].endswith(".jpg") and not media["animated"]
    with Image.open(root / media["url"].lstrip("/")) as still:
        assert still.size == (320, 180) and still.format == "JPEG"
    assert {video["url"], media["url"]} <= media_urls(payload)
    assert content_type(video["url"]) == "video/mp4"


def test_still_only_screens_keep_version_2_items_without_media_type(
    library: Library, videos: VideoWorld
) -> None:
    publish(library, now=NOW)
    found = manifests(library)
    berlin = found[videos.world.screens["Berlin"]][1]
    assert berlin["version"] == 2
    for playlist in berlin["playlists"].values():
        for item in playlist["items"]:
            assert "media_type" not in item and "video" not in item
    validate_payload(berlin)


def test_a_screen_no_video_fits_shows_the_still_and_the_publish_says_why(
    library: Library, videos: VideoWorld
) -> None:
    result = publish(library, now=NOW)
    payload = manifests(library)[videos.odd_id][1]
    assert payload["version"] == 2  # its only video could not be made: nothing needs v3
    _still, video_item = reel_items(payload, videos)
    assert video_item["title"] == "Tide" and "video" not in video_item
    assert video_item["media"]["format"] == "JPEG"
    (odd,) = [c for c in result.screens if c.screen_id == videos.odd_id]
    (warning,) = [w for w in odd.warnings if "Tide" in w]
    assert "shows its still" in warning and "321×181" in warning
    (lisbon,) = [c for c in result.screens if c.screen_id == videos.lisbon_id]
    assert not [w for w in lisbon.warnings if "Tide" in w]


def test_republishing_reuses_the_cached_transcode_and_changes_nothing(
    library: Library, videos: VideoWorld
) -> None:
    publish(library, now=NOW)
    notes: list[str] = []
    again = publish(library, now=NOW, progress=lambda _d, _t, what: notes.append(what))
    assert not again.changed
    assert not [n for n in notes if "video" in n]  # no transcode ran: it came from the cache


def test_a_long_transcode_reports_progress_and_a_cancel_leaves_the_tree_unchanged(
    library: Library, videos: VideoWorld
) -> None:
    cancel = threading.Event()
    notes: list[str] = []

    def progress(_done: int, _total: int, what: str) -> None:
        notes.append(what)
        if "video" in what:
            cancel.set()

    with pytest.raises(PublishCancelled):
        publish(library, now=NOW, progress=progress, cancel=cancel)
    assert any(n.startswith("Lisbon Quay: video 'Tide'") and n.endswith("%") for n in notes)
    assert releases(library) == []  # nothing was ever served, nothing half-made was left
    result = publish(library, now=NOW)  # the next publish transcodes and serves it whole
    assert manifests(library)[videos.lisbon_id][1]["version"] == 3 and result.changed


def test_a_bucket_target_gets_the_mp4_as_video_mp4_and_immutable(
    library: Library, videos: VideoWorld, s3_server: S3Server
) -> None:
    bucket = s3_server.bucket()
    publish_and_deliver(
        library, now=NOW, push=False, target=f"s3://{bucket}/live", endpoint_url=s3_server.endpoint
    )
    video = reel_items(manifests(library)[videos.lisbon_id][1], videos)[1]["video"]
    local = (current_tree(library) / video["url"].lstrip("/")).read_bytes()
    head = s3_server.client().get_object(Bucket=bucket, Key="live" + video["url"])
    assert head["ContentType"] == "video/mp4"
    assert "immutable" in head["CacheControl"]
    assert head["Body"].read() == local
