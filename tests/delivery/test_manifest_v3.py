"""Manifest format version 3: a payload with a video item, its schema, and v2 kept for stills."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime

import pytest
from jsonschema import ValidationError

from tests.delivery.test_manifest import _item
from urbanart.curation.resolver import resolve
from urbanart.curation.rules import ScreenContext
from urbanart.delivery import manifest as mf
from urbanart.delivery.publisher import window_for
from urbanart.protocol import manifest_format as fmt
from urbanart.protocol.tree_layout import media_url

#: Pure functions and documents: nothing here reaches a catalogue, so one run suffices.
pytestmark = pytest.mark.no_database

NOW = datetime(2026, 3, 27, 15, 42, 10, tzinfo=UTC)
VIDEO_SHA = hashlib.sha256(b"video").hexdigest()
VIDEO = mf.VideoFacts(media_url(VIDEO_SHA, "mp4"), VIDEO_SHA, 98765, 640, 360, 4.5, 25.0, False)


def build(items: tuple[mf.ItemFacts, ...]) -> dict:
    screen = mf.ScreenFacts(
        id=3, name="Berlin Kiosk", timezone="Europe/Berlin", width=640, height=360,
        poll_interval=60, poll_token="abcdefghijklmnop_-12", default_playlist_id=1,
    )  # fmt: skip
    frm, until = window_for(NOW, 7)
    timeline = resolve([], ScreenContext(3, "Berlin Kiosk", "Europe/Berlin", 1, "Reel"), frm, until)
    playlists = {1: mf.PlaylistFacts(1, "Reel", items)}
    return mf.build_manifest(screen, timeline, playlists, public_base_url="https://art.example/")


def test_one_video_item_makes_the_payload_version_3_with_every_item_typed() -> None:
    payload = build((_item(1), _item(2, duration_s=9.0, video=VIDEO)))
    fmt.validate_payload(payload)
    assert payload["version"] == 3
    still, video = payload["playlists"]["1"]["items"]
    assert still["media_type"] == "image" and "video" not in still
    assert video["media_type"] == "video"
    assert video["video"] == {
        "url": f"/media/{VIDEO_SHA[:2]}/{VIDEO_SHA}.mp4", "sha256": VIDEO_SHA, "size": 98765,
        "width": 640, "height": 360, "format": "MP4", "codec": "h264", "duration_s": 4.5,
        "fps": 25, "has_audio": False,
    }  # fmt: skip
    assert video["media"]["url"].endswith(".jpg")  # media stays the still
    assert fmt.media_urls(payload) == {still["media"]["url"], video["media"]["url"], VIDEO.url}


def test_stills_only_stay_version_2_byte_for_byte_without_the_new_fields() -> None:
    payload = build((_item(1), _item(2)))
    assert payload["version"] == 2
    assert all("media_type" not in i for i in payload["playlists"]["1"]["items"])
    fmt.validate_payload(payload)


def test_the_schema_holds_each_version_to_its_own_items() -> None:
    v3 = build((_item(1), _item(2, video=VIDEO)))
    later = copy.deepcopy(v3)  # a later kind: an unknown media_type and fields, still valid v3
    later["playlists"]["1"]["items"][0].update(media_type="hologram", hologram={"beam": "x"})
    fmt.validate_payload(later)
    broken_live = copy.deepcopy(v3)  # a known later kind is held to its own shape
    broken_live["playlists"]["1"]["items"][0].update(media_type="live", live={"feed": "x"})
    with pytest.raises(ValidationError, match="'feed' was unexpected"):
        fmt.validate_payload(broken_live)
    missing = copy.deepcopy(v3)
    del missing["playlists"]["1"]["items"][1]["video"]
    with pytest.raises(ValidationError, match="'video' is a required property"):
        fmt.validate_payload(missing)
    untyped = copy.deepcopy(v3)
    del untyped["playlists"]["1"]["items"][0]["media_type"]
    with pytest.raises(ValidationError, match="'media_type' is a required property"):
        fmt.validate_payload(untyped)
    v2 = build((_item(1),))
    v2["playlists"]["1"]["items"][0]["media_type"] = "image"  # a v2 item takes no new fields
    with pytest.raises(ValidationError, match="media_type"):
        fmt.validate_payload(v2)
    wrong = copy.deepcopy(v3)
    wrong["playlists"]["1"]["items"][1]["video"]["url"] = "/media/ab/x.mov"
    with pytest.raises(ValidationError):
        fmt.validate_payload(wrong)
    future = copy.deepcopy(v3)
    future["version"] = 4
    with pytest.raises(ValidationError):
        fmt.validate_payload(future)
