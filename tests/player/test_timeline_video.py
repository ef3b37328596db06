"""Video items in the clock rule (manifest v3): the position inside the video, what a player must
cache, and the still for a media type it does not know. Pure, no I/O."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.player.test_timeline import D, H, item, payload
from urbanart.player.timeline import media_needed, video_of, video_position_s, what_plays
from urbanart.protocol.manifest_format import SUPPORTED_VERSIONS, media_urls


def video_item(n: int, seconds: float, length: float, media_type: str = "video") -> dict[str, Any]:
    shaped = item(n, seconds)
    shaped["media_type"] = media_type
    shaped["video"] = {
        "url": f"/media/00/{n + 100:064x}.mp4",
        "sha256": f"{n + 100:064x}",
        "size": 1000,
        "duration_s": length,
    }
    return shaped


def reel(*items: dict[str, Any]) -> dict[str, Any]:
    p = payload([(D, D + 2 * H, "9")])
    p["playlists"]["9"] = {"name": "Reel", "total_seconds": 0, "items": list(items)}
    return p


def test_the_video_position_is_time_into_the_item_modulo_the_video_length() -> None:
    # a 4 s still, then a 3.5 s video for 8 s (two loops and a cut third)
    p = reel(item(1, 4), video_item(2, 8, 3.5))
    at = what_plays(p, D + timedelta(seconds=3))
    assert at.item["item_id"] == 1 and video_position_s(at) is None
    for into, expected in ((0, 0.0), (1.25, 1.25), (3.5, 0.0), (4.0, 0.5), (7.999, 0.999)):
        shown = what_plays(p, D + timedelta(seconds=4 + into))
        assert shown.item["item_id"] == 2
        assert video_position_s(shown) == expected, into
    # the next loop of the playlist: the video starts over from 0 at its new start
    again = what_plays(p, D + timedelta(seconds=12 + 4 + 0.3))
    assert again.item["item_id"] == 2 and video_position_s(again) == 0.3


def test_a_player_caches_both_the_still_and_the_video_of_a_video_item() -> None:
    p = reel(item(1, 4), video_item(2, 8, 3.5))
    needed = media_needed(p)
    assert f"{102:064x}" in needed and f"{2:064x}" in needed and f"{1:064x}" in needed
    assert f"/media/00/{102:064x}.mp4" in media_urls(p)


def test_an_unknown_media_type_plays_its_still_and_needs_no_video() -> None:
    live = video_item(2, 8, 3.5, media_type="live")
    p = reel(item(1, 4), live)
    shown = what_plays(p, D + timedelta(seconds=5))
    assert shown.item["item_id"] == 2
    assert video_of(shown.item) is None and video_position_s(shown) is None
    assert f"{102:064x}" not in media_needed(p)
    assert f"/media/00/{102:064x}.mp4" not in media_urls(p)


def test_this_player_accepts_versions_2_and_3() -> None:
    assert SUPPORTED_VERSIONS == (2, 3)
